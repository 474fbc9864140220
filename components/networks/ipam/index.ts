/**
 * The `multus-eni-prefix` IPAM plugin: the IPAM object a NetworkAttachmentDefinition of an
 * `eni-prefix` network carries. Pod addresses come from the /28 prefix the ENI-attach Lambda gives
 * the network's ENI, so the VPC routes them to the right node without any controller.
 *
 * The plugin itself is a node file (components/nodegroup/rootfs/opt/cni/bin/multus-eni-prefix),
 * shipped with the other node files. A NAD is a namespaced object: it only NAMES the network; the
 * plugin takes the device index, subnets, IMDS endpoint and state directory from the node.
 */
import { Netmask } from "netmask";

/** CNI `type` of the plugin, and its file name in the node's CNI bin directory. */
export const ENI_PREFIX_IPAM_PLUGIN = "multus-eni-prefix";

/** Where the node's container runtime and Multus look for CNI plugins. */
export const NODE_CNI_BIN_DIRECTORY = "/opt/cni/bin";

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface EniPrefixIpamOptions {
  /** The Multus network's name: the node config maps it to a device index and subnets. */
  network: string;
  /** Routes to put in the pod (the gateway defaults to the subnet's VPC router). */
  routes?: CniRoute[];
}

export interface EniPrefixIpamConfig {
  type: typeof ENI_PREFIX_IPAM_PLUGIN;
  network: string;
  routes?: CniRoute[];
}

/** The `ipam` object of an eni-prefix network's CNI config. Throws on settings the plugin would reject. */
export function eniPrefixIpamConfig(options: EniPrefixIpamOptions): EniPrefixIpamConfig {
  const { network, routes } = options;
  if (typeof network !== "string" || network.length === 0) {
    throw new Error(`eniPrefixIpamConfig: network must be the Multus network's name, got "${network}"`);
  }
  const config: EniPrefixIpamConfig = { type: ENI_PREFIX_IPAM_PLUGIN, network };
  if (routes !== undefined) {
    config.routes = routes.map((route, index) => validatedRoute(route, index));
  }
  return config;
}

function validatedRoute(route: CniRoute, index: number): CniRoute {
  try {
    new Netmask(route.dst);
  } catch {
    throw new Error(`eniPrefixIpamConfig: routes[${index}].dst must be an IPv4 CIDR, got "${route.dst}"`);
  }
  if (route.gw !== undefined && !isIpv4Address(route.gw)) {
    throw new Error(`eniPrefixIpamConfig: routes[${index}].gw must be an IPv4 address, got "${route.gw}"`);
  }
  return route.gw === undefined ? { dst: route.dst } : { dst: route.dst, gw: route.gw };
}

function isIpv4Address(text: string): boolean {
  const octets = text.split(".");
  return octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
}
export { VPC_IP_IPAM_PLUGIN, VPC_IP_WARM_ADDRESSES, vpcIpIpamConfig, type VpcIpIpamConfig } from "./vpc-ip";
