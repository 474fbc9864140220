import { strict as assert } from "assert";
import { EBS_ENCRYPTION } from "../../policies/rules/security/ebs-encryption";
import { EKS_CONTROL_PLANE_LOGGING } from "../../policies/rules/security/eks-control-plane-logging";
import { EKS_ENDPOINT_ACCESS } from "../../policies/rules/security/eks-endpoint-access";
import { EKS_SECRETS_ENCRYPTION } from "../../policies/rules/security/eks-secrets-encryption";
import { IMDSV2_REQUIRED } from "../../policies/rules/security/imdsv2-required";
import { LAMBDA_ROLE_EC2_SCOPE } from "../../policies/rules/security/lambda-role-ec2-scope";
import { NO_WORLD_OPEN_INGRESS } from "../../policies/rules/security/no-world-open-ingress";
import { messages, record, violationsOf } from "./support";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const INSTANCE = "aws:ec2/instance:Instance";
const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";

/** The security policies that block a preview by default. */
const MANDATORY = new Set([
  IMDSV2_REQUIRED,
  NO_WORLD_OPEN_INGRESS,
  LAMBDA_ROLE_EC2_SCOPE,
  EKS_ENDPOINT_ACCESS,
  EKS_SECRETS_ENCRYPTION,
]);

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
  const level = MANDATORY.has(policy) ? "mandatory" : "advisory";
  assert.ok(found.every((violation) => violation.enforcementLevel === level));
  assert.match(messages(found).join("\n"), pattern);
}

