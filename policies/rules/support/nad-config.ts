/**
 * The IPAM part of a NetworkAttachmentDefinition: `spec.config` is a CNI config (or conflist) as a
 * JSON string. host-local IPAM names its range directly (`subnet`, `rangeStart`, `rangeEnd`, or a
 * `ranges` list of range sets); the eni-prefix IPAM names the ENI device index whose /28 prefix it
 * uses at run time.
 */
import { ENI_PREFIX_IPAM_PLUGIN } from "../../../components/networks/ipam";
import { UNKNOWN, Unknown, isRecord, isUnknown, parseJson } from "./known";

export const NAD_TYPE = "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition";

export interface HostLocalRange {
  readonly subnet?: unknown;
  readonly rangeStart?: unknown;
  readonly rangeEnd?: unknown;
}

export interface NadIpam {
  readonly hostLocal: HostLocalRange[];
  readonly eniPrefixDeviceIndexes: unknown[];
}

function pluginsOf(document: Record<string, unknown>): Record<string, unknown>[] {
  const plugins = Array.isArray(document.plugins) ? document.plugins : [document];
  return plugins.filter(isRecord);
}

/** The NAD's IPAM, UNKNOWN when its config is unknown, or a problem string when it cannot be read. */
export function nadIpam(props: Record<string, unknown>): NadIpam | Unknown | string {
  const spec = props.spec;
  if (isUnknown(spec)) return UNKNOWN;
  const config = isRecord(spec) ? spec.config : undefined;
  if (isUnknown(config)) return UNKNOWN;
  if (typeof config !== "string") return "spec.config must be the CNI configuration as a JSON string";
  const document = parseJson(config);
  if (!isRecord(document)) return "spec.config is not a JSON object";
  const ipam: NadIpam = { hostLocal: [], eniPrefixDeviceIndexes: [] };
  for (const plugin of pluginsOf(document)) {
    const section = plugin.ipam;
    if (!isRecord(section)) continue;
    if (section.type === "host-local") {
      if (Array.isArray(section.ranges)) {
        for (const set of section.ranges) {
          for (const range of Array.isArray(set) ? set : [set]) {
            if (isRecord(range)) ipam.hostLocal.push(range);
          }
        }
      } else {
        ipam.hostLocal.push(section);
      }
    } else if (section.type === ENI_PREFIX_IPAM_PLUGIN) {
      ipam.eniPrefixDeviceIndexes.push(section.deviceIndex);
    }
  }
  return ipam;
}
