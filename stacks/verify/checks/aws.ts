/**
 * What AWS says after `pulumi up`: the ENI Lambdas' alarms exist and are not firing, and a node may
 * assume the startup-untaint role with its own instance ID but not with another's (asked on one
 * node through SSM Run Command: the only way to sign a request with a node's credentials).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { awsCallFailed, Check, errorName, fail, pass, skip } from "../../preflight/types";
import type { VerifyContext } from "../context";

/** The probe, a real file (shellcheck runs on it); verify prepends its two variables. */
export const UNTAINT_PROBE_SOURCE = join(__dirname, "..", "node", "untaint-probe.sh");

export function untaintProbeScript(roleArn: string, region: string): string {
  const body = readFileSync(UNTAINT_PROBE_SOURCE, "utf8").replace(/^#![^\n]*\n/, "");
  return [
    `#!/bin/bash`,
    `MULTUS_VERIFY_ROLE_ARN='${roleArn}'`,
    `MULTUS_VERIFY_REGION='${region}'`,
    body,
  ].join("\n");
}

const TERMINAL = new Set(["Success", "Failed", "Cancelled", "TimedOut", "Undeliverable", "Terminated"]);

/** The two answers the probe prints, or undefined for one it did not print. */
export function probeAnswers(output: string): { own?: string; other?: string } {
  const answer = (name: string): string | undefined =>
    new RegExp(`^multus-verify ${name}=(.*)$`, "m").exec(output)?.[1]?.trim();
  return { own: answer("own"), other: answer("other") };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const awsChecks: readonly Check<VerifyContext>[] = [
  {
    family: "alarms",
    name: "ENI Lambda alarms",
    async run(context) {
      const names = Object.values(context.outputs.nodeGroups).flatMap((group) => group.alarmNames);
      if (names.length === 0) return skip("no node group with Multus networks, so no ENI Lambda alarm");
      const alarms: MetricAlarm[] = [];
      try {
        // DescribeAlarms takes at most 100 names per call.
        for (let start = 0; start < names.length; start += 100) {
          const page = await context.aws.cloudwatch.send(
            new DescribeAlarmsCommand({ AlarmNames: names.slice(start, start + 100) }),
          );
          alarms.push(...(page.MetricAlarms ?? []));
        }
      } catch (error) {
        return awsCallFailed(
          "CloudWatch DescribeAlarms",
          error,
          "grant cloudwatch:DescribeAlarms, or run again",
        );
      }
      const missing = names.filter((name) => !alarms.some((alarm) => alarm.AlarmName === name));
      const firing = alarms.filter((alarm) => alarm.StateValue === "ALARM");
      if (missing.length > 0 || firing.length > 0) {
        return fail(
          [
            ...(missing.length > 0 ? [`missing: ${missing.join(", ")}`] : []),
            ...firing.map(
              (alarm) => `${alarm.AlarmName} in ALARM (${alarm.StateReason ?? "no reason given"})`,
            ),
          ].join("; "),
          "missing: run pulumi up again; in ALARM: the ENI Lambda's log group and its failure queue say which launch failed and why",
        );
      }
      const waiting = alarms.filter((alarm) => alarm.StateValue === "INSUFFICIENT_DATA").length;
      return pass(
        `${alarms.length} alarm(s), none in ALARM${waiting > 0 ? ` (${waiting} not evaluated yet)` : ""}`,
      );
    },
  },
  {
    family: "node identity",
    name: "untaint role from a node",
    async run(context) {
      const groups = Object.values(context.outputs.nodeGroups).map((group) => group.autoScalingGroupName);
      let instanceId: string | undefined;
      try {
        const answer = await context.aws.autoscaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groups }),
        );
        instanceId = (answer.AutoScalingGroups ?? [])
          .flatMap((group) => group.Instances ?? [])
          .find((instance) => instance.LifecycleState === "InService")?.InstanceId;
      } catch (error) {
        return awsCallFailed(
          "Auto Scaling DescribeAutoScalingGroups",
          error,
          "grant autoscaling:DescribeAutoScalingGroups",
        );
      }
      if (!instanceId)
        return fail(
          `no InService node in ${groups.join(", ")}`,
          "wait for the node groups to launch, then run again",
        );
      const roleArn = context.outputs.startupUntaintRoleArn;
      let commandId: string | undefined;
      try {
        const sent = await context.aws.ssm.send(
          new SendCommandCommand({
            DocumentName: "AWS-RunShellScript",
            InstanceIds: [instanceId],
            Comment: "multus-eks verify: may this node assume the untaint role, and only as itself?",
            Parameters: { commands: [untaintProbeScript(roleArn, context.settings.region.name)] },
            TimeoutSeconds: 60,
          }),
        );
        commandId = sent.Command?.CommandId;
      } catch (error) {
        if (errorName(error) === "InvalidInstanceId") {
          return fail(
            `${instanceId} is not managed by SSM (not online in Systems Manager)`,
            "the node role carries AmazonSSMManagedInstanceCore: check that the node reaches SSM (NAT or endpoints)",
          );
        }
        return awsCallFailed(
          "SSM SendCommand",
          error,
          "grant ssm:SendCommand on the AWS-RunShellScript document and the node",
        );
      }
      const deadline = Date.now() + (context.options.probeTimeoutMs ?? 90_000);
      let output = "";
      let status = "Pending";
      while (Date.now() < deadline) {
        await sleep(context.options.probePollMs ?? 2_000);
        try {
          const invocation = await context.aws.ssm.send(
            new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
          );
          status = invocation.Status ?? status;
          output = invocation.StandardOutputContent ?? "";
          if (TERMINAL.has(status)) break;
        } catch (error) {
          // Right after SendCommand, the invocation may not exist yet (documented InvocationDoesNotExist).
          if (errorName(error) !== "InvocationDoesNotExist") {
            return awsCallFailed("SSM GetCommandInvocation", error, "grant ssm:GetCommandInvocation");
          }
        }
      }
      const { own, other } = probeAnswers(output);
      const where = `on ${instanceId} (SSM command ${commandId}, ${status})`;
      if (own === "assumed" && other === "refused") {
        return pass(`${where}: assumed as itself, refused as another instance`);
      }
      if (other === "assumed") {
        return fail(
          `${where}: the node assumed ${roleArn} with another instance's ID as session name`,
          "the role's trust policy must tie the session name to ec2:SourceInstanceARN: run pulumi up with this program's version",
        );
      }
      return fail(
        `${where}: own=${own ?? "(no answer)"}, other=${other ?? "(no answer)"}`,
        "see the SSM command's output; a refused own session means the node role is not in the trust policy, or the request did not carry ec2:SourceInstanceARN",
      );
    },
  },
];
