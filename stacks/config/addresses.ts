/**
 * The explicit subnet CIDR reservations over the networks' fixed ranges and the addresses the
 * samples and the check pin, and a check that they never overlap the prefix reservations.
 */
import { ip2long } from "netmask";
import type { MultusNetwork } from "../../components/model/network";
import { cidrsOverlap } from "../../components/model/cidr";
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

export function readAddressReservations(
  problems: Problems,
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  multus: Pick<MultusSettings, "samplesEnabled" | "connectivityCheckEnabled">,
  prefixReservations: readonly PrefixReservation[],
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
  return reservations;
}
