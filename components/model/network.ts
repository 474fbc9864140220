/**
 * The Multus network: defined once, read by the VPC (subnets), the ENI-attach Lambda (environment),
 * the node user data (interface names), the NetworkAttachmentDefinitions and the policies.
 */

export type CniType = "ipvlan" | "macvlan";
export const IPVLAN_MODES = ["l2", "l3", "l3s"] as const;
export const MACVLAN_MODES = ["bridge", "private", "vepa", "passthru"] as const;
export type CniMode = (typeof IPVLAN_MODES)[number] | (typeof MACVLAN_MODES)[number];

/**
 * host-local: fixed ranges on each subnet, as in the blog (pod IPs unknown to the VPC).
 * eni-prefix: every Multus ENI gets a /28 prefix, allocated per node (routable across nodes).
 * vpc-ip: fixed ranges, each pod address assigned to its node's ENI in EC2 (routable, unique
 *   across the cluster; EC2's one-holder-per-address rule is the lock).
 */
export type IpamMode = "host-local" | "eni-prefix" | "vpc-ip";
export const IPAM_MODES: readonly IpamMode[] = ["host-local", "eni-prefix", "vpc-ip"];

/** Modes whose pods take addresses from the network's fixed range (rangeStart-rangeEnd). */
export function hasFixedRange(ipam: IpamMode): boolean {
  return ipam === "host-local" || ipam === "vpc-ip";
}

/** Modes whose pod addresses the VPC routes to the right node (one NAD serves every AZ). */
export function isRoutable(ipam: IpamMode): boolean {
  return ipam === "eni-prefix" || ipam === "vpc-ip";
}

/** A network's subnet in one AZ, with the IPAM range resolved to addresses of that subnet. */
export interface MultusSubnet {
  readonly availabilityZone: string;
  readonly cidr: string;
  readonly gateway: string;
  /** First and last address handed to pods (host-local mode). */
  readonly rangeStart: string;
  readonly rangeEnd: string;
}

export interface MultusNetwork {
  /** Kubernetes name of the network: the NetworkAttachmentDefinition name in single-AZ groups. */
  readonly name: string;
  /** ENI device index on every node (1 = first Multus ENI; 0 is the primary ENI). */
  readonly deviceIndex: number;
  /** Stable node interface name the user data gives the ENI at `deviceIndex`; the NAD's `master`. */
  readonly interfaceName: string;
  readonly cni: CniType;
  readonly mode: CniMode;
  readonly ipam: IpamMode;
  /** One subnet per VPC AZ, in the VPC's AZ order. */
  readonly subnets: readonly MultusSubnet[];
  /** Extra routes (CIDRs) through the subnet gateway, inside the pod. */
  readonly routes: readonly string[];
  /** Chain the standard `sbr` plugin (source-based routing: traffic from the pod's Multus address leaves through it). */
  readonly sbr?: boolean;
}

export function subnetInZone(network: MultusNetwork, availabilityZone: string): MultusSubnet {
  const subnet = network.subnets.find((candidate) => candidate.availabilityZone === availabilityZone);
  if (!subnet) {
    throw new Error(`Multus network "${network.name}" has no subnet in ${availabilityZone}`);
  }
  return subnet;
}
