/**
 * Stack config → one validated `StackSettings`. Pure: no Pulumi engine and no cloud call, so a bad
 * config fails before anything is declared, with every problem listed at once.
 */
import { cidrProblem, prefixLength } from "../../components/model/cidr";
import {
  MAX_PREFIX,
  MIN_PREFIX,
  PlannedSubnet,
  planSubnetLayout,
  subnetLayoutIssues,
  SubnetLayout,
} from "../../components/vpc/plan";
import { maxPodsProblems } from "../../components/nodegroup/max-pods";
import { delegablePrefixCount, planPrefixReservations } from "../../components/vpc/prefix-reservations";
import { isNitroInstanceType } from "../../components/nodegroup/nitro";
import { findRegion, REGIONS } from "../regions";
import { readMultusSettings } from "./multus";
import { readNetworkSpecs, resolveNetworks } from "./networks";
import { Problems } from "./problems";
import { RawConfig, SettingReader, closestSetting } from "./reader";
import { SETTINGS } from "./schema";
import { StackSettings } from "./settings";

export interface ParseContext {
  readonly project: string;
  readonly stack: string;
}

export const REGION_KEY = "aws:region";

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const KUBERNETES_VERSION = /^1\.(\d+)$/;
/** Oldest minor version this program supports (AL2023 nodeadm, access entries). */
const MIN_KUBERNETES_MINOR = 30;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkCidrList(problems: Problems, setting: string, cidrs: readonly string[]): void {
  cidrs.forEach((cidr, index) => {
    const problem = cidrProblem(cidr);
    if (problem) problems.add(`${setting}[${index}]`, problem);
  });
}

