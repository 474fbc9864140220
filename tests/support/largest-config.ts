/** The largest network configuration the settings allow: 15 networks, every IPAM mode, in turn. */
import * as model from "../../components/model/network";

/**
 * Every IPAM mode the model knows: its IPAM_MODES list once the model has one (the vpc-ip work adds
 * it), else the two modes of this version.
 */
export const IPAM_MODES_FOR_SIZE_CHECK: readonly string[] = (model as { IPAM_MODES?: readonly string[] })
  .IPAM_MODES ?? ["host-local", "eni-prefix"];

export function largestNetworks(): Record<string, unknown>[] {
  return Array.from({ length: 15 }, (_, index) => {
    const ipam = IPAM_MODES_FOR_SIZE_CHECK[index % IPAM_MODES_FOR_SIZE_CHECK.length];
    return {
      name: `ipvlan-conf-${index + 1}`,
      deviceIndex: index + 1,
      ipam,
      // Every mode but eni-prefix has a fixed range (CONTRACTS item 3).
      ...(ipam === "eni-prefix" ? {} : { rangeStart: 70, rangeEnd: 80 }),
    };
  });
}
