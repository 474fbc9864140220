/**
 * Issue 21 (5): the node files bucket policy, evaluated by an independent IAM simulator
 * (@cloud-copilot/iam-simulate, AWS's evaluation logic: an explicit Deny in the resource policy
 * wins over any identity Allow). Requests carry the context IAM documents for role sessions:
 * aws:PrincipalArn is the role's ARN, with its path, not the session's sts ARN (IAM user guide,
 * "AWS global condition context keys", aws:PrincipalArn).
 */
import assert from "node:assert/strict";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import {
  deployerPrincipalArns,
  NODE_FILES_GUARDED_ACTIONS,
  nodeFilesBucketPolicy,
  nodeFilesReadPolicy,
} from "../../components/nodegroup/node-files-iam";
import { findRegion } from "../../stacks/regions";

const ACCOUNT = "123456789012";
const REGION = findRegion("cn-northwest-1")!;
const BUCKET = "eks-multus-cluster-node-files-0a1b2c";
const BUCKET_ARN = `arn:aws-cn:s3:::${BUCKET}`;
const OBJECT_ARN = `${BUCKET_ARN}/node-files/9f86d081884c7d65.tar.gz`;
/** The deploying identity as STS reports it (GetCallerIdentity) while `pulumi up` runs. */
const DEPLOYER_SESSION = `arn:aws-cn:sts::${ACCOUNT}:assumed-role/Deployer/pulumi-up`;

const S3_ADMIN = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };

async function decide(
  roleArn: string,
  action: string,
  resource: string,
  identityPolicy: object = S3_ADMIN,
  secure = true,
): Promise<string> {
  const simulation = {
    identityPolicies: [{ name: "identity", policy: identityPolicy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: nodeFilesBucketPolicy(REGION, BUCKET, deployerPrincipalArns(DEPLOYER_SESSION)),
    request: {
      principal: roleArn,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { "aws:PrincipalArn": roleArn, "aws:SecureTransport": String(secure) },
    },
  } as unknown as Simulation;
  const response = await runSimulation(simulation, {});
  if (response.resultType !== "single") throw new Error(`simulation failed: ${JSON.stringify(response)}`);
  return response.overallResult;
}

describe("node files bucket: only the deployers may take the object away (issue 21)", () => {
  it("derives the role ARN (with or without a path) from the deploying session's sts ARN", () => {
    assert.deepEqual(deployerPrincipalArns(DEPLOYER_SESSION), [
      `arn:aws-cn:iam::${ACCOUNT}:role/Deployer`,
      `arn:aws-cn:iam::${ACCOUNT}:role/*/Deployer`,
    ]);
    const user = `arn:aws-cn:iam::${ACCOUNT}:user/ops/alice`;
    assert.deepEqual(deployerPrincipalArns(user), [user]);
  });

  for (const action of NODE_FILES_GUARDED_ACTIONS) {
    const resource = action.includes("Object") ? OBJECT_ARN : BUCKET_ARN;
    it(`${action}: refused to another administrator with s3:*, allowed to the deployer`, async () => {
      assert.equal(
        await decide(`arn:aws-cn:iam::${ACCOUNT}:role/OtherAdmin`, action, resource),
        "ExplicitlyDenied",
      );
      assert.equal(await decide(`arn:aws-cn:iam::${ACCOUNT}:role/Deployer`, action, resource), "Allowed");
      assert.equal(
        await decide(`arn:aws-cn:iam::${ACCOUNT}:role/platform/Deployer`, action, resource),
        "Allowed",
      );
    });
  }

  it("still lets the node role read the object, and nobody over plain HTTP", async () => {
    const nodeRole = `arn:aws-cn:iam::${ACCOUNT}:role/eks-multus-cluster-node`;
    const read = nodeFilesReadPolicy(REGION, BUCKET);
    assert.equal(await decide(nodeRole, "s3:GetObject", OBJECT_ARN, read), "Allowed");
    assert.equal(await decide(nodeRole, "s3:GetObject", OBJECT_ARN, read, false), "ExplicitlyDenied");
    // The node role itself may not delete what it reads.
    assert.equal(await decide(nodeRole, "s3:DeleteObject", OBJECT_ARN, S3_ADMIN), "ExplicitlyDenied");
  });

  it("does not lock out a principal named in nodeFilesAdminArns", async () => {
    const second = `arn:aws-cn:iam::${ACCOUNT}:role/ci-deployer`;
    const simulation = {
      identityPolicies: [{ name: "identity", policy: S3_ADMIN }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: nodeFilesBucketPolicy(REGION, BUCKET, [
        ...deployerPrincipalArns(DEPLOYER_SESSION),
        second,
      ]),
      request: {
        principal: second,
        action: "s3:PutObject",
        resource: { resource: OBJECT_ARN, accountId: ACCOUNT },
        contextVariables: { "aws:PrincipalArn": second, "aws:SecureTransport": "true" },
      },
    } as unknown as Simulation;
    const response = await runSimulation(simulation, {});
    assert.equal(response.resultType === "single" ? response.overallResult : "error", "Allowed");
  });
});
