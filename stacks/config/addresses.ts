/**
 * The explicit subnet CIDR reservations over the networks' fixed ranges and the addresses the
 * samples and the check pin, and a check that they never overlap the prefix reservations.
 */
import { ip2long, Netmask } from "netmask";
import type { MultusNetwork } from "../../components/model/network";
import { cidrsOverlap } from "../../components/model/cidr";
import { VPC_IP_WARM_ADDRESSES } from "../../components/networks/ipam";
import { planNetworkAttachments } from "../../components/networks/nad";
import { planSamples } from "../../components/networks/samples";
import {
  planAddressReservations,
  type AddressReservation,
  type PinnedAddress,
} from "../../components/vpc/address-reservations";
import type { PrefixReservation } from "../../components/vpc/prefix-reservations";
import type { MultusSettings } from "./multus";
import { Problems } from "./problems";

/** Every address the samples and the check Job pin, by network and AZ. */
export function pinnedAddresses(
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  multus: Pick<MultusSettings, "samplesEnabled" | "connectivityCheckEnabled">,
): PinnedAddress[] {
  if (!multus.samplesEnabled || networks.length === 0 || nodeZones.length === 0) return [];
  const plan = planSamples(networks, nodeZones, planNetworkAttachments(networks, nodeZones), {
    connectivityCheck: multus.connectivityCheckEnabled,
  });
  return [...plan.samples, ...plan.checks].flatMap((pod) =>
    pod.attachments
      .filter((attachment) => attachment.address !== undefined)
      .map((attachment) => ({
        network: attachment.network,
        availabilityZone: pod.availabilityZone,
        address: (attachment.address as string).split("/")[0],
      })),
  );
}

/** EC2 keeps five addresses of every subnet: the first four and the last. */
const AWS_RESERVED_PER_SUBNET = 5;

/**
 * Addresses EC2 may still give a new ENI as its primary in the subnet: every assignable address
 * outside the explicit reservations (which are disjoint and inside the assignable part).
 */
export function autoAssignableCount(subnetCidr: string, reservationCidrs: readonly string[]): number {
  const reserved = reservationCidrs.reduce((sum, cidr) => sum + new Netmask(cidr).size, 0);
  return new Netmask(subnetCidr).size - AWS_RESERVED_PER_SUBNET - reserved;
}

/**
 * Every node's ENI of a fixed-range network takes its primary address from what the reservations
 * leave: a range that fills the subnet makes the ENI-attach Lambda's CreateNetworkInterface fail
 * (InsufficientFreeAddressesInSubnet) and every launch end in ABANDON.
 */
function checkPrimaryRoom(
  problems: Problems,
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  reservations: readonly AddressReservation[],
  enisPerSubnet: number,
): void {
  for (const network of networks) {
    for (const subnet of network.subnets.filter((candidate) =>
      nodeZones.includes(candidate.availabilityZone),
    )) {
      const blocks = reservations
        .filter((r) => r.network === network.name && r.availabilityZone === subnet.availabilityZone)
        .map((r) => r.cidr);
      if (blocks.length === 0) continue;
      const room = autoAssignableCount(subnet.cidr, blocks);
      if (room < enisPerSubnet) {
        problems.add(
          "networks",
          `network "${network.name}" in ${subnet.availabilityZone}: its reserved addresses leave ${room} of subnet ${subnet.cidr} ` +
            `for the primary addresses of the nodes' ENIs, which need ${enisPerSubnet} (every node at nodeMaxSize, plus one ` +
            `per node group during an instance refresh): narrow rangeStart/rangeEnd, give the network larger cidrs, or lower nodeMaxSize`,
        );
      }
    }
  }
}

/**
 * A vpc-ip range also serves the nodes' warm sets: each node may keep VPC_IP_WARM_ADDRESSES of it
 * assigned to its ENI for no pod (until its reconcile releases them). A range no larger than what
 * the warm sets of every node in one AZ may hold could leave a new pod nothing to claim.
 */
function checkVpcIpWarmRoom(
  problems: Problems,
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  nodesPerSubnet: number,
): void {
  const warm = nodesPerSubnet * VPC_IP_WARM_ADDRESSES;
  for (const network of networks.filter((candidate) => candidate.ipam === "vpc-ip")) {
    for (const subnet of network.subnets.filter((candidate) =>
      nodeZones.includes(candidate.availabilityZone),
    )) {
      const size = ip2long(subnet.rangeEnd) - ip2long(subnet.rangeStart) + 1;
      if (size > warm) continue;
      problems.add(
        "networks",
        `network "${network.name}" in ${subnet.availabilityZone}: its vpc-ip range ${subnet.rangeStart}-${subnet.rangeEnd} ` +
          `holds ${size} addresses, and the warm sets of the ${nodesPerSubnet} nodes that may run there can keep ${warm} ` +
          `of them idle (${VPC_IP_WARM_ADDRESSES} each): widen rangeStart/rangeEnd or lower nodeMaxSize`,
      );
    }
  }
}

export function readAddressReservations(
  problems: Problems,
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  multus: Pick<MultusSettings, "samplesEnabled" | "connectivityCheckEnabled">,
  prefixReservations: readonly PrefixReservation[],
  enisPerSubnet = 0,
): AddressReservation[] {
  let pinned: PinnedAddress[] = [];
  try {
    pinned = pinnedAddresses(networks, nodeZones, multus);
  } catch {
    // readMultusSettings has already reported why the samples cannot be planned.
  }
  // A network whose range is inverted has its own problem already (resolveNetworks).
  const ordered = networks.filter((network) =>
    network.subnets.every((subnet) => ip2long(subnet.rangeStart) <= ip2long(subnet.rangeEnd)),
  );
  const reservations = planAddressReservations(ordered, pinned);
  for (const reservation of reservations) {
    const clash = prefixReservations.find(
      (prefix) =>
        prefix.network === reservation.network &&
        prefix.availabilityZone === reservation.availabilityZone &&
        cidrsOverlap(prefix.cidr, reservation.cidr),
    );
    if (clash) {
      problems.add(
        "networks",
        `network "${reservation.network}" in ${reservation.availabilityZone}: the explicit reservation ${reservation.cidr} ` +
          `(pod addresses) overlaps the prefix reservation ${clash.cidr}: move rangeStart/rangeEnd or set prefixReservationEnabled to false`,
      );
    }
  }
  checkPrimaryRoom(problems, ordered, nodeZones, reservations, enisPerSubnet);
  checkVpcIpWarmRoom(problems, ordered, nodeZones, enisPerSubnet);
  return reservations;
}
