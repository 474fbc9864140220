/**
 * Issue 21 (2): the vpc-ip node statement lets a node assign and unassign addresses only on the
 * Multus ENIs created for itself, evaluated by an independent IAM simulator
 * (@cloud-copilot/iam-simulate). The request context is what EC2 documents: ec2:SourceInstanceARN
 * is "the ARN of the instance from which the request originated" (Service Authorization Reference,
 * EC2 condition keys; present for instance-profile credentials), and ec2:ResourceTag/<key> is the
 * ENI's tag. The Lambda writes the instance-ARN tag at creation only (tests/lambda/plan.test.ts).
 */
import assert from "node:assert/strict";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { vpcIpNodePolicyDocument } from "../../components/nodegroup/node-iam";
import { findRegion } from "../../stacks/regions";

const ACCOUNT = "123456789012";
const REGION = findRegion("cn-northwest-1")!;
const arn = (resource: string): string => `arn:aws-cn:ec2:cn-northwest-1:${ACCOUNT}:${resource}`;
const NODE = arn("instance/i-0aaaaaaaaaaaaaaaa");
const OTHER_NODE = arn("instance/i-0bbbbbbbbbbbbbbbb");
const NODE_ROLE_SESSION = `arn:aws-cn:sts::${ACCOUNT}:assumed-role/eks-multus-cluster-node/i-0aaaaaaaaaaaaaaaa`;

const policy = vpcIpNodePolicyDocument({
  partition: REGION,
  region: REGION.name,
  accountId: ACCOUNT,
  clusterName: "eks-multus-cluster",
});

async function decide(action: string, eniTags: Record<string, string>, source?: string): Promise<string> {
  const context: Record<string, string> = {};
  for (const [key, value] of Object.entries(eniTags)) {
    context[`ec2:ResourceTag/${key}`] = value;
    context[`aws:ResourceTag/${key}`] = value;
  }
  if (source) context["ec2:SourceInstanceARN"] = source;
  const simulation = {
    identityPolicies: [{ name: "vpc-ip", policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: NODE_ROLE_SESSION,
      action,
      resource: { resource: arn("network-interface/eni-0123456789abcdef0"), accountId: ACCOUNT },
      contextVariables: context,
    },
  } as unknown as Simulation;
  const response = await runSimulation(simulation, {});
  if (response.resultType !== "single") throw new Error(`simulation failed: ${JSON.stringify(response)}`);
  return response.overallResult;
}

const CLUSTER = { "multus-eks/cluster": "eks-multus-cluster" };

describe("vpc-ip: a node changes addresses on its own Multus ENIs only (issue 21)", () => {
  for (const action of ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]) {
    it(`${action}: own ENI allowed; another node's, an untagged one, another cluster's refused`, async () => {
      assert.equal(await decide(action, { ...CLUSTER, "multus-eks/instance-arn": NODE }, NODE), "Allowed");
      assert.equal(
        await decide(action, { ...CLUSTER, "multus-eks/instance-arn": OTHER_NODE }, NODE),
        "ImplicitlyDenied",
      );
      assert.equal(await decide(action, { ...CLUSTER }, NODE), "ImplicitlyDenied");
      assert.equal(
        await decide(action, { "multus-eks/cluster": "other", "multus-eks/instance-arn": NODE }, NODE),
        "ImplicitlyDenied",
      );
      // Credentials not from an instance profile carry no ec2:SourceInstanceARN: refused.
      assert.equal(await decide(action, { ...CLUSTER, "multus-eks/instance-arn": NODE }), "ImplicitlyDenied");
    });
  }
});
