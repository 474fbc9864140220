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
import { findRegion, REGIONS } from "../regions";
import { readAccess } from "./access";
import { readDataProtection } from "./data-protection";
import { checkCidrList } from "./cidr-list";
import { readMultusSettings } from "./multus";
import { readNetworkSpecs, resolveNetworks } from "./networks";
import { InstanceTypeFactsMode, multusNodeZones, readNodeGroups } from "./nodegroup";
import { parseAlarmNotification } from "../../components/nodegroup/alarms-plan";
import { readPrefixReservations } from "./prefixes";
import { readAddressReservations } from "./addresses";
import { hostLocalCrossNodeWarnings } from "../../components/networks/host-local-warning";
import { Problems } from "./problems";
import { RawConfig, SettingReader, closestSetting } from "./reader";
import { SETTINGS } from "./schema";
import { StackSettings } from "./settings";
import { readTags } from "./tags";

export interface ParseContext {
  readonly project: string;
  readonly stack: string;
  /** Where instance-type facts come from (default "table", the offline plan's source). */
  readonly instanceTypeFacts?: InstanceTypeFactsMode;
  /**
   * True for `pulumi preview`/`up` and the preflight: what a deployment must refuse (the
   * settings' deployBlockers) is reported with every other problem. False for the offline plan,
   * which shows them instead.
   */
  readonly deploying?: boolean;
}

export const REGION_KEY = "aws:region";

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const KUBERNETES_VERSION = /^1\.(\d+)$/;
/** EKS add-on versions: v<major>.<minor>.<patch>-eksbuild.<n>. */
const EKS_ADDON_VERSION = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;
/** Oldest minor version this program supports (AL2023 nodeadm, access entries). */
const MIN_KUBERNETES_MINOR = 30;
export function parseSettings(raw: RawConfig, context: ParseContext): StackSettings {
  const problems = new Problems();
  const read = new SettingReader(raw, problems);

  for (const key of Object.keys(raw)) {
    if (key !== REGION_KEY && !(key in SETTINGS)) {
      const suggestion = closestSetting(key);
      problems.add(
        key,
        `is not a setting of this project${suggestion ? `: did you mean "${suggestion}"?` : "; see docs/settings.md"}`,
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

  const vpcCniVersion = read.get("vpcCniVersion");
  if (vpcCniVersion && !EKS_ADDON_VERSION.test(vpcCniVersion)) {
    problems.add(
      "vpcCniVersion",
      `"${vpcCniVersion}" is not an EKS add-on version such as v1.20.4-eksbuild.1: npm run preflight lists the versions the region offers, or leave it empty for EKS's default`,
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

  const access = readAccess(read, problems);
  const dataProtection = readDataProtection(read, problems, region);
  const nodeGroups = readNodeGroups(
    read,
    problems,
    availabilityZones,
    networkSpecs,
    context.instanceTypeFacts,
  );
  const nodeGroup = nodeGroups[0];
  // Every zone a group with Multus ENIs runs in; eni-prefix room for every node any group may have.
  const nodeZones = multusNodeZones(availabilityZones, nodeGroups);
  const maxNodes = nodeGroups.reduce((sum, group) => sum + group.maxSize, 0);
  const alarm = parseAlarmNotification(
    read.get("alarmNotification"),
    region?.partition ?? "aws-cn",
    region?.name ?? "",
  );
  if ("problem" in alarm) problems.add("alarmNotification", alarm.problem);
  const tags = readTags(read, problems);

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
  const multus = readMultusSettings(read, problems, {
    region,
    networks,
    nodeZones,
  });
  const prefixReservations = readPrefixReservations(read, problems, networks, nodeZones, maxNodes);
  const addressReservations = readAddressReservations(
    problems,
    networks,
    nodeZones,
    multus,
    prefixReservations,
    // Worst case: every node of every group in one AZ, each group surging one node in a refresh.
    maxNodes + nodeGroups.length,
  );

  if (context.deploying) {
    for (const blocker of access.deployBlockers) problems.add(blocker.setting, blocker.message);
  }
  problems.throwIfAny();
  return {
    project: context.project,
    stack: context.stack,
    region: region!,
    clusterName,
    kubernetesVersion,
    vpcCniVersion,
    availabilityZones,
    vpcCidr,
    layout: layout!,
    networks,
    telecomIngressCidrs: access.telecomIngressCidrs.length > 0 ? access.telecomIngressCidrs : [vpcCidr],
    bastion: access.bastion,
    endpoint: access.endpoint,
    dataProtection,
    nodeGroup,
    nodeGroups,
    alarmNotification: "notification" in alarm ? alarm.notification : { kind: "none" },
    prefixReservations,
    addressReservations,
    tags,
    multus,
    warnings: hostLocalCrossNodeWarnings(networks, maxNodes),
    deployBlockers: access.deployBlockers,
  };
}
