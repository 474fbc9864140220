/**
 * Reads the `networks` setting: first the shape of each network (needed by the CIDR plan), then,
 * once the plan has given every network its subnets, the IPAM ranges resolved per subnet.
 */
import {
  addressAt,
  awsUsableOffsets,
  blockSize,
  cidrContainsAddress,
  cidrProblem,
  isIpv4Address,
  offsetOf,
} from "../../components/model/cidr";
import { defaultInterfaceName, interfaceNameProblem } from "../../components/model/interfaces";
import {
  CniMode,
  CniType,
  hasFixedRange,
  IPAM_MODES,
  IPVLAN_MODES,
  IpamMode,
  MACVLAN_MODES,
  MultusNetwork,
  MultusSubnet,
} from "../../components/model/network";
import type { SubnetLayout } from "../../components/vpc/plan";
import { Problems } from "./problems";

/** A network as written in config, checked for shape; addresses are resolved later. */
export interface NetworkSpec {
  readonly name: string;
  readonly deviceIndex: number;
  readonly interfaceName: string;
  readonly cidrs?: readonly string[];
  readonly cni: CniType;
  readonly mode: CniMode;
  readonly ipam: IpamMode;
  /** An offset from the subnet's network address, or an address of the first AZ's subnet. */
  readonly rangeStart?: number | string;
  readonly rangeEnd?: number | string;
  readonly gateway: number | string;
  readonly routes: readonly string[];
  readonly sbr: boolean;
}

const KNOWN_FIELDS = [
  "name",
  "deviceIndex",
  "interfaceName",
  "cidrs",
  "cni",
  "mode",
  "ipam",
  "rangeStart",
  "rangeEnd",
  "gateway",
  "routes",
  "sbr",
];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** ENI device indexes a Multus network may use: 0 is the primary ENI; 15 covers the largest types. */
const MAX_DEVICE_INDEX = 15;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readNetworkSpecs(
  value: unknown,
  availabilityZoneCount: number,
  problems: Problems,
): NetworkSpec[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add("networks", "must be a non-empty list of Multus networks, each at least {name: ...}");
    return [];
  }
  // Keep each spec's position in the config list: invalid entries are dropped, and the problems
  // below must still name the entry the user wrote.
  const specs = value.flatMap((entry, index) => {
    const spec = readNetworkSpec(entry, index, availabilityZoneCount, problems);
    return spec ? [{ spec, index }] : [];
  });
  const unique = (field: "name" | "deviceIndex" | "interfaceName", fix: string): void => {
    const seen = new Map<unknown, number>();
    specs.forEach(({ spec, index }) => {
      const earlier = seen.get(spec[field]);
      if (earlier !== undefined) {
        problems.add(
          `networks[${index}].${field}`,
          `${JSON.stringify(spec[field])} is used by networks[${earlier}] too: ${fix}`,
        );
      } else {
        seen.set(spec[field], index);
      }
    });
  };
  unique("name", "give every network its own name");
  unique("deviceIndex", "give every network its own ENI device index");
  unique("interfaceName", "give every network its own node interface name");
  return specs.map(({ spec }) => spec);
}

