/**
 * The EKS control plane, through @pulumi/eks. Its service role is made here so that the trust
 * principal and the managed policy ARN come from the stack's partition. Also here: the secrets key,
 * the control-plane log group (retention, KMS), the bastion's access entry, and the VPC CNI add-on
 * with its own IRSA role (the node role no longer carries the CNI's ENI permissions).
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, servicePrincipal } from "../components/model/partition";
import { irsaTrustPolicy } from "../components/security/irsa";
import {
  clusterRoleSecretsKeyPolicy,
  KEY_DELETION_WINDOW_DAYS,
  KEY_ROTATION,
  logsKeyPolicy,
} from "../components/security/kms";
import { MultusVpc } from "../components/vpc";
import { StackSettings } from "./config";
import { bastionAccessEntry, endpointAccessArgs } from "./cluster-access";

/** Every control-plane log type: telecom operators audit who changed the cluster. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** Fixed so that the node user data (nodeadm's `cidr`) and the cluster cannot disagree. */
export const SERVICE_CIDR = "172.20.0.0/16";

/** The VPC CNI's service account, which gets the CNI's ENI permissions through IRSA. */
export const VPC_CNI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-node" } as const;

export interface ClusterResult {
  readonly cluster: eks.Cluster;
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfigJson: pulumi.Output<string>;
  /** API endpoint and CA, read from the kubeconfig (plain strings, unlike the cluster's resource outputs). */
  readonly endpoint: pulumi.Output<string>;
  readonly certificateAuthority: pulumi.Output<string>;
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** The VPC CNI add-on: nodes must not start before it runs with its own IRSA role. */
  readonly vpcCniAddon: aws.eks.Addon;
  /** The role aws-node's service account gets through IRSA (what `npm run verify` expects to find). */
  readonly vpcCniRoleArn: pulumi.Output<string>;
  /** Key of the stack's log groups; undefined when logsKmsEnabled is false. */
  readonly logsKmsKeyArn?: pulumi.Output<string>;
}

interface KubeconfigShape {
  clusters?: { cluster?: { server?: string; "certificate-authority-data"?: string } }[];
}

