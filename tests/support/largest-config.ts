/** The largest network configuration the settings allow: 15 networks, every IPAM mode, in turn. */
import type { IpamMode } from "../../components/model/network";

/** Every IPAM mode the model knows (checked against the type: adding one fails to compile here). */
const ALL_MODES: Record<IpamMode, true> = { "host-local": true, "eni-prefix": true };
export const IPAM_MODES_FOR_SIZE_CHECK = Object.keys(ALL_MODES) as IpamMode[];

export function largestNetworks(): Record<string, unknown>[] {
  return Array.from({ length: 15 }, (_, index) => {
    const ipam = IPAM_MODES_FOR_SIZE_CHECK[index % IPAM_MODES_FOR_SIZE_CHECK.length];
    return {
      name: `ipvlan-conf-${index + 1}`,
      deviceIndex: index + 1,
      ipam,
      ...(ipam === "host-local" ? { rangeStart: 70, rangeEnd: 80 } : {}),
    };
  });
}
