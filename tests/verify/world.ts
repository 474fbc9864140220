/**
 * The AWS side of a deployed stack for `npm run verify`'s tests: moto (Auto Scaling group with
 * InService instances, CloudWatch alarms, SSM), behind a small front that plays the SSM agent moto
 * lacks: moto accepts SendCommand and answers GetCommandInvocation with an empty output, so the
 * front runs the command's script for real (bash, curl to a fake IMDS of the chosen node) and puts
 * its output in moto's answer. The node's `aws sts assume-role` answers as STS would for the role's
 * trust policy, evaluated for the node's instance ARN and each session name (tests/iam/evaluate.ts).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { conditionHolds } from "../iam/evaluate";
import { startFakeImds, type FakeImds } from "../support/fake-imds";
import { forwardRequest, readBody } from "../support/http-front";
import { MOTO_REGION, motoClientConfig } from "../support/moto";

export const ACCOUNT = "123456789012";
export const GROUP = "eks-multus-cluster-multus-nodes";
export const UNTAINT_ROLE = `arn:aws-cn:iam::${ACCOUNT}:role/eks-multus-cluster-untaint`;

interface TrustStatement {
  readonly Effect: string;
  readonly Condition?: Record<string, Record<string, string>>;
}

export interface SsmFront {
  readonly endpoint: string;
  /** The trust policy the role has in this world (what STS would evaluate). */
  trust: { Statement: TrustStatement[] };
  /** Scripts the front ran, with their exit codes. */
  readonly ran: { script: string; code: number }[];
  stop(): Promise<void>;
}

function runScript(
  script: string,
  environment: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", script], { env: environment });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/** The front: SSM's two calls intercepted, everything else straight to moto. */
export async function startSsmFront(
  motoEndpoint: string,
  instanceId: string,
  trust: { Statement: TrustStatement[] },
): Promise<SsmFront> {
  const upstream = new URL(motoEndpoint);
  const scratch = mkdtempSync(join(tmpdir(), "verify-node-"));
  const bin = join(scratch, "bin");
  mkdirSync(bin);
  symlinkSync(join(__dirname, "sts-stub.sh"), join(bin, "aws"));
  const imds: FakeImds = await startFakeImds({ tree: { "instance-id": instanceId } });
  const scripts = new Map<string, string>();
  const ran: { script: string; code: number }[] = [];
  const front: SsmFront = {
    endpoint: "",
    trust,
    ran,
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
      await imds.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  /** STS's answer to the node for each session name the probe may ask for. */
  const decisions = (sessionNames: string[]): string =>
    sessionNames
      .filter((name) =>
        front.trust.Statement.some(
          (statement) =>
            statement.Effect === "Allow" &&
            conditionHolds(statement as never, {
              "ec2:SourceInstanceARN": `arn:aws-cn:ec2:${MOTO_REGION}:${ACCOUNT}:instance/${instanceId}`,
              "sts:RoleSessionName": name,
            }),
        ),
      )
      .map((name) => `${name}=allow`)
      .join("\n");

  const server: Server = createServer((message: IncomingMessage, response: ServerResponse) => {
    void readBody(message).then(async (payload) => {
      const target = String(message.headers["x-amz-target"] ?? "");
      const answer = await forwardRequest(upstream, message, payload);
      let text = answer.body.toString("utf8");
      if (target === "AmazonSSM.SendCommand" && answer.status === 200) {
        const sent = JSON.parse(payload.toString("utf8")) as { Parameters: { commands: string[] } };
        const commandId = (JSON.parse(text) as { Command: { CommandId: string } }).Command.CommandId;
        scripts.set(commandId, sent.Parameters.commands.join("\n"));
      }
      if (target === "AmazonSSM.GetCommandInvocation" && answer.status === 200) {
        const invocation = JSON.parse(text) as Record<string, unknown>;
        const script = scripts.get(String(invocation.CommandId));
        if (script !== undefined) {
          const run = await runScript(script, {
            PATH: `${bin}:/usr/bin:/bin`,
            MULTUS_VERIFY_IMDS: imds.endpoint,
            MULTUS_TEST_STS_DECISIONS: decisions([instanceId, "i-00000000000000000", "i-11111111111111111"]),
          });
          ran.push({ script, code: run.code });
          invocation.StandardOutputContent = run.stdout;
          invocation.Status = run.code === 0 ? "Success" : "Failed";
          invocation.ResponseCode = run.code;
          text = JSON.stringify(invocation);
        }
      }
      response.writeHead(answer.status, {
        "content-type": String(answer.headers["content-type"] ?? "application/json"),
      });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  (front as { endpoint: string }).endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}

/** An Auto Scaling group of one InService instance (moto launches it), and the instance's ID. */
export async function createNodeGroup(motoEndpoint: string): Promise<string> {
  const config = motoClientConfig(motoEndpoint);
  const ec2 = new EC2Client(config);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnet = await ec2.send(
    new CreateSubnetCommand({
      VpcId: vpc.Vpc!.VpcId!,
      CidrBlock: "10.0.2.0/24",
      AvailabilityZone: `${MOTO_REGION}a`,
    }),
  );
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: "nodes",
      LaunchTemplateData: { ImageId: "ami-12c6146b", InstanceType: "c5.large" },
    }),
  );
  const autoscaling = new AutoScalingClient(config);
  await autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: GROUP,
      LaunchTemplate: { LaunchTemplateName: "nodes" },
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      VPCZoneIdentifier: subnet.Subnet!.SubnetId!,
    }),
  );
  const groups = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
  );
  return groups.AutoScalingGroups![0].Instances![0].InstanceId!;
}

/** The ENI Lambda's alarms, in the given states (moto creates alarms OK). */
export async function createAlarms(
  motoEndpoint: string,
  states: Record<string, "OK" | "ALARM" | "INSUFFICIENT_DATA">,
): Promise<void> {
  const cloudwatch = new CloudWatchClient(motoClientConfig(motoEndpoint));
  for (const [name, state] of Object.entries(states)) {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      }),
    );
    if (state !== "OK") {
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `test: ${state}` }),
      );
    }
  }
}

/** Writes `text` to a file in a fresh directory and returns its path. */
export function scratchFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "verify-")), name);
  writeFileSync(file, text);
  return file;
}
