/**
 * How many pods of a vpc-ip network fit on a node, as the scheduler sees it: each vpc-ip network
 * is an extended resource that every node advertises in its status (the startup-untaint script,
 * with the node's own identity) and every pod of the network requests, one per attachment.
 * Without it the scheduler would keep placing pods on a node whose ENI is full, where EC2 refuses
 * the address (PrivateIpAddressLimitExceeded, CNI error 108) and kubelet retries for ever.
 */
import type { IpamMode } from "./network";

/** Not under kubernetes.io: extended resources outside that domain are the cluster's own. */
export const VPC_IP_RESOURCE_DOMAIN = "vpc-ip.multus-eks.io";

/** The network's resource name; a network name is a DNS label, a valid name part. */
export function vpcIpResourceName(network: string): string {
  return `${VPC_IP_RESOURCE_DOMAIN}/${network}`;
}

/**
 * Pods of one vpc-ip network a node can hold: the ENI's IPv4 addresses, its primary included (EC2
 * User Guide, "IP addresses per network interface per instance type": 10 on c5.large), minus the
 * primary. Warm addresses are no extra: an ADD takes a warm address before it claims one.
 */
export function vpcIpPodsPerNode(ipv4AddressesPerInterface: number): number {
  return Math.max(0, ipv4AddressesPerInterface - 1);
}

/** The container limits that make the scheduler count a pod's vpc-ip attachments. */
export function vpcIpResourceLimits(
  attachments: readonly { readonly network: string; readonly ipam: IpamMode }[],
): Record<string, string> {
  const counts = new Map<string, number>();
  for (const attachment of attachments) {
    if (attachment.ipam !== "vpc-ip") continue;
    counts.set(attachment.network, (counts.get(attachment.network) ?? 0) + 1);
  }
  return Object.fromEntries(
    [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([network, count]) => [vpcIpResourceName(network), String(count)]),
  );
}
