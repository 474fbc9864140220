/**
 * What `pulumi up` of the stack takes from the account's regional quotas, counted from the same
 * plans the program builds from (the subnet layout, the settings): one VPC and internet gateway,
 * one NAT gateway with its Elastic IP per public subnet (one per AZ), and network interfaces.
 */
import type { StackSettings } from "../config/settings";

/**
 * EKS places its control-plane ENIs in the cluster subnets: two at creation, up to four when the
 * control plane scales (more for a short time during version upgrades).
 */
export const EKS_CONTROL_PLANE_ENIS = 4;

export interface StackNeeds {
  readonly vpcs: number;
  readonly internetGateways: number;
  readonly natGateways: number;
  readonly elasticIps: number;
  /** At full node group size; `enisPerNode` ENIs per node. */
  readonly networkInterfaces: number;
  readonly enisPerNode: number;
  /** On-Demand vCPUs at full node group size plus the bastion, when the types' vCPUs are known. */
  readonly onDemandVcpus?: number;
}

/**
 * `maxEnisPerNode`: the type's ENI limit when known (the VPC CNI may fill every slot the Multus ENIs
 * leave); otherwise the primary ENI plus one per Multus network.
 */
export function stackNeeds(
  settings: StackSettings,
  maxEnisPerNode?: number,
  vcpus?: ReadonlyMap<string, number>,
): StackNeeds {
  const natGateways = settings.layout.subnets.filter((subnet) => subnet.role === "public").length;
  const enisPerNode = Math.max(maxEnisPerNode ?? 0, 1 + settings.networks.length);
  const nodeVcpus = vcpus?.get(settings.nodeGroup.instanceType);
  const bastionVcpus = settings.bastion.enabled ? vcpus?.get(settings.bastion.instanceType) : 0;
  return {
    ...(nodeVcpus !== undefined && bastionVcpus !== undefined
      ? { onDemandVcpus: settings.nodeGroup.maxSize * nodeVcpus + bastionVcpus }
      : {}),
    vpcs: 1,
    internetGateways: 1,
    natGateways,
    elasticIps: natGateways,
    enisPerNode,
    networkInterfaces:
      natGateways +
      (settings.bastion.enabled ? 1 : 0) +
      EKS_CONTROL_PLANE_ENIS +
      settings.nodeGroup.maxSize * enisPerNode,
  };
}
