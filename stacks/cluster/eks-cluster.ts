/** The EKS control plane itself, through @pulumi/eks, on the VPC's subnets. */
import * as eks from "@pulumi/eks";
import type { MultusVpc } from "../../components/vpc";
import { bastionAccessEntry, endpointAccessArgs } from "./access";
import type { ClusterContext } from "./context";
import type { ControlPlaneLogs } from "./logs";
import type { ControlPlaneRole } from "./control-plane-role";
import type { SecretsEncryption } from "./secrets";

/** Every control-plane log type: telecom operators audit who changed the cluster. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** Fixed so that the node user data (nodeadm's `cidr`) and the cluster cannot disagree. */
export const SERVICE_CIDR = "172.20.0.0/16";

/** What the cluster must not be created before. */
export interface ControlPlanePrerequisites {
  readonly role: ControlPlaneRole;
  readonly secrets: SecretsEncryption;
  readonly logs: ControlPlaneLogs;
}

function bastionAccess(
  { partition, settings }: ClusterContext,
  vpc: MultusVpc,
): Record<string, eks.types.input.AccessEntryArgs> {
  return vpc.bastionRoleArn === undefined
    ? {}
    : { bastion: bastionAccessEntry(settings.bastion, partition, vpc.bastionRoleArn) };
}

export function eksCluster(
  context: ClusterContext,
  vpc: MultusVpc,
  before: ControlPlanePrerequisites,
): eks.Cluster {
  const { name, settings, tags } = context;
  return new eks.Cluster(
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
      accessEntries: bastionAccess(context, vpc),
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      kubernetesServiceIpAddressRange: SERVICE_CIDR,
      skipDefaultNodeGroup: true,
      serviceRole: before.role.role,
      encryptionConfigKeyArn: before.secrets.keyArn,
      // IRSA for the VPC CNI; @pulumi/eks builds the issuer URL from the partition's DNS suffix.
      createOidcProvider: true,
      // The VPC CNI add-on is created afterwards (vpc-cni.ts), once its IRSA role can name the
      // cluster's OIDC provider.
      useDefaultVpcCni: true,
      tags,
    },
    { dependsOn: [before.role.policy, before.secrets.keyPolicy, before.logs.logGroup] },
  );
}