describe("security policies", () => {
  describe("imdsv2-required", () => {
    const required = { httpTokens: "required", httpPutResponseHopLimit: 1 };
    it("passes a launch template and an instance requiring tokens with hop limit 1", () =>
      expectClean(IMDSV2_REQUIRED, [
        record(LT, "lt", { metadataOptions: required }),
        record(INSTANCE, "i", { metadataOptions: required }),
      ]));
    it("passes a disabled metadata endpoint", () =>
      expectClean(IMDSV2_REQUIRED, [
        record(INSTANCE, "i", { metadataOptions: { httpEndpoint: "disabled" } }),
      ]));
    it("passes an instance that leaves the hop limit to EC2's default", () =>
      expectClean(IMDSV2_REQUIRED, [record(INSTANCE, "i", { metadataOptions: { httpTokens: "required" } })]));
    it("passes a hop limit of 2 when maxHopLimit is raised", () =>
      expectClean(
        IMDSV2_REQUIRED,
        [record(LT, "lt", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } })],
        { maxHopLimit: 2 },
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
    it("flags a node launch template with hop limit 2 (pods reach the node role)", () =>
      expectViolation(
        IMDSV2_REQUIRED,
        [record(LT, "lt", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } })],
        /HopLimit 2, above 1: pods could reach the instance role/,
      ));
    it("flags a launch template that leaves the hop limit to the AMI", () =>
      expectViolation(
        IMDSV2_REQUIRED,
        [record(LT, "lt", { metadataOptions: { httpTokens: "required" } })],
        /leaves metadataOptions.httpPutResponseHopLimit unset/,
      ));
  });

  describe("no-world-open-ingress", () => {
    const group = record(SG, "multus", {});
    const rule = (name: string, props: Record<string, unknown>) =>
      record(RULE, name, props, { from: { securityGroupId: [group] } });
    it("passes SSH from a corporate range", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        group,
        rule("ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/24" }),
      ]));
    it("passes HTTPS from the world", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        rule("https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ]));
    it("passes ICMP echo from the world, the telecom ports from a peer range and an inline rule from the VPC", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        rule("ping", { ipProtocol: "icmp", fromPort: 8, toPort: 0, cidrIpv4: "0.0.0.0/0" }),
        rule("s1ap", { ipProtocol: "132", fromPort: 36412, toPort: 36412, cidrIpv4: "198.51.100.0/24" }),
        rule("gtpu", { ipProtocol: "udp", fromPort: 2152, toPort: 2152, cidrIpv6: "2001:db8::/32" }),
        record(SG, "sg", {
          ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }],
        }),
      ]));
    // Issue 21: what the policy let through before. Expectations from EC2's rule semantics (EC2
    // API reference, IpPermission): protocol numbers name the same protocols as names, -1 is all,
    // and a protocol other than tcp, udp, icmp or icmpv6 opens all its ports whatever the rule says.
    it("flags UDP 1-65535 from 0.0.0.0/0 (port 0 is reserved: that is every UDP port)", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [rule("udp", { ipProtocol: "udp", fromPort: 1, toPort: 65535, cidrIpv4: "0.0.0.0/0" })],
        /opens every UDP port to the whole IPv4 internet/,
      ));
    it("flags SCTP (protocol 132) from the world on any port: EC2 opens every SCTP port", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [rule("s1ap", { ipProtocol: "132", fromPort: 36412, toPort: 36412, cidrIpv4: "0.0.0.0/0" })],
        /opens every port of a protocol EC2 cannot restrict by port to the whole IPv4 internet/,
      ));
    it("flags a telecom port from ::/0", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [rule("gtpu", { ipProtocol: "udp", fromPort: 2152, toPort: 2152, cidrIpv6: "::/0" })],
        /opens UDP port 2152 \(GTP-U \(user plane\)\) to the whole IPv6 internet/,
      ));
    it("flags TCP 6443 (the Kubernetes API) from the world, also when the protocol is given by number", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [rule("api", { ipProtocol: "6", fromPort: 6000, toPort: 7000, cidrIpv4: "0.0.0.0/0" })],
        /opens TCP port 6443 \(Kubernetes API\) to the whole IPv4 internet/,
      ));
    it("passes SSH halves that sit on two different security groups", () =>
      expectClean(NO_WORLD_OPEN_INGRESS, [
        record(RULE, "a", {
          securityGroupId: "sg-a",
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: "0.0.0.0/1",
        }),
        record(RULE, "b", {
          securityGroupId: "sg-b",
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: "128.0.0.0/1",
        }),
      ]));
    it("flags SSH open to 0.0.0.0/0", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [rule("ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" })],
        /SecurityGroupIngressRule::ssh opens TCP port 22 \(SSH\) to the whole IPv4 internet \(0\.0\.0\.0\/0\)/,
      ));
    it("flags SSH from two halves of the internet on the same group", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [
          group,
          rule("low", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/1" }),
          rule("high", { ipProtocol: "tcp", fromPort: 0, toPort: 1024, cidrIpv4: "128.0.0.0/1" }),
        ],
        /low, .*high open TCP port 22 \(SSH\) to the whole IPv4 internet/,
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
        /opens every protocol and port to the whole IPv6 internet/,
      ));
    it("flags an inline ingress with every TCP port from 256 /8 blocks", () =>
      expectViolation(
        NO_WORLD_OPEN_INGRESS,
        [
          record(SG, "sg", {
            ingress: [
              {
                protocol: "tcp",
                fromPort: 0,
                toPort: 65535,
                cidrBlocks: Array.from({ length: 256 }, (_, octet) => `${octet}.0.0.0/8`),
              },
            ],
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
    it("passes a mutating action on * scoped by a resource-tag Condition", () =>
      expectClean(LAMBDA_ROLE_EC2_SCOPE, [
        role,
        rolePolicy([
          {
            Effect: "Allow",
            Action: "ec2:DeleteNetworkInterface",
            Resource: "*",
            Condition: { StringEquals: { "ec2:ResourceTag/multus-eks/cluster": "multus" } },
          },
        ]),
      ]));
    it("passes a mutating action on * scoped by the creation Condition", () =>
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
              Condition: { StringEquals: { "ec2:ResourceTag/multus-eks/cluster": "multus" } },
            },
          ]),
        ],
        /ec2:DeleteNetworkInterface on Resource \*/,
        { acceptConditions: false },
      ));
    for (const [what, condition] of [
      [
        "a condition on a key that names no resource",
        { StringEquals: { "aws:RequestedRegion": "cn-northwest-1" } },
      ],
      [
        "an IfExists condition, true when the tag is absent",
        { StringEqualsIfExists: { "ec2:ResourceTag/team": "x" } },
      ],
      ["a wildcard-only tag condition", { StringLike: { "ec2:ResourceTag/multus-eks/cluster": "*" } }],
      ["a negated tag condition", { StringNotEquals: { "ec2:ResourceTag/multus-eks/cluster": "other" } }],
    ] as const) {
      it(`flags a mutating action on * behind ${what}`, () =>
        expectViolation(
          LAMBDA_ROLE_EC2_SCOPE,
          [
            role,
            rolePolicy([
              {
                Sid: "Loose",
                Effect: "Allow",
                Action: "ec2:AttachNetworkInterface",
                Resource: "*",
                Condition: condition,
              },
            ]),
          ],
          /statement Loose\) grants the Lambda role eni-lambda ec2:AttachNetworkInterface on Resource \*/,
        ));
    }
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

  describe("eks-endpoint-access", () => {
    it("passes a private-only @pulumi/eks cluster with no CIDR list", () =>
      expectClean(EKS_ENDPOINT_ACCESS, [
        record("eks:index:Cluster", "c", { endpointPublicAccess: false, endpointPrivateAccess: true }),
      ]));
    it("passes a public endpoint limited to an office range", () =>
      expectClean(EKS_ENDPOINT_ACCESS, [
        record("eks:index:Cluster", "c", {
          endpointPublicAccess: true,
          publicAccessCidrs: ["203.0.113.0/24"],
        }),
      ]));
    it("passes an aws.eks.Cluster with a private endpoint", () =>
      expectClean(EKS_ENDPOINT_ACCESS, [
        record("aws:eks/cluster:Cluster", "c", {
          vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
        }),
      ]));
    it("flags a public endpoint without CIDRs (EKS's default is 0.0.0.0/0)", () =>
      expectViolation(
        EKS_ENDPOINT_ACCESS,
        [record("eks:index:Cluster", "c", {})],
        /public API endpoint with no publicAccessCidrs, so EKS opens it to 0\.0\.0\.0\/0/,
      ));
    it("flags public CIDRs that cover the world in two halves", () =>
      expectViolation(
        EKS_ENDPOINT_ACCESS,
        [
          record("aws:eks/cluster:Cluster", "c", {
            vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] },
          }),
        ],
        /opens its public API endpoint to the whole IPv4 internet/,
      ));
    it("flags publicAccessCidrs: [] with public access off (@pulumi/eks 4.3.0 throws on it)", () =>
      expectViolation(
        EKS_ENDPOINT_ACCESS,
        [record("eks:index:Cluster", "c", { endpointPublicAccess: false, publicAccessCidrs: [] })],
        /sets publicAccessCidrs \(\[\]\) with endpointPublicAccess false/,
      ));
  });

  describe("eks-secrets-encryption", () => {
    const keyArn = "arn:aws-cn:kms:cn-northwest-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    it("passes an @pulumi/eks cluster with a key ARN", () =>
      expectClean(EKS_SECRETS_ENCRYPTION, [
        record("eks:index:Cluster", "c", { encryptionConfigKeyArn: keyArn }),
      ]));
    it("passes an aws.eks.Cluster encrypting secrets", () =>
      expectClean(EKS_SECRETS_ENCRYPTION, [
        record("aws:eks/cluster:Cluster", "c", {
          encryptionConfig: { resources: ["secrets"], provider: { keyArn } },
        }),
      ]));
    it("ignores other resource types", () =>
      expectClean(EKS_SECRETS_ENCRYPTION, [record("aws:kms/key:Key", "k", { enableKeyRotation: true })]));
    it("flags an @pulumi/eks cluster without a key", () =>
      expectViolation(
        EKS_SECRETS_ENCRYPTION,
        [record("eks:index:Cluster", "c", {})],
        /EKS cluster c does not encrypt secrets with a KMS key \(encryptionConfigKeyArn is "not set"\)/,
      ));
    it("flags an alias instead of a key ARN", () =>
      expectViolation(
        EKS_SECRETS_ENCRYPTION,
        [record("eks:index:Cluster", "c", { encryptionConfigKeyArn: "alias/eks" })],
        /encryptionConfigKeyArn is "alias\/eks"/,
      ));
    it("flags an aws.eks.Cluster whose encryptionConfig leaves out secrets", () =>
      expectViolation(
        EKS_SECRETS_ENCRYPTION,
        [
          record("aws:eks/cluster:Cluster", "c", {
            encryptionConfig: { resources: [], provider: { keyArn } },
          }),
        ],
        /set encryptionConfig/,
      ));
  });
});
