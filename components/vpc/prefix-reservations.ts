/**
 * Subnet CIDR reservations of type "prefix" for eni-prefix Multus networks. EC2 hands out /28
 * prefixes only from aligned free space; ordinary ENIs and secondary addresses scattered over a
 * subnet can leave none, and a node's launch then fails. Reserving room for one /28 per node of the
 * group up front keeps that from happening.
 */
import { addressAt, blockSize } from "../model/cidr";
import type { MultusNetwork } from "../model/network";

export const PREFIX_LENGTH = 28;
const PREFIX_SIZE = 2 ** (32 - PREFIX_LENGTH);

export interface PrefixReservation {
  readonly network: string;
  readonly availabilityZone: string;
  readonly cidr: string;
}

/**
 * /28 blocks a subnet can delegate: all but the first and the last, which hold the addresses AWS
 * reserves (network, router, DNS, future use; broadcast).
 */
export function delegablePrefixCount(subnetCidr: string): number {
  return Math.max(0, blockSize(subnetCidr) / PREFIX_SIZE - 2);
}

/**
 * Covers /28 slots 1..count of the subnet (slot 0 holds the reserved addresses) with the fewest
 * aligned CIDR blocks: each step takes the largest block that starts aligned at the current slot
 * and does not run past the last wanted slot.
 */
export function reservationBlocks(subnetCidr: string, count: number): string[] {
  const blocks: string[] = [];
  let slot = 1;
  const end = 1 + count;
  while (slot < end) {
    let slots = 1;
    while (slot % (slots * 2) === 0 && slot + slots * 2 <= end) slots *= 2;
    const length = PREFIX_LENGTH - Math.log2(slots);
    blocks.push(`${addressAt(subnetCidr, slot * PREFIX_SIZE)}/${length}`);
    slot += slots;
  }
  return blocks;
}

/** One reservation set per eni-prefix network and node AZ, sized for `maxNodes` nodes. */
export function planPrefixReservations(
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  maxNodes: number,
): PrefixReservation[] {
  return networks
    .filter((network) => network.ipam === "eni-prefix")
    .flatMap((network) =>
      network.subnets
        .filter((subnet) => nodeZones.includes(subnet.availabilityZone))
        .flatMap((subnet) =>
          reservationBlocks(subnet.cidr, Math.min(maxNodes, delegablePrefixCount(subnet.cidr))).map(
            (cidr) => ({
              network: network.name,
              availabilityZone: subnet.availabilityZone,
              cidr,
            }),
          ),
        ),
    );
}
