/**
 * Subnet CIDR reservations of type "explicit" over every fixed address range of the Multus networks
 * and every address the program pins (samples, check Job). EC2 gives a new ENI its primary address
 * from anywhere in the subnet, including a range a NAD hands out to pods, unless an explicit
 * reservation covers it: then EC2 never auto-assigns from it (the addresses may still be assigned
 * explicitly). A reservation is one aligned CIDR block, so a range takes several.
 */
import { ip2long, long2ip } from "netmask";
import type { MultusNetwork } from "../model/network";

export interface AddressReservation {
  readonly network: string;
  readonly availabilityZone: string;
  readonly cidr: string;
  /** The addresses it serves, for the resource description: "10.0.4.70-10.0.4.80". */
  readonly purpose: string;
}

/** An address the program pins to a pod on a network in one AZ. */
export interface PinnedAddress {
  readonly network: string;
  readonly availabilityZone: string;
  readonly address: string;
}

/**
 * Whether pods of the network take addresses from a fixed range of its subnets (host-local, and
 * any later mode but eni-prefix, whose addresses come from per-node prefixes).
 */
export function hasFixedRange(network: MultusNetwork): boolean {
  return network.ipam !== "eni-prefix";
}

/**
 * The fewest aligned CIDR blocks that cover exactly the addresses first..last (dotted quads,
 * first <= last): from the start, each step takes the largest block aligned at the current address
 * that does not run past the last one.
 */
export function rangeBlocks(first: string, last: string): string[] {
  let start = ip2long(first);
  const end = ip2long(last);
  if (start > end) throw new Error(`rangeBlocks: ${first} is after ${last}`);
  const blocks: string[] = [];
  while (start <= end) {
    let size = 1;
    while (start % (size * 2) === 0 && start + size * 2 - 1 <= end && size < 2 ** 32) size *= 2;
    blocks.push(`${long2ip(start)}/${32 - Math.log2(size)}`);
    start += size;
  }
  return blocks;
}

interface Interval {
  start: number;
  end: number;
}

/** Sorted, with overlapping or touching intervals joined. */
function merged(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const interval of sorted) {
    const previous = out[out.length - 1];
    if (previous && interval.start <= previous.end + 1) previous.end = Math.max(previous.end, interval.end);
    else out.push({ ...interval });
  }
  return out;
}

/**
 * The explicit reservations of every fixed-range network, in every subnet (each AZ), covering its
 * range and the pinned addresses on it: the fewest aligned blocks, since the joined intervals are
 * disjoint and apart, and an aligned block is contiguous.
 */
export function planAddressReservations(
  networks: readonly MultusNetwork[],
  pinned: readonly PinnedAddress[] = [],
): AddressReservation[] {
  return networks.filter(hasFixedRange).flatMap((network) =>
    network.subnets.flatMap((subnet) => {
      const intervals: Interval[] = [
        { start: ip2long(subnet.rangeStart), end: ip2long(subnet.rangeEnd) },
        ...pinned
          .filter((pin) => pin.network === network.name && pin.availabilityZone === subnet.availabilityZone)
          .map((pin) => ({ start: ip2long(pin.address), end: ip2long(pin.address) })),
      ];
      return merged(intervals).flatMap((interval) => {
        const [first, last] = [long2ip(interval.start), long2ip(interval.end)];
        const purpose = `${first}-${last}`;
        return rangeBlocks(first, last).map((cidr) => ({
          network: network.name,
          availabilityZone: subnet.availabilityZone,
          cidr,
          purpose,
        }));
      });
    }),
  );
}
