/**
 * The IPAM object a NetworkAttachmentDefinition of a `vpc-ip` network carries. The plugin itself
 * is a node file (components/nodegroup/rootfs/opt/cni/bin/multus-vpc-ip) and takes every node
 * setting (device index, subnets, range offsets) from the node's settings file: the NAD names only
 * the network and pod-level routes, so one NAD serves every AZ.
 */
import { Netmask } from "netmask";

/** CNI `type` of the plugin, and its file name in the node's CNI bin directory. */
export const VPC_IP_IPAM_PLUGIN = "multus-vpc-ip";

/**
 * Addresses of a network's range that one node may hold warm: assigned to its ENI for no pod, kept
 * after a DEL so that the node's next ADD needs no EC2 call, released by the node's reconcile once
 * idle (the plugin's WARM_ADDRESSES; a test keeps the two equal). They are range addresses, so they
 * take nothing from the room the explicit reservations leave for the ENIs' primary addresses, but
 * each node may keep this many of the range idle: the stack's validation counts them per node.
 */
export const VPC_IP_WARM_ADDRESSES = 2;

export interface VpcIpIpamConfig {
  type: typeof VPC_IP_IPAM_PLUGIN;
  /** The Multus network's name, as in the node settings file. */
  network: string;
  /** Extra pod routes through the VPC router (the network's other subnets are added by the plugin). */
  routes?: { dst: string }[];
}

export function vpcIpIpamConfig(network: string, routes: readonly string[]): VpcIpIpamConfig {
  routes.forEach((dst, index) => {
    try {
      new Netmask(dst);
    } catch {
      throw new Error(`vpcIpIpamConfig: routes[${index}] must be an IPv4 CIDR, got "${dst}"`);
    }
  });
  return {
    type: VPC_IP_IPAM_PLUGIN,
    network,
    ...(routes.length ? { routes: routes.map((dst) => ({ dst })) } : {}),
  };
}
