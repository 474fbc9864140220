/**
 * The security baseline of the China stacks, read from the resources the program declares (offline
 * engine): endpoint access, secrets and log encryption, IMDS, the VPC CNI's IRSA role, the Multus
 * security groups and the bastion's access entry.
 */
import { strict as assert } from "node:assert";
import { TELECOM_PORTS } from "../../components/vpc/telecom-ports";
import {
  INGRESS_RULE,
  IAM_ROLE,
  OfflineRun,
  SECURITY_GROUP,
  resourceNamed,
  resourcesOfType,
  runStack,
} from "../support/offline";

const CLUSTER = "eks:index:Cluster";
const NAME = "eks-multus-cluster";

function json(value: unknown): Record<string, unknown> {
  return (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
}

describe("security baseline of the stack program", function () {
  this.timeout(120_000);
  let run: OfflineRun;
  before(async () => {
    run = await runStack("ningxia");
  });

  it("deploys a private-only endpoint by default and passes @pulumi/eks no publicAccessCidrs", () => {
    const cluster = resourceNamed(run, CLUSTER, NAME).inputs;
    assert.equal(cluster.endpointPublicAccess, false);
    assert.equal(cluster.endpointPrivateAccess, true);
    assert.ok(
      !("publicAccessCidrs" in cluster),
      `publicAccessCidrs: ${JSON.stringify(cluster.publicAccessCidrs)}`,
    );
  });

  it("passes the listed CIDRs when public access is on", async () => {
    const open = await runStack("beijing", {
      endpointPublicAccess: true,
      endpointPublicAccessCidrs: ["203.0.113.0/24"],
    });
    const cluster = resourceNamed(open, CLUSTER, NAME).inputs;
    assert.equal(cluster.endpointPublicAccess, true);
    assert.deepEqual(cluster.publicAccessCidrs, ["203.0.113.0/24"]);
  });

  it("encrypts secrets with a rotating stack key, or the given key", async () => {
    const key = resourceNamed(run, "aws:kms/key:Key", `${NAME}-secrets`).inputs;
    assert.equal(key.enableKeyRotation, true);
    const cluster = resourceNamed(run, CLUSTER, NAME).inputs;
    assert.match(String(cluster.encryptionConfigKeyArn), /^arn:aws-cn:kms:cn-northwest-1:123456789012:key\//);
    const given = "arn:aws-cn:kms:cn-northwest-1:123456789012:key/abcd-1234";
    const own = await runStack("ningxia", { secretsKmsKeyArn: given });
    assert.equal(resourceNamed(own, CLUSTER, NAME).inputs.encryptionConfigKeyArn, given);
    assert.equal(
      resourcesOfType(own, "aws:kms/key:Key").filter((k) => k.name.endsWith("-secrets")).length,
      0,
    );
    const rolePolicy = json(
      resourceNamed(own, "aws:iam/rolePolicy:RolePolicy", `${NAME}-control-plane-secrets-key`).inputs.policy,
    );
    assert.deepEqual((rolePolicy.Statement as { Resource: string }[])[0].Resource, given);
  });

  it("keeps the control-plane and Lambda logs for the retention setting, under a rotating key CloudWatch Logs of the region may use", () => {
    const logs = resourceNamed(run, "aws:cloudwatch/logGroup:LogGroup", `${NAME}-control-plane`).inputs;
    assert.equal(logs.name, `/aws/eks/${NAME}/cluster`);
    assert.equal(logs.retentionInDays, 90);
    const key = resourceNamed(run, "aws:kms/key:Key", `${NAME}-logs`);
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.match(String(logs.kmsKeyId), /^arn:aws-cn:kms:/);
    const lambdaLogs = resourceNamed(run, "aws:cloudwatch/logGroup:LogGroup", `${NAME}-eni-lambda`).inputs;
    assert.equal(lambdaLogs.kmsKeyId, logs.kmsKeyId);
    const policy = json(key.inputs.policy);
    const services = (policy.Statement as { Principal: { Service?: string } }[]).map(
      (s) => s.Principal.Service,
    );
    assert.ok(services.includes("logs.cn-northwest-1.amazonaws.com.cn"), JSON.stringify(services));
  });

  it("lets only the host network reach IMDS on the nodes (hop limit 1, tokens required)", () => {
    const template = resourceNamed(run, "aws:ec2/launchTemplate:LaunchTemplate", `${NAME}-nodes`).inputs;
    assert.deepEqual(template.metadataOptions, {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
  });

  it("gives the VPC CNI's ENI rights to aws-node through IRSA, not to the node role", () => {
    const attachments = resourcesOfType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    const cniPolicy = "arn:aws-cn:iam::aws:policy/AmazonEKS_CNI_Policy";
    const holders = attachments.filter((a) => a.inputs.policyArn === cniPolicy).map((a) => a.name);
    assert.deepEqual(holders, [`${NAME}-vpc-cni`]);
    const role = resourceNamed(run, IAM_ROLE, `${NAME}-vpc-cni`);
    const [statement] = json(role.inputs.assumeRolePolicy).Statement as {
      Principal: { Federated: string };
      Action: string;
      Condition: { StringEquals: Record<string, string> };
    }[];
    assert.match(
      statement.Principal.Federated,
      /^arn:aws-cn:iam::123456789012:oidc-provider\/oidc\.eks\.cn-northwest-1\.amazonaws\.com\.cn\/id\/[A-Z0-9]+$/,
    );
    assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
    const issuer = statement.Principal.Federated.split(":oidc-provider/")[1];
    assert.deepEqual(statement.Condition.StringEquals, {
      [`${issuer}:sub`]: "system:serviceaccount:kube-system:aws-node",
      [`${issuer}:aud`]: "sts.amazonaws.com",
    });
    const addon = resourceNamed(run, "aws:eks/addon:Addon", `${NAME}-vpc-cni`).inputs;
    assert.equal(addon.addonName, "vpc-cni");
    // EKS's add-on update API: PRESERVE keeps the values an operator set in aws-node; OVERWRITE
    // would reset them (EKS user guide, "Update an Amazon EKS add-on", resolve-conflicts).
    assert.equal(addon.resolveConflictsOnUpdate, "PRESERVE");
    assert.match(String(addon.serviceAccountRoleArn), /^arn:aws-cn:iam::123456789012:role\//);
    const cluster = resourceNamed(run, CLUSTER, NAME).inputs;
    assert.equal(cluster.createOidcProvider, true);
    assert.equal(
      cluster.useDefaultVpcCni,
      true,
      "the add-on is created here, with its role, not by @pulumi/eks",
    );
  });

  it("never moves the VPC CNI to a newer build on a later pulumi up (issue 21)", async () => {
    const addonOf = (of: OfflineRun) => resourceNamed(of, "aws:eks/addon:Addon", `${NAME}-vpc-cni`);
    // Default: EKS's default version for the Kubernetes version (not the most recent), asked once:
    // ignoreChanges keeps what the add-on was created with, whatever EKS's default becomes.
    const calls: Record<string, unknown>[] = [];
    const held = await runStack(
      "ningxia",
      {},
      {
        call: (token, inputs) => {
          if (token !== "aws:eks/getAddonVersion:getAddonVersion") return undefined;
          calls.push(inputs);
          return { ...inputs, version: "v1.19.2-eksbuild.1", id: "vpc-cni" };
        },
      },
    );
    assert.deepEqual(
      calls.map((inputs) => [inputs.addonName, inputs.kubernetesVersion, inputs.mostRecent]),
      [["vpc-cni", "1.35", false]],
    );
    assert.equal(addonOf(held).inputs.addonVersion, "v1.19.2-eksbuild.1");
    assert.deepEqual(addonOf(held).engine?.ignoreChanges, ["addonVersion"]);
    // An explicit version is used as given, asks EKS nothing, and a change of it is an upgrade.
    calls.length = 0;
    const pinned = await runStack(
      "ningxia",
      { vpcCniVersion: "v1.20.4-eksbuild.1" },
      {
        call: (token, inputs) => {
          if (token === "aws:eks/getAddonVersion:getAddonVersion") calls.push(inputs);
          return undefined;
        },
      },
    );
    assert.deepEqual(calls, []);
    assert.equal(addonOf(pinned).inputs.addonVersion, "v1.20.4-eksbuild.1");
    assert.deepEqual(addonOf(pinned).engine?.ignoreChanges, []);
    await assert.rejects(
      runStack("ningxia", { vpcCniVersion: "latest" }),
      /multus-eks:vpcCniVersion: "latest" is not an EKS add-on version/,
    );
  });

  it("keeps every version of the node files and lets only the deployers take them away (issue 21)", async () => {
    const admin = "arn:aws-cn:iam::123456789012:role/ci/deployer";
    const guarded = await runStack("ningxia", { nodeFilesAdminArns: [admin] });
    const versioning = resourcesOfType(guarded, "aws:s3/bucketVersioning:BucketVersioning");
    assert.deepEqual(
      versioning.map((resource) => resource.inputs.versioningConfiguration),
      [{ status: "Enabled" }],
    );
    const [bucketPolicy] = resourcesOfType(guarded, "aws:s3/bucketPolicy:BucketPolicy");
    const statements = json(bucketPolicy.inputs.policy).Statement as {
      Sid: string;
      Effect: string;
      Action: string[];
      Condition: Record<string, Record<string, string[]>>;
    }[];
    const guard = statements.find((statement) => statement.Sid === "OnlyDeployersChangeNodeFiles")!;
    assert.equal(guard.Effect, "Deny");
    assert.ok(guard.Action.includes("s3:DeleteObject") && guard.Action.includes("s3:PutBucketPolicy"));
    // The caller the provider reports while `pulumi up` runs (the offline engine's), and the setting's.
    assert.deepEqual(guard.Condition.ArnNotLike["aws:PrincipalArn"], [
      "arn:aws-cn:iam::123456789012:user/offline",
      admin,
    ]);
    await assert.rejects(
      runStack("ningxia", { nodeFilesAdminArns: ["arn:aws:iam::123456789012:role/x"] }),
      /multus-eks:nodeFilesAdminArns\[0\]: "arn:aws:iam::123456789012:role\/x" is in partition aws, but the stack runs in aws-cn/,
    );
  });

  it("gives each Multus network its own group: all traffic from its own subnets, telecom ports and ping from the peers", () => {
    const groups = resourcesOfType(run, SECURITY_GROUP).filter((g) => g.name.startsWith(`${NAME}-multus-`));
    assert.deepEqual(groups.map((g) => g.name).sort(), [
      `${NAME}-multus-ipvlan-conf-1`,
      `${NAME}-multus-ipvlan-conf-2`,
    ]);
    const rules = resourcesOfType(run, INGRESS_RULE).filter((r) =>
      r.name.startsWith(`${NAME}-multus-ipvlan-conf-1-`),
    );
    const summary = rules
      .map(
        (r) =>
          `${r.inputs.ipProtocol} ${r.inputs.fromPort ?? "-"}-${r.inputs.toPort ?? "-"} ${r.inputs.cidrIpv4}`,
      )
      .sort();
    const expected = [
      "-1 --- 10.0.4.0/24",
      "-1 --- 10.0.5.0/24",
      ...TELECOM_PORTS.map((port) => `${port.protocol} ${port.port}-${port.port} 10.0.0.0/16`),
      "icmp 8-0 10.0.0.0/16",
    ].sort();
    assert.deepEqual(summary, expected);
    const lambdaConfig = json(
      (
        resourceNamed(run, "aws:lambda/function:Function", `${NAME}-eni`).inputs.environment as {
          variables: Record<string, string>;
        }
      ).variables.MULTUS_ENI_CONFIG,
    );
    const networks = lambdaConfig.networks as { name: string; securityGroupIds: string[] }[];
    assert.equal(
      new Set(networks.map((n) => n.securityGroupIds.join())).size,
      networks.length,
      "one group per network",
    );
  });

  it("lets each node group's Lambda complete lifecycle actions of its own group only", async () => {
    const two = await runStack("ningxia", { nodeGroups: [{ name: "multus" }, { name: "upf" }] });
    const groups = resourcesOfType(two, "aws:autoscaling/group:Group").map((group) =>
      String(group.inputs.name),
    );
    assert.equal(groups.length, 2);
    const policies = resourcesOfType(two, "aws:iam/rolePolicy:RolePolicy").filter((p) =>
      p.name.endsWith("-eni-lambda"),
    );
    const named = policies.map((policy) => {
      const statements = json(policy.inputs.policy).Statement as { Action: string[]; Resource: string }[];
      return statements
        .find((statement) => statement.Action.includes("autoscaling:CompleteLifecycleAction"))!
        .Resource.split("autoScalingGroupName/")[1];
    });
    assert.deepEqual(named.sort(), groups.sort());
  });

  it("gives the bastion read-only Kubernetes access by default", () => {
    const cluster = resourceNamed(run, CLUSTER, NAME).inputs;
    const entries = cluster.accessEntries as Record<
      string,
      { accessPolicies: Record<string, { policyArn: string }> }
    >;
    assert.deepEqual(
      Object.values(entries.bastion.accessPolicies).map((p) => p.policyArn),
      ["arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"],
    );
  });
});
