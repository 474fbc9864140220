import { gunzipSync } from "zlib";
// MultusNodeGroup built on its own: creation order (and so destroy order), parents, and the
// errors for instance types that cannot carry the Multus ENIs.
import { strict as assert } from "node:assert";
import { NODE_GROUP_TYPE } from "../../components/nodegroup";
import { parseLambdaConfig } from "../../lambda/src/config";
import { baseArgs, ComponentRun, network, runComponent } from "./component-harness";

const GROUP = "aws:autoscaling/group:Group";
const FUNCTION = "aws:lambda/function:Function";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const PERMISSION = "aws:lambda/permission:Permission";

describe("MultusNodeGroup (component on its own)", () => {
  let run: ComponentRun;
  before(async () => {
    run = await runComponent((cluster) => baseArgs({ clusterDependencies: [cluster] }));
  });

  it("parents every resource it declares to the component", () => {
    const component = run.one(NODE_GROUP_TYPE);
    const children = run.resources.filter(
      (resource) =>
        resource.key !== component.key &&
        !resource.type.startsWith("test:") &&
        !resource.type.startsWith("pulumi:"),
    );
    assert.ok(children.length >= 20, `only ${children.length} children`);
    for (const child of children)
      assert.equal(child.parent, component.key, `${child.key} has parent ${child.parent}`);
  });

  it("creates the group after the Lambda, both rules, their targets and permissions, the cluster and the SG rules", () => {
    const group = run.one(GROUP);
    const required = [
      `${FUNCTION}::unit-eni`,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig::unit-eni",
      `${RULE}::unit-lifecycle`,
      `${RULE}::unit-sweep`,
      `${TARGET}::unit-lifecycle`,
      `${TARGET}::unit-sweep`,
      `${PERMISSION}::unit-lifecycle`,
      `${PERMISSION}::unit-sweep`,
      "aws:eks/accessEntry:AccessEntry::unit-node",
      "test:index:Cluster::unit-cluster",
      // Nodes must reach the API server from their first boot.
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::unit-node-to-control-plane",
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::unit-nodes-out",
    ];
    for (const key of required) assert.ok(group.dependsOn.includes(key), `group does not depend on ${key}`);
    // Fixed name: a replacement must delete the old group before creating the new one.
    assert.equal(group.deleteBeforeReplace, true);
    assert.equal(group.inputs.forceDelete, false);
  });

  it("creates the Lambda after its log group and policies, and each target after its permission", () => {
    const lambda = run.one(FUNCTION);
    for (const key of [
      "aws:cloudwatch/logGroup:LogGroup::unit-eni-lambda",
      "aws:iam/rolePolicy:RolePolicy::unit-eni-lambda",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::unit-eni-lambda-AWSLambdaBasicExecutionRole",
    ]) {
      assert.ok(lambda.dependsOn.includes(key), `Lambda does not depend on ${key}`);
    }
    assert.deepEqual(run.one(TARGET, "unit-lifecycle").dependsOn, [`${PERMISSION}::unit-lifecycle`]);
    assert.deepEqual(run.one(TARGET, "unit-sweep").dependsOn, [`${PERMISSION}::unit-sweep`]);
    assert.deepEqual(run.one("aws:eks/accessEntry:AccessEntry").dependsOn, [
      "test:index:Cluster::unit-cluster",
    ]);
  });

  it("gives the Lambda every network's subnet in every node AZ and asks prefixes only for eni-prefix", () => {
    const environment = run.one(FUNCTION).inputs.environment as { variables: Record<string, string> };
    const config = parseLambdaConfig(environment.variables.MULTUS_ENI_CONFIG);
    assert.equal(config.clusterName, "unit");
    assert.deepEqual(
      config.networks.map((item) => [item.name, item.deviceIndex, item.prefixDelegation]),
      [
        ["net-a", 1, false],
        ["net-b", 2, true],
      ],
    );
    assert.deepEqual(config.networks[1].subnetIdsByAz, {
      "cn-north-1a": "subnet-0a000000000000002",
      "cn-north-1b": "subnet-0b000000000000002",
    });
    assert.deepEqual(config.networks[0].securityGroupIds, ["sg-00000000000000001"]);
    assert.deepEqual(config.networks[1].securityGroupIds, ["sg-00000000000000002"]);
    assert.deepEqual(config.tags, { team: "core" });
  });

  it("exposes the outputs the stack reports", () => {
    assert.equal(run.outputs.autoScalingGroupName, "unit-multus-nodes");
    assert.equal(run.outputs.lambdaName, "unit-multus-eni");
    assert.equal(run.outputs.launchTemplateId, "unit-nodes-id");
    assert.equal(run.outputs.securityGroupId, "unit-nodes-id");
    assert.match(String(run.outputs.nodeRoleArn), /^arn:aws-cn:iam:.*unit-node$/);
    assert.match(String(run.outputs.lambdaArn), /^arn:aws-cn:lambda:/);
    // c5.large: (3 ENIs - 2 Multus) x (10 - 1) + 2
    assert.equal(run.outputs.maxPods, 11);
  });
});

