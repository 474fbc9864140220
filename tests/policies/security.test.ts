import { strict as assert } from "assert";
import { EBS_ENCRYPTION } from "../../policies/rules/security/ebs-encryption";
import { EKS_CONTROL_PLANE_LOGGING } from "../../policies/rules/security/eks-control-plane-logging";
import { IMDSV2_REQUIRED } from "../../policies/rules/security/imdsv2-required";
import { LAMBDA_ROLE_EC2_SCOPE } from "../../policies/rules/security/lambda-role-ec2-scope";
import { NO_WORLD_OPEN_INGRESS } from "../../policies/rules/security/no-world-open-ingress";
import { messages, record, violationsOf } from "./support";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const INSTANCE = "aws:ec2/instance:Instance";
const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";

async function expectClean(policy: string, records: ReturnType<typeof record>[], config = {}): Promise<void> {
  assert.deepEqual(messages(await violationsOf(policy, records, config)), []);
}

async function expectViolation(
  policy: string,
  records: ReturnType<typeof record>[],
  pattern: RegExp,
  config = {},
): Promise<void> {
  const found = await violationsOf(policy, records, config);
  assert.ok(found.length > 0, `expected a ${policy} violation`);
  assert.ok(found.every((violation) => violation.enforcementLevel === "advisory"));
  assert.match(messages(found).join("\n"), pattern);
}

