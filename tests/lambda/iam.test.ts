import { strict as assert } from "node:assert";
import {
  MUTATING_ACTIONS,
  eniLambdaPolicyDocument,
  type EniLambdaPolicyArgs,
  type PolicyStatement,
} from "../../components/nodegroup/lambda-iam";

const args: EniLambdaPolicyArgs = {
  partition: "aws-cn",
  region: "cn-northwest-1",
  accountId: "123456789012",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0000000000000000a", "subnet-0000000000000000b"],
  securityGroupIds: ["sg-0000000000000000c"],
  clusterName: "multus",
  autoScalingGroupName: "multus-nodes",
};

function resources(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

function statementsFor(statements: PolicyStatement[], action: string): PolicyStatement[] {
  return statements.filter((statement) => statement.Action.includes(action));
}

describe("ENI Lambda IAM policy", () => {
  const policy = eniLambdaPolicyDocument(args);

  it("grants no mutating action on '*' and every mutating action somewhere", () => {
    for (const action of MUTATING_ACTIONS) {
      const granting = statementsFor(policy.Statement, action);
      assert.ok(granting.length > 0, `${action} is not granted`);
      for (const statement of granting)
        assert.ok(!resources(statement).includes("*"), `${action} on * in ${statement.Sid}`);
    }
    const star = policy.Statement.filter((statement) => resources(statement).includes("*"));
    assert.deepEqual(star.flatMap((statement) => statement.Action).sort(), [
      "ec2:DescribeInstances",
      "ec2:DescribeNetworkInterfaces",
    ]);
  });

  it("builds every ARN in the given partition and region", () => {
    const arns = policy.Statement.flatMap(resources).filter((resource) => resource !== "*");
    assert.ok(arns.length > 0);
    for (const arn of arns) assert.match(arn, /^arn:aws-cn:(ec2|autoscaling):cn-northwest-1:123456789012:/);
    assert.ok(!JSON.stringify(policy).includes("arn:aws:"));
    assert.ok(arns.includes("arn:aws-cn:ec2:cn-northwest-1:123456789012:subnet/subnet-0000000000000000a"));
    const global = eniLambdaPolicyDocument({ ...args, partition: "aws", region: "us-west-2" });
    for (const arn of global.Statement.flatMap(resources).filter((resource) => resource !== "*"))
      assert.match(arn, /^arn:aws:[a-z0-9]+:us-west-2:/);
  });

  it("lets CreateNetworkInterface use only the Multus subnets and groups, in the VPC, with the cluster tags", () => {
    const creates = statementsFor(policy.Statement, "ec2:CreateNetworkInterface");
    const all = creates.flatMap(resources).sort();
    assert.deepEqual(all, [
      "arn:aws-cn:ec2:cn-northwest-1:123456789012:network-interface/*",
      "arn:aws-cn:ec2:cn-northwest-1:123456789012:security-group/sg-0000000000000000c",
      "arn:aws-cn:ec2:cn-northwest-1:123456789012:subnet/subnet-0000000000000000a",
      "arn:aws-cn:ec2:cn-northwest-1:123456789012:subnet/subnet-0000000000000000b",
    ]);
    const onInterface = creates.find((statement) => resources(statement)[0].includes("network-interface/"));
    assert.deepEqual(onInterface?.Condition?.StringEquals, {
      "aws:RequestTag/multus-eks/cluster": "multus",
      "aws:RequestTag/node.k8s.amazonaws.com/no_manage": "true",
    });
    const onSubnets = creates.find((statement) =>
      resources(statement).some((arn) => arn.includes(":subnet/")),
    );
    assert.deepEqual(onSubnets?.Condition?.StringEquals, {
      "ec2:Vpc": "arn:aws-cn:ec2:cn-northwest-1:123456789012:vpc/vpc-0123456789abcdef0",
    });
  });

  it("conditions interface actions on the cluster tag and Multus subnets, instances on the group's reserved tag", () => {
    const multusSubnets = [
      "arn:aws-cn:ec2:cn-northwest-1:123456789012:subnet/subnet-0000000000000000a",
      "arn:aws-cn:ec2:cn-northwest-1:123456789012:subnet/subnet-0000000000000000b",
    ];
    for (const action of ["ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteNetworkInterface"]) {
      const onInterfaces = statementsFor(policy.Statement, action).filter((statement) =>
        resources(statement)[0].endsWith(":network-interface/*"),
      );
      assert.equal(onInterfaces.length, 1, action);
      assert.deepEqual(onInterfaces[0].Condition, {
        StringEquals: { "ec2:ResourceTag/multus-eks/cluster": "multus", "ec2:Subnet": multusSubnets },
      });
    }
    for (const action of [
      "ec2:AttachNetworkInterface",
      "ec2:DetachNetworkInterface",
      "ec2:ModifyNetworkInterfaceAttribute",
    ]) {
      const toInstance = statementsFor(policy.Statement, action).find((statement) =>
        resources(statement)[0].endsWith(":instance/*"),
      );
      assert.deepEqual(toInstance?.Condition, {
        StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": "multus-nodes" },
      });
    }
    const [tagging] = statementsFor(policy.Statement, "ec2:CreateTags");
    assert.deepEqual(tagging.Condition, { StringEquals: { "ec2:CreateAction": "CreateNetworkInterface" } });
  });

  it("completes lifecycle actions only on the node group, named by its fixed name", () => {
    const granting = statementsFor(policy.Statement, "autoscaling:CompleteLifecycleAction");
    assert.equal(granting.length, 1);
    assert.equal(granting[0].Condition, undefined, "no user-settable tag decides it");
    assert.equal(
      granting[0].Resource,
      "arn:aws-cn:autoscaling:cn-northwest-1:123456789012:autoScalingGroup:*:autoScalingGroupName/multus-nodes",
    );
  });

  it("rejects missing inputs by name", () => {
    assert.throws(() => eniLambdaPolicyDocument({ ...args, subnetIds: [] }), /subnetIds is empty/);
    assert.throws(
      () => eniLambdaPolicyDocument({ ...args, securityGroupIds: ["subnet-1"] }),
      /securityGroupIds contains "subnet-1"/,
    );
    assert.throws(() => eniLambdaPolicyDocument({ ...args, partition: "" }), /partition is empty/);
    assert.throws(
      () => eniLambdaPolicyDocument({ ...args, autoScalingGroupName: "" }),
      /autoScalingGroupName is empty/,
    );
  });
});