export function parseSettings(raw: RawConfig, context: ParseContext): StackSettings {
  const problems = new Problems();
  const read = new SettingReader(raw, problems);

  for (const key of Object.keys(raw)) {
    if (key !== REGION_KEY && !(key in SETTINGS)) {
      const suggestion = closestSetting(key);
      problems.add(
        key,
        `is not a setting of this project${suggestion ? `: did you mean "${suggestion}"?` : "; see the README's settings table"}`,
      );
    }
  }

  const regionName = typeof raw[REGION_KEY] === "string" ? (raw[REGION_KEY] as string) : "";
  const region = findRegion(regionName);
  if (!region) {
    problems.add(
      REGION_KEY,
      regionName
        ? `"${regionName}" is not a supported region: use one of ${REGIONS.map((known) => known.name).join(", ")}`
        : `is not set: run \`pulumi config set aws:region cn-northwest-1\` (or another supported region)`,
    );
  }
  const partition = read.get("partition");
  if (partition && region && partition !== region.partition) {
    problems.add(
      "partition",
      `is "${partition}" but region ${region.name} is in partition "${region.partition}": fix aws:region or partition`,
    );
  }

  const clusterName = read.get("clusterName");
  if (!CLUSTER_NAME.test(clusterName)) {
    problems.add(
      "clusterName",
      `"${clusterName}" must be 1-100 letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  const kubernetesVersion = read.get("kubernetesVersion");
  const versionMatch = KUBERNETES_VERSION.exec(kubernetesVersion);
  if (!versionMatch || Number(versionMatch[1]) < MIN_KUBERNETES_MINOR) {
    problems.add(
      "kubernetesVersion",
      `"${kubernetesVersion}" must be a Kubernetes minor version such as "1.35" (1.${MIN_KUBERNETES_MINOR} or later)`,
    );
  }

  const availabilityZones = read.get("availabilityZones");
  if (availabilityZones.length < 2) {
    problems.add(
      "availabilityZones",
      `needs at least two AZs (EKS requires two), e.g. ["${region?.availabilityZones[0] ?? "cn-northwest-1a"}", "${region?.availabilityZones[1] ?? "cn-northwest-1b"}"]`,
    );
  }
  availabilityZones.forEach((zone, index) => {
    if (region && !region.availabilityZones.includes(zone)) {
      problems.add(
        `availabilityZones[${index}]`,
        `"${zone}" is not an AZ of ${region.name}: use one of ${region.availabilityZones.join(", ")}`,
      );
    }
    if (availabilityZones.indexOf(zone) !== index) {
      problems.add(`availabilityZones[${index}]`, `"${zone}" is listed twice`);
    }
  });

  const vpcCidr = read.get("vpcCidr");
  const vpcProblem = cidrProblem(vpcCidr);
  if (vpcProblem) {
    problems.add("vpcCidr", vpcProblem);
  } else if (prefixLength(vpcCidr) < MIN_PREFIX || prefixLength(vpcCidr) > MAX_PREFIX) {
    problems.add("vpcCidr", `${vpcCidr} must be /${MIN_PREFIX} to /${MAX_PREFIX} (an AWS VPC limit)`);
  }
  const subnetPrefixLength = read.get("subnetPrefixLength");
  if (subnetPrefixLength < MIN_PREFIX || subnetPrefixLength > MAX_PREFIX) {
    problems.add("subnetPrefixLength", `${subnetPrefixLength} must be from ${MIN_PREFIX} to ${MAX_PREFIX}`);
  } else if (!vpcProblem && subnetPrefixLength < prefixLength(vpcCidr)) {
    problems.add(
      "subnetPrefixLength",
      `/${subnetPrefixLength} subnets do not fit in the VPC ${vpcCidr}: use a larger number`,
    );
  }

  const explicitPerZone = (name: "publicSubnetCidrs" | "privateSubnetCidrs"): string[] => {
    const cidrs = read.get(name);
    if (cidrs.length > 0 && cidrs.length !== availabilityZones.length) {
      problems.add(
        name,
        `lists ${cidrs.length} CIDRs for ${availabilityZones.length} AZs: give one per AZ, or none to have them planned`,
      );
    }
    checkCidrList(problems, name, cidrs);
    return cidrs;
  };
  const publicCidrs = explicitPerZone("publicSubnetCidrs");
  const privateCidrs = explicitPerZone("privateSubnetCidrs");
  const networkSpecs = readNetworkSpecs(read.get("networks"), availabilityZones.length, problems);

  const telecomIngressCidrs = read.get("telecomIngressCidrs");
  checkCidrList(problems, "telecomIngressCidrs", telecomIngressCidrs);
  if (telecomIngressCidrs.includes("0.0.0.0/0")) {
    problems.add(
      "telecomIngressCidrs",
      "must not contain 0.0.0.0/0: list the peers' CIDRs that need the telecom ports",
    );
  }

  const bastionKeyName = read.get("bastionKeyName");
  const bastionSshCidrs = read.get("bastionSshCidrs");
  checkCidrList(problems, "bastionSshCidrs", bastionSshCidrs);
  if (bastionSshCidrs.length > 0 && !bastionKeyName) {
    problems.add(
      "bastionSshCidrs",
      "opens SSH but bastionKeyName is empty: set bastionKeyName too, or use SSM Session Manager and leave this empty",
    );
  }
  const endpointPublicAccess = read.get("endpointPublicAccess");
  const endpointPrivateAccess = read.get("endpointPrivateAccess");
  const endpointPublicAccessCidrs = read.get("endpointPublicAccessCidrs");
  checkCidrList(problems, "endpointPublicAccessCidrs", endpointPublicAccessCidrs);
  if (!endpointPublicAccess && !endpointPrivateAccess) {
    problems.add(
      "endpointPrivateAccess",
      "and endpointPublicAccess are both false: the cluster API would be unreachable; enable at least one",
    );
  }
  if (!endpointPublicAccess && endpointPublicAccessCidrs.length > 0) {
    problems.add(
      "endpointPublicAccessCidrs",
      "is set but endpointPublicAccess is false: enable public access or remove the CIDRs",
    );
  }

  const nodeZones = read.get("nodeAvailabilityZones");
  const nodeAvailabilityZones = nodeZones.length > 0 ? nodeZones : availabilityZones.slice(0, 1);
  nodeZones.forEach((zone, index) => {
    if (!availabilityZones.includes(zone)) {
      problems.add(
        `nodeAvailabilityZones[${index}]`,
        `"${zone}" is not one of availabilityZones (${availabilityZones.join(", ")})`,
      );
    }
  });
  const desiredSize = read.get("nodeDesiredSize");
  const minSize = read.get("nodeMinSize");
  const maxSize = read.get("nodeMaxSize");
  if (minSize < 0 || maxSize < 1 || minSize > desiredSize || desiredSize > maxSize) {
    problems.add(
      "nodeDesiredSize",
      `node sizes must satisfy 0 <= nodeMinSize (${minSize}) <= nodeDesiredSize (${desiredSize}) <= nodeMaxSize (${maxSize}), with nodeMaxSize >= 1`,
    );
  }
  const volumeSizeGb = read.get("nodeVolumeSizeGb");
  if (volumeSizeGb < 20 || volumeSizeGb > 16384) {
    problems.add("nodeVolumeSizeGb", `${volumeSizeGb} must be from 20 (the EKS AMI's size) to 16384 GiB`);
  }
  const maxPods = read.get("nodeMaxPods");
  if (maxPods < 0 || maxPods > 737) {
    problems.add("nodeMaxPods", `${maxPods} must be 0 (derived) or from 1 to 737`);
  }
  const amiId = read.get("nodeAmiId");
  if (amiId && !/^ami-[0-9a-f]{8,17}$/.test(amiId)) {
    problems.add(
      "nodeAmiId",
      `"${amiId}" is not an AMI ID such as ami-0123456789abcdef0; leave it empty for the EKS-optimised AL2023 AMI`,
    );
  }
  const labels: Record<string, string> = {};
  read.get("nodeLabels").forEach((entry, index) => {
    const [key, ...rest] = entry.split("=");
    const value = rest.join("=");
    if (!entry.includes("=") || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      problems.add(
        `nodeLabels[${index}]`,
        `"${entry}" must be key=value with a valid Kubernetes label key and value`,
      );
    } else {
      labels[key] = value;
    }
  });

  const rawTags = read.get("tags");
  const tags: Record<string, string> = {};
  if (typeof rawTags !== "object" || rawTags === null || Array.isArray(rawTags)) {
    problems.add("tags", "must be a map of tag keys to string values");
  } else {
    for (const [key, value] of Object.entries(rawTags)) {
      if (
        typeof value !== "string" ||
        key.length === 0 ||
        key.length > 128 ||
        value.length > 256 ||
        key.toLowerCase().startsWith("aws:")
      ) {
        problems.add(
          `tags.${key}`,
          "tag keys are 1-128 characters not starting with aws:, values strings of at most 256",
        );
      } else {
        tags[key] = value;
      }
    }
  }

  // The layout needs sane inputs; without them it would only add noise to the report.
  let layout: SubnetLayout | undefined;
  if (problems.count === 0) {
    try {
      layout = planSubnetLayout({
        vpcCidr,
        availabilityZones,
        subnetPrefixLength,
        publicCidrs,
        privateCidrs,
        networks: networkSpecs,
      });
      // An explicit CIDR is the user's choice, so its setting is the one to name; planned subnets
      // never clash, so a clash with one of them means vpcCidr itself is the problem.
      const settingOf = (subnet: PlannedSubnet): string => {
        const zone = availabilityZones.indexOf(subnet.availabilityZone);
        if (subnet.source === "planned") return "vpcCidr";
        if (subnet.role === "public") return `publicSubnetCidrs[${zone}]`;
        if (subnet.role === "private") return `privateSubnetCidrs[${zone}]`;
        return `networks[${networkSpecs.findIndex((spec) => spec.name === subnet.network)}].cidrs[${zone}]`;
      };
      for (const issue of subnetLayoutIssues(layout))
        problems.add(
          settingOf(issue.subnet),
          `subnet layout: ${issue.message}; change the explicit CIDRs or vpcCidr`,
        );
    } catch (error) {
      problems.add("vpcCidr", (error as Error).message);
    }
  }
  const networks = layout ? resolveNetworks(networkSpecs, layout, problems) : [];
  const multus = readMultusSettings(read, problems, { region, networks, nodeZones: nodeAvailabilityZones });

  // Read before throwIfAny: a value of the wrong kind is a problem that must be reported too.
  const bastionEnabled = read.get("bastionEnabled");
  const bastionInstanceType = read.get("bastionInstanceType");
  const nodeInstanceType = read.get("nodeInstanceType");
  const nodeKeyName = read.get("nodeKeyName");
  for (const problem of maxPodsProblems({
    instanceType: nodeInstanceType,
    maxPods,
    multusDeviceIndexes: networkSpecs.map((spec) => spec.deviceIndex),
  })) {
    problems.add(problem.setting, problem.message);
  }
  const prefixNetworks = networkSpecs.filter((spec) => spec.ipam === "eni-prefix").map((spec) => spec.name);
  if (prefixNetworks.length > 0 && !isNitroInstanceType(nodeInstanceType)) {
    problems.add(
      "nodeInstanceType",
      `${nodeInstanceType} is not a Nitro instance, but network(s) ${prefixNetworks.join(", ")} use ipam "eni-prefix", ` +
        `which needs ENI prefix delegation (Nitro only): choose a Nitro type such as c5.large, or ipam "host-local"`,
    );
  }

  for (const network of networks.filter((candidate) => candidate.ipam === "eni-prefix")) {
    for (const subnet of network.subnets.filter((candidate) =>
      nodeAvailabilityZones.includes(candidate.availabilityZone),
    )) {
      const room = delegablePrefixCount(subnet.cidr);
      if (room < maxSize) {
        problems.add(
          "nodeMaxSize",
          `${maxSize} nodes need ${maxSize} /28 prefixes on eni-prefix network "${network.name}", but its subnet ${subnet.cidr} in ` +
            `${subnet.availabilityZone} has room for ${room}: lower nodeMaxSize or give the network larger cidrs`,
        );
      }
    }
  }
  const prefixReservationEnabled = read.get("prefixReservationEnabled");

  problems.throwIfAny();
  return {
    project: context.project,
    stack: context.stack,
    region: region!,
    clusterName,
    kubernetesVersion,
    availabilityZones,
    vpcCidr,
    layout: layout!,
    networks,
    telecomIngressCidrs: telecomIngressCidrs.length > 0 ? telecomIngressCidrs : [vpcCidr],
    bastion: {
      enabled: bastionEnabled,
      instanceType: bastionInstanceType,
      ...(bastionKeyName ? { keyName: bastionKeyName } : {}),
      sshCidrs: bastionSshCidrs,
    },
    endpoint: {
      publicAccess: endpointPublicAccess,
      privateAccess: endpointPrivateAccess,
      publicAccessCidrs:
        endpointPublicAccess && endpointPublicAccessCidrs.length === 0
          ? ["0.0.0.0/0"]
          : endpointPublicAccessCidrs,
    },
    nodeGroup: {
      availabilityZones: nodeAvailabilityZones,
      instanceType: nodeInstanceType,
      desiredSize,
      minSize,
      maxSize,
      volumeSizeGb,
      ...(nodeKeyName ? { keyName: nodeKeyName } : {}),
      ...(amiId ? { amiId } : {}),
      maxPods,
      labels,
    },
    prefixReservations: prefixReservationEnabled
      ? planPrefixReservations(networks, nodeAvailabilityZones, maxSize)
      : [],
    tags,
    multus,
  };
}
