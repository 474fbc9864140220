/**
 * Security settings: world-open CIDR lists refused in every access setting (any cover of the
 * internet, not only 0.0.0.0/0), the endpoint private by default or limited to listed CIDRs, the
 * bastion's Kubernetes access, the secrets key and log retention.
 */
import * as assert from "assert";
import { ConfigError, ConfigProblem, parseSettings } from "../../stacks/config";
import { rawConfig } from "../../stacks/offline/engine";
import { readStackFile } from "../../stacks/offline/stack-file";
import { bastionAccessPolicy, describeAccess, endpointAccessArgs } from "../../stacks/cluster/access";

const CONTEXT = { project: "multus-eks", stack: "test" };
const ningxiaWith = (changes: Record<string, unknown>): Record<string, unknown> => ({
  ...rawConfig(readStackFile("ningxia")),
  ...changes,
});

function problemsOf(changes: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    parseSettings(ningxiaWith(changes), CONTEXT);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  return [];
}

function expectProblem(changes: Record<string, unknown>, setting: string, pattern: RegExp): void {
  const problems = problemsOf(changes);
  const found = problems.find((problem) => problem.setting === `multus-eks:${setting}`);
  assert.ok(found, `no problem on ${setting}: ${JSON.stringify(problems)}`);
  assert.match(found.message, pattern);
}

const HALVES = ["0.0.0.0/1", "128.0.0.0/1"];

describe("security settings", () => {
  it("defaults to a private-only endpoint, a view-only bastion, a stack secrets key and 90-day logs", () => {
    const settings = parseSettings(ningxiaWith({}), CONTEXT);
    assert.deepEqual(settings.endpoint, {
      publicAccess: false,
      privateAccess: true,
      publicAccessCidrs: [],
      deployFrom: "",
    });
    assert.equal(settings.bastion.clusterAccess, "view");
    assert.deepEqual(settings.dataProtection, {
      logRetentionDays: 90,
      logsKmsEnabled: true,
      nodeFilesAdminArns: [],
    });
  });

  for (const [setting, extra] of [
    ["telecomIngressCidrs", {}],
    ["bastionSshCidrs", { bastionKeyName: "ops" }],
    ["endpointPublicAccessCidrs", { endpointPublicAccess: true }],
  ] as const) {
    it(`refuses ${setting} that cover the world in two halves (issue 10 defect 12 for SSH)`, () =>
      expectProblem({ [setting]: HALVES, ...extra }, setting, /covers the whole IPv4 internet/));
    it(`refuses ${setting}: [0.0.0.0/0]`, () =>
      expectProblem({ [setting]: ["0.0.0.0/0"], ...extra }, setting, /covers the whole IPv4 internet/));
  }

  it("requires endpointPublicAccessCidrs when public access is on", () =>
    expectProblem(
      { endpointPublicAccess: true },
      "endpointPublicAccessCidrs",
      /is empty but endpointPublicAccess is true/,
    ));

  it("accepts a public endpoint limited to listed CIDRs, and passes the list to @pulumi/eks", () => {
    const settings = parseSettings(
      ningxiaWith({ endpointPublicAccess: true, endpointPublicAccessCidrs: ["203.0.113.0/24"] }),
      CONTEXT,
    );
    assert.deepEqual(endpointAccessArgs(settings.endpoint), {
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
    });
  });

  it("passes no publicAccessCidrs at all to @pulumi/eks when the endpoint is private", () => {
    const settings = parseSettings(ningxiaWith({}), CONTEXT);
    assert.ok(!("publicAccessCidrs" in endpointAccessArgs(settings.endpoint)));
  });

  it("says in the plan which API access is in force", () => {
    assert.deepEqual(describeAccess(parseSettings(ningxiaWith({}), CONTEXT)), [
      "EKS API endpoint: private (inside the VPC); no public access: run `pulumi up` from a machine that reaches the VPC, or set endpointPublicAccess with endpointPublicAccessCidrs",
      "Bastion Kubernetes access: view (AmazonEKSViewPolicy, whole cluster)",
      "EKS secrets encryption: a stack KMS key with rotation",
    ]);
    const open = parseSettings(
      ningxiaWith({ endpointPublicAccess: true, endpointPublicAccessCidrs: ["203.0.113.0/24"] }),
      CONTEXT,
    );
    assert.equal(
      describeAccess(open)[0],
      "EKS API endpoint: private (inside the VPC) + public from 203.0.113.0/24",
    );
  });

  it("scopes the bastion: view cluster-wide, edit per namespace, admin only when asked", () => {
    const policyOf = (changes: Record<string, unknown>) =>
      bastionAccessPolicy(parseSettings(ningxiaWith(changes), CONTEXT).bastion, {
        partition: "aws-cn",
        dnsSuffix: "x",
      });
    assert.deepEqual(policyOf({}), {
      policyArn: "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
      accessScope: { type: "cluster" },
    });
    assert.deepEqual(policyOf({ bastionClusterAccess: "edit", bastionAccessNamespaces: ["telco"] }), {
      policyArn: "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
      accessScope: { type: "namespace", namespaces: ["telco"] },
    });
    assert.deepEqual(policyOf({ bastionClusterAccess: "admin" }), {
      policyArn: "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      accessScope: { type: "cluster" },
    });
  });

  it("refuses cluster-wide edit, namespaced admin and unknown access levels", () => {
    expectProblem({ bastionClusterAccess: "edit" }, "bastionAccessNamespaces", /edit is never cluster-wide/);
    expectProblem(
      { bastionClusterAccess: "admin", bastionAccessNamespaces: ["a"] },
      "bastionAccessNamespaces",
      /admin, which is always cluster-wide/,
    );
    expectProblem({ bastionClusterAccess: "root" }, "bastionClusterAccess", /use one of view, edit, admin/);
    expectProblem(
      { bastionAccessNamespaces: ["Bad_Name"] },
      "bastionAccessNamespaces[0]",
      /not a Kubernetes namespace/,
    );
  });

  it("checks the secrets key ARN and the log retention", () => {
    expectProblem({ secretsKmsKeyArn: "alias/eks" }, "secretsKmsKeyArn", /not a KMS key ARN/);
    expectProblem(
      { secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abcd-1234" },
      "secretsKmsKeyArn",
      /names a key in aws\/us-east-1, but the stack runs in aws-cn\/cn-northwest-1/,
    );
    expectProblem({ logRetentionDays: 0 }, "logRetentionDays", /not a CloudWatch Logs retention/);
    expectProblem({ logRetentionDays: 100 }, "logRetentionDays", /use one of 1, 3, 5/);
    const settings = parseSettings(
      ningxiaWith({
        secretsKmsKeyArn: "arn:aws-cn:kms:cn-northwest-1:123456789012:key/abcd-1234",
        logRetentionDays: 365,
      }),
      CONTEXT,
    );
    assert.equal(
      settings.dataProtection.secretsKmsKeyArn,
      "arn:aws-cn:kms:cn-northwest-1:123456789012:key/abcd-1234",
    );
  });
});