describe("MultusNodeGroup with a vpc-ip network", () => {
  it("creates the group after the vpc-ip node policy, so a destroy removes that policy after the nodes", async () => {
    const run = await runComponent(() =>
      baseArgs({ networks: [network("net-a", 1), network("net-v", 2, "vpc-ip")] }),
    );
    const policy = "aws:iam/rolePolicy:RolePolicy::unit-node-vpc-ip";
    assert.ok(
      run.resources.some((resource) => resource.key === policy),
      `no ${policy}`,
    );
    assert.ok(run.one(GROUP).dependsOn.includes(policy), `group does not depend on ${policy}`);
  });
});

describe("MultusNodeGroup instance type checks", () => {
  it("refuses three Multus networks on c5.large (3 ENIs), naming nodeInstanceType", async () => {
    await assert.rejects(
      runComponent(() => baseArgs({ networks: [network("a", 1), network("b", 2), network("c", 3)] })),
      (error: Error) =>
        /nodeInstanceType/.test(error.message) && /c5\.large attaches at most 3 ENIs/.test(error.message),
    );
  });

  it("refuses an unknown instance type without maxPods, naming nodeMaxPods", async () => {
    await assert.rejects(
      runComponent(() => baseArgs({ instanceType: "z9.metal", maxPods: 0 })),
      (error: Error) => /nodeMaxPods/.test(error.message) && /z9\.metal/.test(error.message),
    );
  });

  it("refuses a vpc-ip network on a type whose addresses per ENI are unknown (the node advertises room from them)", async () => {
    await assert.rejects(
      runComponent(() =>
        baseArgs({ instanceType: "z9.metal", maxPods: 42, networks: [network("net-v", 1, "vpc-ip")] }),
      ),
      (error: Error) => /instanceLimits/.test(error.message) && /net-v/.test(error.message),
    );
    // With EC2's figures (what the stack passes) the same group is accepted.
    await runComponent(() =>
      baseArgs({
        instanceType: "z9.metal",
        maxPods: 42,
        instanceLimits: { maxEnis: 4, ipv4PerEni: 15 },
        networks: [network("net-v", 1, "vpc-ip")],
      }),
    );
  });

  it("takes an explicit maxPods for an unknown type and puts it in the user data", async () => {
    const run = await runComponent(() => baseArgs({ instanceType: "z9.metal", maxPods: 42 }));
    assert.equal(run.outputs.maxPods, 42);
    const payload = Buffer.from(
      String(run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData),
      "base64",
    );
    // Over EC2's 16 KB the user data is gzip'd (nodeadm and cloud-init both read that).
    const userData = (payload[0] === 0x1f && payload[1] === 0x8b ? gunzipSync(payload) : payload).toString();
    assert.match(userData, /maxPodsExpression: "42"/);
    assert.equal(run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.instanceType, "z9.metal");
  });

  it("uses an explicit AMI instead of the SSM parameter", async () => {
    const run = await runComponent(() => baseArgs({ amiId: "ami-0123456789abcdef0", keyName: "ops" }));
    const template = run.one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
    assert.equal(template.imageId, "ami-0123456789abcdef0");
    assert.equal(template.keyName, "ops");
  });
});
