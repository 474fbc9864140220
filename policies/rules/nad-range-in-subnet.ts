/**
 * nad-range-in-subnet: a host-local NetworkAttachmentDefinition hands out addresses of a Multus
 * subnet that the VPC does not know about, so its range must (1) lie inside its subnet, (2) avoid
 * the five addresses AWS reserves (the first four and the last), (3) not overlap another NAD's range
 * on the same subnet (each NAD keeps its own host-local state, so they would hand out the same
 * address), and (4) name, as ipam.subnet, the CIDR of a Multus subnet of the stack. An eni-prefix
 * NAD takes its range from the ENI's /28 prefix at run time, so it passes if it names the device
 * index of a Multus network.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  addressToNumber,
  awsUsableOffsets,
  blockSize,
  cidrContainsAddress,
  isIpv4Address,
  offsetOf,
  parseCidr,
} from "../../components/model/cidr";
import { LAMBDA_CONFIG_ENV } from "../../lambda/src/config";
import { isMultusSubnet } from "./multus-eni-no-manage";
import { configWithDefaults, stringListSchema } from "./support/config";
import { isRecord, isUnknown, parseJson, snapshot } from "./support/known";
import { HostLocalRange, NAD_TYPE, nadIpam } from "./support/nad-config";
import { StackView, label } from "./support/stack";

export const NAD_RANGE_IN_SUBNET = "nad-range-in-subnet";

export interface NadRangeConfig {
  /** CIDRs of existing Multus subnets outside the stack that NADs may use. */
  multusSubnetCidrs: string[];
  /** Device indexes of Multus ENIs attached by something outside the stack. */
  multusDeviceIndexes: number[];
}

const DEFAULTS: NadRangeConfig = { multusSubnetCidrs: [], multusDeviceIndexes: [] };

/** A range with its addresses checked; `problem` set when it is unusable. */
interface CheckedRange {
  readonly subnet?: string;
  readonly first?: number;
  readonly last?: number;
  readonly text: string;
  readonly problem?: string;
}

export function checkRange(range: HostLocalRange): CheckedRange {
  const subnet = typeof range.subnet === "string" && parseCidr(range.subnet) ? range.subnet : undefined;
  const start = range.rangeStart;
  const end = range.rangeEnd;
  const text = `${String(start ?? "(default)")}-${String(end ?? "(default)")} of ${String(range.subnet)}`;
  if (!subnet) {
    return {
      text,
      problem: `ipam.subnet ${JSON.stringify(range.subnet)} is not an IPv4 CIDR; set it to the Multus subnet's CIDR`,
    };
  }
  const { first, last } = awsUsableOffsets(subnet);
  const usable = `usable range of ${subnet} in AWS is offsets ${first}-${last} (the first four and the last address are reserved)`;
  if (start === undefined) {
    return {
      subnet,
      text,
      problem: `rangeStart is not set, so host-local would start at offset 1, the VPC router; set rangeStart (the ${usable})`,
    };
  }
  for (const [name, value] of [
    ["rangeStart", start],
    ["rangeEnd", end],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== "string" || !isIpv4Address(value)) {
      return { subnet, text, problem: `${name} ${JSON.stringify(value)} is not an IPv4 address` };
    }
    if (!cidrContainsAddress(subnet, value)) {
      return {
        subnet,
        text,
        problem: `${name} ${value} is outside its subnet ${subnet}; pick addresses inside it (the ${usable})`,
      };
    }
    const offset = offsetOf(subnet, value);
    if (offset < first || offset > last) {
      return { subnet, text, problem: `${name} ${value} is an address AWS reserves; the ${usable}` };
    }
  }
  const startNumber = addressToNumber(start as string);
  const endNumber =
    end === undefined
      ? addressToNumber(subnet.split("/")[0]) + blockSize(subnet) - 2
      : addressToNumber(end as string);
  if (startNumber > endNumber) {
    return {
      subnet,
      text,
      problem: `rangeStart ${String(start)} is after rangeEnd ${String(end)}; swap them`,
    };
  }
  return { subnet, text, first: startNumber, last: endNumber };
}

function validateNad(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== NAD_TYPE) return;
  const ipam = nadIpam(snapshot(args.props) as Record<string, unknown>);
  if (isUnknown(ipam)) return;
  if (typeof ipam === "string") {
    report(`NetworkAttachmentDefinition ${args.name}: ${ipam}.`);
    return;
  }
  for (const range of ipam.hostLocal) {
    const checked = checkRange(range);
    if (checked.problem)
      report(
        `NetworkAttachmentDefinition ${args.name}, host-local range ${checked.text}: ${checked.problem}.`,
      );
  }
  for (const deviceIndex of ipam.eniPrefixDeviceIndexes) {
    if (typeof deviceIndex !== "number" || !Number.isInteger(deviceIndex) || deviceIndex < 1) {
      report(
        `NetworkAttachmentDefinition ${args.name}: eni-prefix ipam.deviceIndex ${JSON.stringify(deviceIndex)} must be ` +
          `the device index (1 or more) of the Multus network's ENI.`,
      );
    }
  }
}

