/**
 * `npm run verify`'s AWS checks against moto (Auto Scaling, CloudWatch, SSM) with the SSM agent
 * played by tests/verify/world.ts: the untaint probe really runs (bash, curl to a fake IMDS), and
 * the node's AssumeRole is decided by the role's real trust policy (untaintTrustPolicy).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SSMClient } from "@aws-sdk/client-ssm";
import { untaintTrustPolicy } from "../../components/nodegroup/startup-taint";
import { awsChecks, probeAnswers, UNTAINT_PROBE_SOURCE } from "../../stacks/verify/checks/aws";
import { VerifyContext } from "../../stacks/verify/context";
import type { StackOutputs } from "../../stacks/verify/outputs";
import { settingsOf } from "../preflight/harness";
import { MOTO_REGION, motoClientConfig, useMoto } from "../support/moto";
import {
  ACCOUNT,
  createAlarms,
  createNodeGroup,
  GROUP,
  SsmFront,
  startSsmFront,
  UNTAINT_ROLE,
} from "./world";

const NODE_ROLE = `arn:aws-cn:iam::${ACCOUNT}:role/eks-multus-cluster-node`;
const ALARMS = ["eni-errors", "eni-abandon", "eni-failed-invocations"];

function outputs(): StackOutputs {
  return {
    region: MOTO_REGION,
    clusterName: "eks-multus-cluster",
    kubeconfig: "{}",
    nodeGroups: { multus: { autoScalingGroupName: GROUP, alarmNames: ALARMS } },
    startupUntaintRoleArn: UNTAINT_ROLE,
    vpcCniRoleArn: `arn:aws-cn:iam::${ACCOUNT}:role/eks-multus-cluster-vpc-cni`,
    checkJobNames: [],
  };
}

describe("npm run verify: AWS checks (moto, a node played by bash)", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let front: SsmFront;
  let context: VerifyContext;
  const check = (name: string) => awsChecks.find((candidate) => candidate.name === name)!;

  beforeEach(async () => {
    const instanceId = await createNodeGroup(moto.endpoint);
    const trust = untaintTrustPolicy([NODE_ROLE], {
      partition: "aws-cn",
      region: MOTO_REGION,
      accountId: ACCOUNT,
    });
    front = await startSsmFront(moto.endpoint, instanceId, trust as never);
    const config = motoClientConfig(front.endpoint);
    context = new VerifyContext(
      settingsOf("ningxia"),
      outputs(),
      {
        autoscaling: new AutoScalingClient(config),
        cloudwatch: new CloudWatchClient(config),
        ssm: new SSMClient(config),
      },
      { probeTimeoutMs: 20_000, probePollMs: 100 },
    );
  });
  afterEach(async () => {
    context.dispose();
    await front.stop();
  });

  it("a node assumes the untaint role as itself and is refused as another instance (the real trust policy)", async () => {
    const result = await check("untaint role from a node").run(context);
    assert.equal(result.status, "pass", `${result.detail} / ${result.fix}`);
    assert.match(result.detail, /assumed as itself, refused as another instance/);
    assert.equal(front.ran.length, 1, "the probe ran once on the node");
    assert.match(front.ran[0].script, new RegExp(`MULTUS_VERIFY_ROLE_ARN='${UNTAINT_ROLE}'`));
  });

  it("fails when the trust lets a node assume the role under any session name (the pre-fix trust's shape)", async () => {
    front.trust = { Statement: [{ Effect: "Allow" }] };
    const result = await check("untaint role from a node").run(context);
    assert.equal(result.status, "fail");
    assert.match(result.detail, /assumed .* with another instance's ID as session name/);
  });

  it("fails when the node cannot assume the role at all, quoting what it got", async () => {
    front.trust = { Statement: [] };
    const result = await check("untaint role from a node").run(context);
    assert.equal(result.status, "fail");
    assert.match(result.detail, /own=refused, other=refused/);
  });

  it("alarms: passes when all exist and none fires; names the missing and the firing ones", async () => {
    await createAlarms(moto.endpoint, {
      "eni-errors": "OK",
      "eni-abandon": "OK",
      "eni-failed-invocations": "INSUFFICIENT_DATA",
    });
    const healthy = await check("ENI Lambda alarms").run(context);
    assert.equal(healthy.status, "pass", healthy.detail);
    assert.match(healthy.detail, /3 alarm\(s\), none in ALARM \(1 not evaluated yet\)/);
    await createAlarms(moto.endpoint, { "eni-abandon": "ALARM" });
    const firing = await check("ENI Lambda alarms").run(context);
    assert.equal(firing.status, "fail");
    assert.match(firing.detail, /eni-abandon in ALARM \(test: ALARM\)/);
  });

  it("alarms: reports the ones that do not exist", async () => {
    await createAlarms(moto.endpoint, { "eni-errors": "OK" });
    const result = await check("ENI Lambda alarms").run(context);
    assert.equal(result.status, "fail");
    assert.match(result.detail, /missing: eni-abandon, eni-failed-invocations/);
  });

  it("ships a probe that shellcheck passes", () => {
    const result = spawnSync("shellcheck", [UNTAINT_PROBE_SOURCE], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stdout);
  });

  it("reads the probe's two answers, and none from an unrelated output", () => {
    assert.deepEqual(probeAnswers("x\nmultus-verify own=assumed\nmultus-verify other=refused\n"), {
      own: "assumed",
      other: "refused",
    });
    assert.deepEqual(probeAnswers("Permission denied"), { own: undefined, other: undefined });
  });
});