function readNetworkSpec(
  entry: unknown,
  index: number,
  availabilityZoneCount: number,
  problems: Problems,
): NetworkSpec | undefined {
  const at = (field: string): string => `networks[${index}].${field}`;
  if (!isRecord(entry)) {
    problems.add(`networks[${index}]`, "must be an object such as {name: ipvlan-conf-1}");
    return undefined;
  }
  const problemsBefore = problems.count;
  for (const field of Object.keys(entry)) {
    if (!KNOWN_FIELDS.includes(field)) {
      problems.add(at(field), `is not a network field; use one of ${KNOWN_FIELDS.join(", ")}`);
    }
  }

  const name = entry.name;
  if (typeof name !== "string" || name.length > 63 || !DNS_LABEL.test(name)) {
    problems.add(
      at("name"),
      `${JSON.stringify(name)} is not a valid Kubernetes name: use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }

  const deviceIndex = entry.deviceIndex ?? index + 1;
  if (
    typeof deviceIndex !== "number" ||
    !Number.isInteger(deviceIndex) ||
    deviceIndex < 1 ||
    deviceIndex > MAX_DEVICE_INDEX
  ) {
    problems.add(
      at("deviceIndex"),
      `${JSON.stringify(deviceIndex)} must be a whole number from 1 to ${MAX_DEVICE_INDEX} (0 is the primary ENI)`,
    );
  }

  const interfaceName =
    entry.interfaceName ?? (typeof deviceIndex === "number" ? defaultInterfaceName(deviceIndex) : "");
  const interfaceProblem =
    typeof interfaceName === "string" ? interfaceNameProblem(interfaceName) : "must be a string";
  if (interfaceProblem)
    problems.add(at("interfaceName"), `${JSON.stringify(interfaceName)} ${interfaceProblem}`);

  const cidrs = entry.cidrs;
  if (cidrs !== undefined) {
    if (!Array.isArray(cidrs) || cidrs.length !== availabilityZoneCount) {
      problems.add(
        at("cidrs"),
        `must list exactly one CIDR per availability zone (${availabilityZoneCount}), or be left out to be planned`,
      );
    } else {
      cidrs.forEach((cidr, position) => {
        const problem = typeof cidr === "string" ? cidrProblem(cidr) : "must be a string";
        if (problem) problems.add(at(`cidrs[${position}]`), problem);
      });
    }
  }

  const cni = entry.cni ?? "ipvlan";
  if (cni !== "ipvlan" && cni !== "macvlan") {
    problems.add(at("cni"), `${JSON.stringify(cni)} is not supported: use "ipvlan" (default) or "macvlan"`);
  }
  const modes: readonly string[] = cni === "macvlan" ? MACVLAN_MODES : IPVLAN_MODES;
  const mode = entry.mode ?? modes[0];
  if (typeof mode !== "string" || !modes.includes(mode)) {
    problems.add(
      at("mode"),
      `${JSON.stringify(mode)} is not a ${String(cni)} mode: use one of ${modes.join(", ")}`,
    );
  }

  const ipam = entry.ipam ?? "host-local";
  if (typeof ipam !== "string" || !(IPAM_MODES as readonly string[]).includes(ipam)) {
    problems.add(
      at("ipam"),
      `${JSON.stringify(ipam)} is not supported: use "host-local" (fixed ranges), "eni-prefix" (routable /28 per node) ` +
        `or "vpc-ip" (fixed ranges, routable: each pod address assigned to its node's ENI)`,
    );
  }

  const sbr = entry.sbr ?? false;
  if (typeof sbr !== "boolean") {
    problems.add(at("sbr"), `${JSON.stringify(sbr)} must be true (chain the sbr plugin) or false`);
  }

  const position = (field: "rangeStart" | "rangeEnd" | "gateway"): number | string | undefined => {
    const raw = entry[field];
    if (raw === undefined) return undefined;
    if (
      (typeof raw === "number" && Number.isInteger(raw) && raw >= 0) ||
      (typeof raw === "string" && isIpv4Address(raw))
    ) {
      return raw;
    }
    problems.add(
      at(field),
      `${JSON.stringify(raw)} must be an IPv4 address of the subnet or a host offset such as 70`,
    );
    return undefined;
  };
  const rangeStart = position("rangeStart");
  const rangeEnd = position("rangeEnd");
  const gateway = position("gateway") ?? 1;

  const routes = entry.routes ?? [];
  if (!Array.isArray(routes)) {
    problems.add(at("routes"), 'must be a list of CIDRs, e.g. ["10.10.0.0/16"]');
  } else {
    routes.forEach((route, position) => {
      const problem = typeof route === "string" ? cidrProblem(route) : "must be a string";
      if (problem) problems.add(at(`routes[${position}]`), problem);
    });
  }

  if (problems.count > problemsBefore) return undefined;
  return {
    name: name as string,
    deviceIndex: deviceIndex as number,
    interfaceName: interfaceName as string,
    ...(cidrs === undefined ? {} : { cidrs: cidrs as string[] }),
    cni: cni as CniType,
    mode: mode as CniMode,
    ipam: ipam as IpamMode,
    ...(rangeStart === undefined ? {} : { rangeStart }),
    ...(rangeEnd === undefined ? {} : { rangeEnd }),
    gateway,
    routes: routes as string[],
    sbr: sbr as boolean,
  };
}

/** Resolves each network's IPAM range in every one of its subnets, checking it against AWS's reserved addresses. */
export function resolveNetworks(
  specs: readonly NetworkSpec[],
  layout: SubnetLayout,
  problems: Problems,
): MultusNetwork[] {
  return specs.map((spec) => {
    const index = specs.indexOf(spec);
    const at = (field: string): string => `networks[${index}].${field}`;
    const cidrs = layout.subnets.filter((subnet) => subnet.role === "multus" && subnet.network === spec.name);
    const firstCidr = cidrs[0].cidr;
    const toOffset = (value: number | string, field: string): number | undefined => {
      if (typeof value === "number") return value;
      if (!cidrContainsAddress(firstCidr, value)) {
        problems.add(
          at(field),
          `${value} is outside the network's first subnet ${firstCidr}: use an address inside it, or a host offset`,
        );
        return undefined;
      }
      return offsetOf(firstCidr, value);
    };
    // Addresses are read against the first subnet once, so a bad one is reported once, not per AZ.
    const startOffset = spec.rangeStart === undefined ? undefined : toOffset(spec.rangeStart, "rangeStart");
    const endOffset = spec.rangeEnd === undefined ? undefined : toOffset(spec.rangeEnd, "rangeEnd");
    const gatewayOffset = toOffset(spec.gateway, "gateway");
    const subnets = cidrs.map((planned): MultusSubnet => {
      const usable = awsUsableOffsets(planned.cidr);
      // A fixed range is covered by explicit reservations, and EC2 then gives the nodes' ENIs their
      // primary addresses from the rest: by default the first quarter of the subnet stays theirs.
      // (A rangeEnd set below that quarter keeps the old default start, .4, rather than an inverted range.)
      const quarter = Math.max(usable.first, blockSize(planned.cidr) / 4);
      const defaultStart =
        hasFixedRange(spec.ipam) && !(endOffset !== undefined && endOffset < quarter)
          ? quarter
          : usable.first;
      const start = spec.rangeStart === undefined ? defaultStart : startOffset;
      const end = spec.rangeEnd === undefined ? usable.last : endOffset;
      const gateway = gatewayOffset;
      const size = blockSize(planned.cidr);
      if (hasFixedRange(spec.ipam) && start !== undefined && end !== undefined) {
        if (start < usable.first || end > usable.last || start > end) {
          problems.add(
            at(start > end ? "rangeEnd" : start < usable.first ? "rangeStart" : "rangeEnd"),
            `network "${spec.name}": range ${addressAt(planned.cidr, start)}-${addressAt(planned.cidr, end)} in ${planned.availabilityZone} must lie in ` +
              `${addressAt(planned.cidr, usable.first)}-${addressAt(planned.cidr, usable.last)} of ${planned.cidr} (AWS reserves the first four addresses and the last) with start <= end`,
          );
        }
      }
      if (gateway !== undefined && (gateway < 1 || gateway > size - 2)) {
        problems.add(
          at("gateway"),
          `network "${spec.name}": gateway offset ${gateway} is not a host of ${planned.cidr}; the VPC router is offset 1`,
        );
      }
      return {
        availabilityZone: planned.availabilityZone,
        cidr: planned.cidr,
        gateway: addressAt(planned.cidr, gateway ?? 1),
        rangeStart: addressAt(planned.cidr, start ?? defaultStart),
        rangeEnd: addressAt(planned.cidr, end ?? usable.last),
      };
    });
    return {
      name: spec.name,
      deviceIndex: spec.deviceIndex,
      interfaceName: spec.interfaceName,
      cni: spec.cni,
      mode: spec.mode,
      ipam: spec.ipam,
      subnets,
      routes: spec.routes,
      ...(spec.sbr ? { sbr: true } : {}),
    };
  });
}
