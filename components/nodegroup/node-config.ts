/**
 * The per-stack node config (CONTRACTS item 2): ONE JSON file on every node,
 * /etc/multus-eks/node-config.json, that node-side scripts and plugins read for node settings
 * (device indexes, interface names, subnets). Pure: validated settings in, JSON object out.
 * Add fields, never rename them: other node files read this shape.
 */
import type { IpamMode, MultusNetwork } from "../model/network";
import { vpcIpPodsPerNode, vpcIpResourceName } from "../model/vpc-ip-capacity";

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
  /**
   * vpc-ip only: pods of this network the node advertises room for (its extended resource,
   * vpc-ip-capacity.ts), from the instance type's IPv4 addresses per ENI.
   */
  readonly podsPerNode?: number;
  /** vpc-ip only: the extended resource the node advertises podsPerNode of. */
  readonly resourceName?: string;
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
  /** The node group's instance type's IPv4 addresses per ENI (EC2 DescribeInstanceTypes). */
  readonly ipv4AddressesPerInterface?: number;
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
        ...(network.ipam === "vpc-ip" && input.ipv4AddressesPerInterface !== undefined
          ? {
              podsPerNode: vpcIpPodsPerNode(input.ipv4AddressesPerInterface),
              resourceName: vpcIpResourceName(network.name),
            }
          : {}),
      };
    }),
  };
}

/** The file's bytes: stable key order, trailing newline. */
export function renderNodeConfig(config: NodeConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