export function createCluster(settings: StackSettings, vpc: MultusVpc): ClusterResult {
  const name = settings.clusterName;
  const partition = settings.region;
  const protection = settings.dataProtection;
  const accountId = aws.getCallerIdentityOutput().accountId;

  const serviceRole = new aws.iam.Role(`${name}-control-plane`, {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: servicePrincipal(partition, "eks") },
          Action: ["sts:AssumeRole", "sts:TagSession"],
        },
      ],
    }),
    tags: settings.tags,
  });
  const servicePolicy = new aws.iam.RolePolicyAttachment(`${name}-control-plane`, {
    role: serviceRole.name,
    policyArn: managedPolicyArn(partition, "AmazonEKSClusterPolicy"),
  });

  // Secrets: envelope encryption with a customer key (the user's, or one with rotation).
  const secretsKeyArn: pulumi.Output<string> = protection.secretsKmsKeyArn
    ? pulumi.output(protection.secretsKmsKeyArn)
    : new aws.kms.Key(`${name}-secrets`, {
        description: `EKS secrets encryption of cluster ${name}`,
        enableKeyRotation: KEY_ROTATION,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        tags: settings.tags,
      }).arn;
  const secretsKeyPolicy = new aws.iam.RolePolicy(`${name}-control-plane-secrets-key`, {
    role: serviceRole.name,
    policy: secretsKeyArn.apply((keyArn) => JSON.stringify(clusterRoleSecretsKeyPolicy(keyArn))),
  });

  // Control-plane logs: the group EKS writes to, created first so that retention (and KMS) apply.
  const logsKey = protection.logsKmsEnabled
    ? new aws.kms.Key(`${name}-logs`, {
        description: `CloudWatch Logs encryption of cluster ${name}`,
        enableKeyRotation: KEY_ROTATION,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: accountId.apply((account) =>
          JSON.stringify(logsKeyPolicy({ partition, region: settings.region.name, accountId: account })),
        ),
        tags: settings.tags,
      })
    : undefined;
  const controlPlaneLogs = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
    name: `/aws/eks/${name}/cluster`,
    retentionInDays: protection.logRetentionDays,
    ...(logsKey ? { kmsKeyId: logsKey.arn } : {}),
    tags: settings.tags,
  });

  const bastionAccess: Record<string, eks.types.input.AccessEntryArgs> =
    vpc.bastionRoleArn === undefined
      ? {}
      : {
          bastion: bastionAccessEntry(settings.bastion, partition, vpc.bastionRoleArn),
        };

  const cluster = new eks.Cluster(
    name,
    {
      name,
      version: settings.kubernetesVersion,
      vpcId: vpc.vpcId,
      publicSubnetIds: vpc.publicSubnetIds,
      privateSubnetIds: vpc.privateSubnetIds,
      nodeAssociatePublicIpAddress: false,
      ...endpointAccessArgs(settings.endpoint),
      authenticationMode: eks.AuthenticationMode.Api,
      accessEntries: bastionAccess,
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      kubernetesServiceIpAddressRange: SERVICE_CIDR,
      skipDefaultNodeGroup: true,
      serviceRole,
      encryptionConfigKeyArn: secretsKeyArn,
      // IRSA for the VPC CNI; @pulumi/eks builds the issuer URL from the partition's DNS suffix.
      createOidcProvider: true,
      // The VPC CNI add-on is created below, once its IRSA role can name the cluster's OIDC provider.
      useDefaultVpcCni: true,
      tags: settings.tags,
    },
    { dependsOn: [servicePolicy, secretsKeyPolicy, controlPlaneLogs] },
  );

  const vpcCniRole = new aws.iam.Role(`${name}-vpc-cni`, {
    description: `VPC CNI (${VPC_CNI_SERVICE_ACCOUNT.namespace}/${VPC_CNI_SERVICE_ACCOUNT.name}) of cluster ${name}, through IRSA`,
    assumeRolePolicy: pulumi
      .all([cluster.oidcProviderArn, cluster.oidcIssuer])
      .apply(([oidcProviderArn, oidcIssuer]) =>
        JSON.stringify(
          irsaTrustPolicy({
            oidcProviderArn,
            oidcIssuer,
            namespace: VPC_CNI_SERVICE_ACCOUNT.namespace,
            serviceAccount: VPC_CNI_SERVICE_ACCOUNT.name,
          }),
        ),
      ),
    tags: settings.tags,
  });
  const vpcCniPolicy = new aws.iam.RolePolicyAttachment(`${name}-vpc-cni`, {
    role: vpcCniRole.name,
    policyArn: managedPolicyArn(partition, "AmazonEKS_CNI_Policy"),
  });
  // The CNI of a telecom cluster changes only when the stack says so: an explicit version, or EKS's
  // default at creation, held afterwards (a later `pulumi up` never follows a newer default).
  const pinned = settings.vpcCniVersion !== "";
  const vpcCniAddon = new aws.eks.Addon(
    `${name}-vpc-cni`,
    {
      clusterName: name,
      addonName: "vpc-cni",
      addonVersion: pinned
        ? settings.vpcCniVersion
        : aws.eks.getAddonVersionOutput({
            addonName: "vpc-cni",
            kubernetesVersion: settings.kubernetesVersion,
            mostRecent: false,
          }).version,
      serviceAccountRoleArn: vpcCniRole.arn,
      // Take over the aws-node DaemonSet EKS installs at cluster creation; on an upgrade keep what
      // an operator tuned in aws-node (PRESERVE), as EKS advises for add-on updates.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      preserve: true,
      tags: settings.tags,
    },
    { dependsOn: [cluster, vpcCniPolicy], ...(pinned ? {} : { ignoreChanges: ["addonVersion"] }) },
  );

  const kubeconfig = cluster.kubeconfigJson.apply((text) => JSON.parse(text) as KubeconfigShape);
  return {
    cluster,
    clusterName: pulumi.output(name),
    kubeconfigJson: cluster.kubeconfigJson,
    endpoint: kubeconfig.apply((parsed) => parsed.clusters?.[0]?.cluster?.server ?? ""),
    certificateAuthority: kubeconfig.apply(
      (parsed) => parsed.clusters?.[0]?.cluster?.["certificate-authority-data"] ?? "",
    ),
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    vpcCniAddon,
    vpcCniRoleArn: vpcCniRole.arn,
    ...(logsKey ? { logsKmsKeyArn: logsKey.arn } : {}),
  };
}