/** Device indexes of Multus ENIs, and whether some source was unknown in this preview. */
export function multusDeviceIndexes(
  view: StackView,
  configured: number[],
): { indexes: Set<number>; incomplete: boolean } {
  const indexes = new Set(configured);
  let incomplete = false;
  for (const fn of view.ofType("aws:lambda/function:Function")) {
    const environment = view.props(fn).environment;
    if (isUnknown(environment)) {
      incomplete = true;
      continue;
    }
    const variables = isRecord(environment) ? environment.variables : undefined;
    if (isUnknown(variables)) {
      incomplete = true;
      continue;
    }
    const text = isRecord(variables) ? variables[LAMBDA_CONFIG_ENV] : undefined;
    if (isUnknown(text)) incomplete = true;
    if (typeof text !== "string") continue;
    const document = parseJson(text);
    const networks = isRecord(document) && Array.isArray(document.networks) ? document.networks : [];
    for (const network of networks) {
      if (isRecord(network) && typeof network.deviceIndex === "number") indexes.add(network.deviceIndex);
    }
  }
  for (const template of view.ofType("aws:ec2/launchTemplate:LaunchTemplate")) {
    const interfaces = view.props(template).networkInterfaces;
    if (isUnknown(interfaces)) incomplete = true;
    for (const entry of Array.isArray(interfaces) ? interfaces : []) {
      const index = isRecord(entry) ? Number(entry.deviceIndex) : 0;
      if (index > 0) indexes.add(index);
    }
  }
  for (const attachment of view.ofType("aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment")) {
    const index = view.props(attachment).deviceIndex;
    if (isUnknown(index)) incomplete = true;
    else if (typeof index === "number" && index > 0) indexes.add(index);
  }
  return { indexes, incomplete };
}

function crossCheckNads(args: StackValidationArgs, report: ReportViolation): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<NadRangeConfig>>());
  const view = new StackView(args.resources);
  const multusCidrs = new Set(config.multusSubnetCidrs);
  for (const subnet of view.ofType("aws:ec2/subnet:Subnet")) {
    const props = view.props(subnet);
    if (isMultusSubnet(props) && typeof props.cidrBlock === "string") multusCidrs.add(props.cidrBlock);
  }
  const devices = multusDeviceIndexes(view, config.multusDeviceIndexes);
  const bySubnet = new Map<string, { nad: PolicyResource; range: CheckedRange }[]>();
  for (const nad of view.ofType(NAD_TYPE)) {
    const ipam = nadIpam(view.props(nad));
    if (isUnknown(ipam) || typeof ipam === "string") continue;
    for (const range of ipam.hostLocal) {
      const checked = checkRange(range);
      if (!checked.subnet) continue;
      if (!multusCidrs.has(checked.subnet)) {
        const known = [...multusCidrs].sort().join(", ") || "none";
        report(
          `NetworkAttachmentDefinition ${nad.name} (${label(nad)}): ipam.subnet ${checked.subnet} is not the CIDR of a ` +
            `Multus subnet of the stack (Multus subnets: ${known}). Set ipam.subnet to its network's subnet CIDR, or ` +
            `list an existing subnet in the policy's multusSubnetCidrs.`,
          nad.urn,
        );
      }
      if (checked.problem) continue;
      for (const other of bySubnet.get(checked.subnet) ?? []) {
        if (other.range.first! <= checked.last! && checked.first! <= other.range.last!) {
          report(
            `NetworkAttachmentDefinition ${nad.name} (${label(nad)}): host-local range ${checked.text} overlaps ` +
              `${other.nad === nad ? "another of its own ranges" : `NAD ${other.nad.name}`} (${other.range.text}); each NAD ` +
              `keeps its own allocation state, so both would hand out the same address. Give them disjoint ranges.`,
            nad.urn,
          );
        }
      }
      bySubnet.set(checked.subnet, [...(bySubnet.get(checked.subnet) ?? []), { nad, range: checked }]);
    }
    for (const deviceIndex of ipam.eniPrefixDeviceIndexes) {
      if (typeof deviceIndex !== "number" || devices.indexes.has(deviceIndex) || devices.incomplete) continue;
      const known = [...devices.indexes].sort((a, b) => a - b).join(", ") || "none";
      report(
        `NetworkAttachmentDefinition ${nad.name} (${label(nad)}): eni-prefix ipam.deviceIndex ${deviceIndex} is not the ` +
          `device index of any Multus network (Multus ENIs are attached at: ${known}). Use the network's deviceIndex.`,
        nad.urn,
      );
    }
  }
}

export const nadRangeInSubnet: ResourceValidationPolicy & StackValidationPolicy = {
  name: NAD_RANGE_IN_SUBNET,
  description:
    "NetworkAttachmentDefinition host-local ranges lie in their Multus subnet, avoid AWS-reserved addresses and do not overlap; eni-prefix NADs name a Multus device index.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      multusSubnetCidrs: stringListSchema(
        "CIDRs of existing Multus subnets outside the stack that NADs may use.",
        DEFAULTS.multusSubnetCidrs,
      ),
      multusDeviceIndexes: {
        type: "array",
        items: { type: "integer", minimum: 1 },
        default: [],
        description: "Device indexes of Multus ENIs attached by something outside the stack.",
      },
    },
  },
  validateResource: validateNad,
  validateStack: crossCheckNads,
};