describe("security policies (advisory)", () => {
  describe("imdsv2-required", () => {
    const required = { httpTokens: "required", httpPutResponseHopLimit: 2 };
    it("passes a launch template and an instance requiring tokens", () =>
      expectClean(IMDSV2_REQUIRED, [
        record(LT, "lt", { metadataOptions: required }),
        record(INSTANCE, "i", { metadataOptions: required }),
      ]));
    it("passes a disabled metadata endpoint", () =>
      expectClean(IMDSV2_REQUIRED, [
        record(INSTANCE, "i", { metadataOptions: { httpEndpoint: "disabled" } }),
      ]));
    it("passes a hop limit of 3 when maxHopLimit is raised", () =>
      expectClean(
        IMDSV2_REQUIRED,
        [record(LT, "lt", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 } })],
        { maxHopLimit: 3 },
      ));
    it("flags a launch template without metadataOptions", () =>
      expectViolation(
        IMDSV2_REQUIRED,
        [record(LT, "nodes", {})],
        /Launch template nodes allows IMDSv1.*httpTokens: "required"/,
      ));
    it("flags an instance with httpTokens optional", () =>
      expectViolation(
        IMDSV2_REQUIRED,
        [record(INSTANCE, "bastion", { metadataOptions: { httpTokens: "optional" } })],
        /Instance bastion allows IMDSv1/,
      ));
    it("flags a hop limit above the maximum", () =>
      expectViolation(
        IMDSV2_REQUIRED,
        [record(LT, "lt", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 5 } })],
        /HopLimit 5, above 2/,
      ));
  });

  describe("no-world-open-ingress", () => {
    it("passes SSH from a corporate range", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        record(RULE, "ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/24" }),
      ]));
    it("passes HTTPS from the world", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        record(RULE, "https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ]));
    it("passes the telecom SCTP port from the world and an inline rule from the VPC", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        record(RULE, "s1ap", { ipProtocol: "132", fromPort: 36412, toPort: 36412, cidrIpv4: "0.0.0.0/0" }),
        record(SG, "sg", {
          ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }],
        }),
      ]));
    it("flags SSH open to 0.0.0.0/0", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [record(RULE, "ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" })],
        /SecurityGroupIngressRule ssh opens TCP port 22 \(SSH\) to 0\.0\.0\.0\/0/,
      ));
    it("flags all protocols from ::/0 in a legacy SecurityGroupRule", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [
          record(LEGACY_RULE, "all", {
            type: "ingress",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            ipv6CidrBlocks: ["::/0"],
          }),
        ],
        /opens every protocol and port to ::\/0/,
      ));
    it("flags an inline ingress with every TCP port from the world", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [
          record(SG, "sg", {
            ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }],
          }),
        ],
        /every TCP port/,
      ));
  });

  describe("ebs-encryption", () => {
    it('passes an encrypted launch template volume (string "true")', () =>
      expectClean(EBS_ENCRYPTION, [
        record(LT, "lt", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }] }),
      ]));
    it("passes an instance with encrypted root and extra volumes, and an encrypted volume", () =>
      expectClean(EBS_ENCRYPTION, [
        record(INSTANCE, "i", {
          rootBlockDevice: { encrypted: true },
          ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }],
        }),
        record("aws:ebs/volume:Volume", "v", { encrypted: true }),
      ]));
    it("passes unset encryption when the account encrypts by default", () =>
      expectClean(EBS_ENCRYPTION, [record(INSTANCE, "i", {})], { accountDefaultEncryption: true }));
    it("flags an unencrypted launch template volume", () =>
      expectViolation(
        EBS_ENCRYPTION,
        [
          record(LT, "lt", {
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }],
          }),
        ],
        /Launch template lt: the EBS volume at \/dev\/xvda is not encrypted/,
      ));
    it("flags an instance root volume without encryption", () =>
      expectViolation(
        EBS_ENCRYPTION,
        [record(INSTANCE, "bastion", { rootBlockDevice: { volumeSize: 20 } })],
        /Instance bastion: the root volume is not encrypted/,
      ));
    it("flags an explicit unencrypted volume even with account default encryption", () =>
      expectViolation(
        EBS_ENCRYPTION,
        [record("aws:ebs/volume:Volume", "data", { encrypted: false })],
        /EBS volume data is not encrypted/,
        { accountDefaultEncryption: true },
      ));
  });

  describe("lambda-role-ec2-scope", () => {
    const trust = JSON.stringify({
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    const role = record("aws:iam/role:Role", "eni-lambda", { assumeRolePolicy: trust, name: "eni-lambda" });
    const rolePolicy = (statements: unknown[]) =>
      record(
        "aws:iam/rolePolicy:RolePolicy",
        "eni-lambda",
        { role: "unknown", policy: JSON.stringify({ Statement: statements }) },
        { from: { role: [role] }, unknown: ["role"] },
      );
    it("passes Describe* on * and ENI actions on ARNs", () =>
      expectClean(LAMBDA_ROLE_EC2_SCOPE, [
        role,
        rolePolicy([
          {
            Effect: "Allow",
            Action: ["ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces"],
            Resource: "*",
          },
          {
            Effect: "Allow",
            Action: "ec2:AttachNetworkInterface",
            Resource: "arn:aws-cn:ec2:cn-northwest-1:123456789012:network-interface/*",
          },
        ]),
      ]));
    it("passes a mutating action on * scoped by a Condition (acceptConditions default)", () =>
      expectClean(LAMBDA_ROLE_EC2_SCOPE, [
        role,
        rolePolicy([
          {
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: "*",
            Condition: { StringEquals: { "ec2:CreateAction": "CreateNetworkInterface" } },
          },
        ]),
      ]));
    it("passes ec2:* on * for a role no Lambda uses", () =>
      expectClean(LAMBDA_ROLE_EC2_SCOPE, [
        record("aws:iam/role:Role", "admin", {
          assumeRolePolicy: JSON.stringify({
            Statement: [{ Principal: { Service: "ec2.amazonaws.com.cn" } }],
          }),
        }),
        record("aws:iam/rolePolicy:RolePolicy", "admin", {
          role: "admin",
          policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: "*" }] }),
        }),
      ]));
    it("flags CreateNetworkInterface on * in a RolePolicy linked by dependency", () =>
      expectViolation(
        LAMBDA_ROLE_EC2_SCOPE,
        [
          role,
          rolePolicy([
            { Sid: "Create", Effect: "Allow", Action: ["ec2:CreateNetworkInterface"], Resource: "*" },
          ]),
        ],
        /statement Create\) grants the Lambda role eni-lambda ec2:CreateNetworkInterface on Resource \*/,
      ));
    it("flags ec2:* in a managed Policy attached to a role a Lambda function uses", async () => {
      const plainRole = record("aws:iam/role:Role", "fn-role", { assumeRolePolicy: "{}" });
      const fn = record("aws:lambda/function:Function", "fn", { role: "x" }, { from: { role: [plainRole] } });
      const policy = record("aws:iam/policy:Policy", "wide", {
        policy: { Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: ["*"] }] },
      });
      const attach = record(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "wide",
        { role: "x", policyArn: "x" },
        { from: { role: [plainRole], policyArn: [policy] } },
      );
      await expectViolation(
        LAMBDA_ROLE_EC2_SCOPE,
        [plainRole, fn, policy, attach],
        /aws:iam\/policy:Policy::wide .*ec2:\* on Resource \*/,
      );
    });
    it("flags a conditioned statement when acceptConditions is off", () =>
      expectViolation(
        LAMBDA_ROLE_EC2_SCOPE,
        [
          role,
          rolePolicy([
            {
              Effect: "Allow",
              Action: "ec2:DeleteNetworkInterface",
              Resource: "*",
              Condition: { StringEquals: { a: "b" } },
            },
          ]),
        ],
        /ec2:DeleteNetworkInterface on Resource \*/,
        { acceptConditions: false },
      ));
  });

  describe("eks-control-plane-logging", () => {
    it("passes an eks.Cluster component with every log type", () =>
      expectClean(EKS_CONTROL_PLANE_LOGGING, [
        record("eks:index:Cluster", "c", {
          enabledClusterLogTypes: ["api", "audit", "authenticator", "scheduler"],
        }),
      ]));
    it("passes an aws.eks.Cluster with the required three", () =>
      expectClean(EKS_CONTROL_PLANE_LOGGING, [
        record("aws:eks/cluster:Cluster", "c", { enabledClusterLogTypes: ["authenticator", "audit", "api"] }),
      ]));
    it("passes a custom requirement", () =>
      expectClean(
        EKS_CONTROL_PLANE_LOGGING,
        [record("aws:eks/cluster:Cluster", "c", { enabledClusterLogTypes: ["audit"] })],
        { requiredLogTypes: ["audit"] },
      ));
    it("flags a cluster with no logging", () =>
      expectViolation(
        EKS_CONTROL_PLANE_LOGGING,
        [record("eks:index:Cluster", "c", {})],
        /EKS cluster c does not enable control-plane log type\(s\) api, audit, authenticator/,
      ));
    it("flags a cluster missing audit", () =>
      expectViolation(
        EKS_CONTROL_PLANE_LOGGING,
        [record("aws:eks/cluster:Cluster", "c", { enabledClusterLogTypes: ["api", "authenticator"] })],
        /log type\(s\) audit\. Add/,
      ));
    it("flags a cluster missing a configured extra type", () =>
      expectViolation(
        EKS_CONTROL_PLANE_LOGGING,
        [
          record("aws:eks/cluster:Cluster", "c", {
            enabledClusterLogTypes: ["api", "audit", "authenticator"],
          }),
        ],
        /scheduler/,
        { requiredLogTypes: ["api", "audit", "authenticator", "scheduler"] },
      ));
  });
});
