/**
 * The per-stack node config (CONTRACTS item 2): ONE JSON file on every node,
 * /etc/multus-eks/node-config.json, that node-side scripts and plugins read for node settings
 * (device indexes, interface names, subnets). Pure: validated settings in, JSON object out.
 * Add fields, never rename them: other node files read this shape.
 */
import type { IpamMode, MultusNetwork } from "../model/network";

export const NODE_CONFIG_PATH = "/etc/multus-eks/node-config.json";

export interface NodeNetworkConfig {
  readonly name: string;
  readonly deviceIndex: number;
  readonly interfaceName: string;
  readonly ipam: IpamMode;
  /** One per AZ, in availabilityZones order. */
  readonly subnetCidrs: readonly string[];
  /** Host offsets in the subnet of the network's fixed range (host-local and vpc-ip). */
  readonly rangeStart?: number;
  readonly rangeEnd?: number;
}

export interface NodeConfig {
  readonly clusterName: string;
  readonly region: string;
  readonly networks: readonly NodeNetworkConfig[];
}

export interface NodeConfigInput {
  readonly clusterName: string;
  readonly region: string;
  /** Node AZs, in order: subnetCidrs follow it. */
  readonly availabilityZones: readonly string[];
  readonly networks: readonly MultusNetwork[];
}

function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Offset of `address` from the network address of `cidr`. */
function hostOffset(cidr: string, address: string): number {
  return ipv4ToNumber(address) - ipv4ToNumber(cidr.split("/")[0]);
}

function fixedRange(
  network: MultusNetwork,
  zones: readonly string[],
): { rangeStart?: number; rangeEnd?: number } {
  if (network.ipam === "eni-prefix") return {};
  const offsets = zones.map((zone) => {
    const subnet = network.subnets.find((candidate) => candidate.availabilityZone === zone)!;
    return [hostOffset(subnet.cidr, subnet.rangeStart), hostOffset(subnet.cidr, subnet.rangeEnd)];
  });
  const [start, end] = offsets[0];
  if (offsets.some(([s, e]) => s !== start || e !== end)) {
    throw new Error(
      `node config: network "${network.name}" has a different host range in each AZ; the node config gives one range per network`,
    );
  }
  return { rangeStart: start, rangeEnd: end };
}

export function nodeConfig(input: NodeConfigInput): NodeConfig {
  return {
    clusterName: input.clusterName,
    region: input.region,
    networks: input.networks.map((network) => {
      const subnetCidrs = input.availabilityZones.map((zone) => {
        const subnet = network.subnets.find((candidate) => candidate.availabilityZone === zone);
        if (!subnet) throw new Error(`node config: network "${network.name}" has no subnet in ${zone}`);
        return subnet.cidr;
      });
      return {
        name: network.name,
        deviceIndex: network.deviceIndex,
        interfaceName: network.interfaceName,
        ipam: network.ipam,
        subnetCidrs,
        ...fixedRange(network, input.availabilityZones),
      };
    }),
  };
}

/** The file's bytes: stable key order, trailing newline. */
export function renderNodeConfig(config: NodeConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
