/**
 * Who reaches the Kubernetes API, as pure functions of the settings: the endpoint arguments for
 * @pulumi/eks and the bastion's access policy.
 */
import type * as eks from "@pulumi/eks";
import type * as pulumi from "@pulumi/pulumi";
import { eksAccessPolicyArn, PartitionInfo } from "../../components/model/partition";
import { NAD_READERS_GROUP, type NadReaders } from "../../components/networks/nad-readers";
import type { BastionSettings, EndpointSettings, StackSettings } from "../config/settings";

/** EKS access policies per bastion access level (all exist in aws-cn as in aws). */
export const BASTION_ACCESS_POLICIES = {
  view: "AmazonEKSViewPolicy",
  edit: "AmazonEKSEditPolicy",
  admin: "AmazonEKSClusterAdminPolicy",
} as const;

export function bastionAccessPolicy(
  bastion: BastionSettings,
  partition: PartitionInfo,
): eks.types.input.AccessPolicyAssociationArgs {
  const scope =
    bastion.clusterAccess !== "admin" && bastion.accessNamespaces.length > 0
      ? { type: "namespace", namespaces: [...bastion.accessNamespaces] }
      : { type: "cluster" };
  return {
    policyArn: eksAccessPolicyArn(partition, BASTION_ACCESS_POLICIES[bastion.clusterAccess]),
    accessScope: scope,
  };
}

/**
 * The bastion's access entry: its EKS access policy, and below `admin` the Kubernetes group that
 * may read the NetworkAttachmentDefinitions (no EKS access policy covers custom resources).
 */
export function bastionAccessEntry(
  bastion: BastionSettings,
  partition: PartitionInfo,
  principalArn: pulumi.Input<string>,
): eks.types.input.AccessEntryArgs {
  const readers = bastionNadReaders(bastion);
  return {
    principalArn,
    accessPolicies: { bastion: bastionAccessPolicy(bastion, partition) },
    ...(readers ? { kubernetesGroups: [readers.group] } : {}),
  };
}

/** Who reads the NADs besides cluster admins: the bastion, in its access scope; none without one. */
export function bastionNadReaders(bastion: BastionSettings): NadReaders | undefined {
  if (!bastion.enabled || bastion.clusterAccess === "admin") return undefined;
  return { group: NAD_READERS_GROUP, namespaces: [...bastion.accessNamespaces] };
}

export interface EndpointAccessArgs {
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs?: string[];
}

/**
 * @pulumi/eks 4.3.0 throws when public access is off and publicAccessCidrs is set at all, even to
 * [] (nodejs/eks/cluster/cluster.ts, lines 708-720): the list is passed only with public access.
 */
export function endpointAccessArgs(endpoint: EndpointSettings): EndpointAccessArgs {
  return {
    endpointPublicAccess: endpoint.publicAccess,
    endpointPrivateAccess: endpoint.privateAccess,
    ...(endpoint.publicAccess ? { publicAccessCidrs: [...endpoint.publicAccessCidrs] } : {}),
  };
}

/** Lines for the plan: which API access, bastion access and secrets key are in force. */
export function describeAccess(settings: StackSettings): string[] {
  const bastion = settings.bastion;
  const scope =
    bastion.clusterAccess !== "admin" && bastion.accessNamespaces.length > 0
      ? `namespaces ${bastion.accessNamespaces.join(", ")}`
      : "whole cluster";
  return [
    describeEndpointAccess(settings.endpoint),
    bastion.enabled
      ? `Bastion Kubernetes access: ${bastion.clusterAccess} (${BASTION_ACCESS_POLICIES[bastion.clusterAccess]}, ${scope})`
      : "Bastion: none",
    `EKS secrets encryption: ${settings.dataProtection.secretsKmsKeyArn ?? "a stack KMS key with rotation"}`,
  ];
}

/** One line for the plan: which API access is in force. */
export function describeEndpointAccess(endpoint: EndpointSettings): string {
  const parts = [
    endpoint.privateAccess ? "private (inside the VPC)" : undefined,
    endpoint.publicAccess ? `public from ${endpoint.publicAccessCidrs.join(", ")}` : undefined,
  ].filter((part): part is string => part !== undefined);
  // pulumi up itself installs Multus through the API: say so where a laptop would fail mid-deploy.
  const privateOnly =
    "; no public access: run `pulumi up` from a machine that reaches the VPC, or set endpointPublicAccess" +
    " with endpointPublicAccessCidrs";
  return `EKS API endpoint: ${parts.join(" + ")}${endpoint.publicAccess ? "" : privateOnly}`;
}
