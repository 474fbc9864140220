/**
 * eni-prefix networks need one /28 per node in each of their subnets: check the room, and plan the
 * subnet CIDR reservations that keep it free.
 */
import type { MultusNetwork } from "../../components/model/network";
import {
  delegablePrefixCount,
  planPrefixReservations,
  PrefixReservation,
} from "../../components/vpc/prefix-reservations";
import { Problems } from "./problems";
import { SettingReader } from "./reader";

export function readPrefixReservations(
  read: SettingReader,
  problems: Problems,
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  maxNodes: number,
): PrefixReservation[] {
  for (const network of networks.filter((candidate) => candidate.ipam === "eni-prefix")) {
    for (const subnet of network.subnets.filter((candidate) =>
      nodeZones.includes(candidate.availabilityZone),
    )) {
      const room = delegablePrefixCount(subnet.cidr);
      if (room < maxNodes) {
        problems.add(
          "nodeMaxSize",
          `${maxNodes} nodes need ${maxNodes} /28 prefixes on eni-prefix network "${network.name}", but its subnet ${subnet.cidr} in ` +
            `${subnet.availabilityZone} has room for ${room}: lower nodeMaxSize or give the network larger cidrs`,
        );
      }
    }
  }
  return read.get("prefixReservationEnabled") ? planPrefixReservations(networks, nodeZones, maxNodes) : [];
}
