/**
 * The worker node groups: where each runs, its size, its instance type against the Multus
 * networks it attaches (ENI count, max pods, Nitro for eni-prefix), its labels and how it rolls.
 *
 * `nodeGroups` unset: one group, the blog's, from the node* settings. Set: a list of groups whose
 * fields default to the node* settings (and to every Multus network). Each group is checked on its
 * own: its device indexes against its own instance type.
 */
import { instanceTypeProblems, tableFacts } from "../instance-type/facts";
import { minHealthyPercentageProblem } from "../../components/nodegroup/refresh";
import { MAX_PODS_LIMIT, nodeLabelProblem } from "../../components/nodegroup/userdata-validation";
import type { NetworkSpec } from "./networks";
import { Problems } from "./problems";
import { SettingReader } from "./reader";
import type { NodeGroupSettings } from "./settings";

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
/** Short: it goes into the group's, the Lambda's and the queue's names. */
const GROUP_NAME = /^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/;

/**
 * "table": check each group's instance type against this program's table now (offline plan);
 * "ec2": leave those checks to the caller, which has EC2's facts (stacks/instance-type).
 */
export type InstanceTypeFactsMode = "table" | "ec2";

/** The group built from the node* settings; its resources keep the names they had before nodeGroups. */
export const DEFAULT_NODE_GROUP_NAME = "multus";

const GROUP_FIELDS = [
  "name",
  "instanceType",
  "desiredSize",
  "minSize",
  "maxSize",
  "availabilityZones",
  "networks",
  "volumeSizeGb",
  "keyName",
  "amiId",
  "maxPods",
  "labels",
  "refreshMinHealthyPercentage",
] as const;

/** Where a field of a group is set: a node* setting, or `nodeGroups[i].<field>`. */
type SettingOf = (field: (typeof GROUP_FIELDS)[number]) => string;

const NODE_SETTING: Record<(typeof GROUP_FIELDS)[number], string> = {
  name: "nodeGroups",
  instanceType: "nodeInstanceType",
  desiredSize: "nodeDesiredSize",
  minSize: "nodeMinSize",
  maxSize: "nodeMaxSize",
  availabilityZones: "nodeAvailabilityZones",
  networks: "networks",
  volumeSizeGb: "nodeVolumeSizeGb",
  keyName: "nodeKeyName",
  amiId: "nodeAmiId",
  maxPods: "nodeMaxPods",
  labels: "nodeLabels",
  refreshMinHealthyPercentage: "nodeRefreshMinHealthyPercentage",
};

export function readNodeGroups(
  read: SettingReader,
  problems: Problems,
  availabilityZones: readonly string[],
  networkSpecs: readonly NetworkSpec[],
  instanceTypeFacts: InstanceTypeFactsMode = "table",
): NodeGroupSettings[] {
  const checks: Checks = { availabilityZones, networkSpecs, instanceTypeFacts };
  const raw = read.get("nodeGroups");
  const listed = !(raw === undefined || (Array.isArray(raw) && raw.length === 0));
  // With a list, the node* settings are only defaults: each listed group is checked instead.
  const base = readBaseGroup(read, listed ? new Problems() : problems, checks);
  if (!listed) return [base];
  if (!Array.isArray(raw)) {
    problems.add(
      "nodeGroups",
      "must be a list of node groups, e.g. [{name: user-plane, networks: [ipvlan-conf-1]}]",
    );
    return [base];
  }
  const groups = raw.map((entry: unknown, index) => readListedGroup(entry, index, base, problems, checks));
  groups.forEach((group, index) => {
    if (groups.findIndex((other) => other.name === group.name) !== index) {
      problems.add(
        `nodeGroups[${index}].name`,
        `"${group.name}" is used by an earlier group: give each group its own name`,
      );
    }
  });
  return groups;
}

/** What every group is checked against. */
interface Checks {
  readonly availabilityZones: readonly string[];
  readonly networkSpecs: readonly NetworkSpec[];
  readonly instanceTypeFacts: InstanceTypeFactsMode;
}

function readBaseGroup(read: SettingReader, problems: Problems, checks: Checks): NodeGroupSettings {
  const { availabilityZones, networkSpecs } = checks;
  const chosenZones = read.get("nodeAvailabilityZones");
  const keyName = read.get("nodeKeyName");
  const amiId = read.get("nodeAmiId");
  const group: NodeGroupSettings = {
    name: DEFAULT_NODE_GROUP_NAME,
    availabilityZones: chosenZones.length > 0 ? chosenZones : availabilityZones.slice(0, 1),
    instanceType: read.get("nodeInstanceType"),
    desiredSize: read.get("nodeDesiredSize"),
    minSize: read.get("nodeMinSize"),
    maxSize: read.get("nodeMaxSize"),
    volumeSizeGb: read.get("nodeVolumeSizeGb"),
    ...(keyName ? { keyName } : {}),
    ...(amiId ? { amiId } : {}),
    maxPods: read.get("nodeMaxPods"),
    labels: readLabels(read.get("nodeLabels"), "nodeLabels", problems),
    // Duplicate network names are reported by the networks reader.
    networks: [...new Set(networkSpecs.map((spec) => spec.name))],
    refreshMinHealthyPercentage: read.get("nodeRefreshMinHealthyPercentage"),
  };
  // Zones are named in the node* setting only when given there (the default is always valid).
  checkGroup(group, chosenZones.length > 0, (field) => NODE_SETTING[field], problems, checks);
  return group;
}

function readListedGroup(
  entry: unknown,
  index: number,
  base: NodeGroupSettings,
  problems: Problems,
  checks: Checks,
): NodeGroupSettings {
  const at = (field: string) => `nodeGroups[${index}].${field}`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    problems.add(
      `nodeGroups[${index}]`,
      `must be an object such as {name: control-plane, instanceType: c5.large, networks: []}`,
    );
    return { ...base, name: `group-${index}` };
  }
  const fields = entry as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(GROUP_FIELDS as readonly string[]).includes(key)) {
      problems.add(at(key), `is not a node group field: use ${GROUP_FIELDS.join(", ")}`);
    }
  }
  const text = (field: (typeof GROUP_FIELDS)[number], fallback: string): string => {
    const value = fields[field];
    if (value === undefined) return fallback;
    if (typeof value === "string") return value.trim();
    problems.add(at(field), `must be a string, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const whole = (field: (typeof GROUP_FIELDS)[number], fallback: number): number => {
    const value = fields[field];
    if (value === undefined) return fallback;
    const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof number === "number" && Number.isInteger(number)) return number;
    problems.add(at(field), `must be a whole number, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const list = (field: "availabilityZones" | "networks", fallback: readonly string[]): string[] => {
    const value = fields[field];
    if (value === undefined) return [...fallback];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      return value.map((item: string) => item.trim());
    }
    problems.add(at(field), `must be a list of strings, got ${JSON.stringify(value)}`);
    return [...fallback];
  };

  const name = text("name", "");
  if (!GROUP_NAME.test(name)) {
    problems.add(
      at("name"),
      `${name ? `"${name}"` : "is missing: every group needs a name, and"} must be 1-16 lower-case letters, digits or '-', ` +
        `starting and ending with a letter or digit (it goes into the group's AWS resource names)`,
    );
  }
  let labels: Record<string, string> = { ...base.labels };
  if (fields.labels !== undefined) {
    if (typeof fields.labels === "object" && fields.labels !== null && !Array.isArray(fields.labels)) {
      labels = {};
      for (const [key, value] of Object.entries(fields.labels as Record<string, unknown>)) {
        if (typeof value !== "string") {
          problems.add(at(`labels.${key}`), `the value must be a string, got ${JSON.stringify(value)}`);
          continue;
        }
        const problem = nodeLabelProblem(key, value);
        if (problem !== undefined) {
          problems.add(at(`labels.${key}`), `${problem} (kubelet would not start with it)`);
        } else {
          labels[key] = value;
        }
      }
    } else {
      problems.add(at("labels"), "must be a map of label keys to values, e.g. {role: user-plane}");
    }
  }
  const keyName = text("keyName", base.keyName ?? "");
  const amiId = text("amiId", base.amiId ?? "");
  const group: NodeGroupSettings = {
    name,
    availabilityZones: list("availabilityZones", base.availabilityZones),
    instanceType: text("instanceType", base.instanceType),
    desiredSize: whole("desiredSize", base.desiredSize),
    minSize: whole("minSize", base.minSize),
    maxSize: whole("maxSize", base.maxSize),
    volumeSizeGb: whole("volumeSizeGb", base.volumeSizeGb),
    ...(keyName ? { keyName } : {}),
    ...(amiId ? { amiId } : {}),
    maxPods: whole("maxPods", base.maxPods),
    labels,
    networks: list("networks", base.networks),
    refreshMinHealthyPercentage: whole("refreshMinHealthyPercentage", base.refreshMinHealthyPercentage),
  };
  checkGroup(group, true, at, problems, checks);
  return group;
}

/** Every problem of one group, each named by the setting that holds the value. */
function checkGroup(
  group: NodeGroupSettings,
  checkZones: boolean,
  settingOf: SettingOf,
  problems: Problems,
  checks: Checks,
): void {
  const { availabilityZones, networkSpecs } = checks;
  if (checkZones) {
    if (group.availabilityZones.length === 0) {
      problems.add(
        settingOf("availabilityZones"),
        `is empty: name at least one of ${availabilityZones.join(", ")}`,
      );
    }
    group.availabilityZones.forEach((zone, index) => {
      if (!availabilityZones.includes(zone)) {
        problems.add(
          `${settingOf("availabilityZones")}[${index}]`,
          `"${zone}" is not one of availabilityZones (${availabilityZones.join(", ")})`,
        );
      } else if (group.availabilityZones.indexOf(zone) !== index) {
        problems.add(`${settingOf("availabilityZones")}[${index}]`, `"${zone}" is listed twice`);
      }
    });
  }
  const { desiredSize, minSize, maxSize } = group;
  if (minSize < 0 || maxSize < 1 || minSize > desiredSize || desiredSize > maxSize) {
    problems.add(
      settingOf("desiredSize"),
      `node sizes must satisfy 0 <= ${settingOf("minSize")} (${minSize}) <= ${settingOf("desiredSize")} (${desiredSize}) <= ${settingOf("maxSize")} (${maxSize}), with ${settingOf("maxSize")} >= 1`,
    );
  }
  if (group.volumeSizeGb < 20 || group.volumeSizeGb > 16384) {
    problems.add(
      settingOf("volumeSizeGb"),
      `${group.volumeSizeGb} must be from 20 (the EKS AMI's size) to 16384 GiB`,
    );
  }
  if (group.maxPods < 0 || group.maxPods > MAX_PODS_LIMIT) {
    problems.add(
      settingOf("maxPods"),
      `${group.maxPods} must be 0 (derived) or from 1 to ${MAX_PODS_LIMIT}, the most pods EKS recommends on any node`,
    );
  }
  if (group.amiId && !AMI_ID.test(group.amiId)) {
    problems.add(
      settingOf("amiId"),
      `"${group.amiId}" is not an AMI ID such as ami-0123456789abcdef0; leave it empty for the EKS-optimised AL2023 AMI`,
    );
  }
  const refreshProblem = minHealthyPercentageProblem(group.refreshMinHealthyPercentage);
  if (refreshProblem) problems.add(settingOf("refreshMinHealthyPercentage"), refreshProblem);

  const known = new Set(networkSpecs.map((spec) => spec.name));
  group.networks.forEach((network, index) => {
    if (!known.has(network)) {
      problems.add(
        `${settingOf("networks")}[${index}]`,
        `"${network}" is not a Multus network of this stack (${[...known].join(", ") || "none"})`,
      );
    } else if (group.networks.indexOf(network) !== index) {
      problems.add(`${settingOf("networks")}[${index}]`, `"${network}" is listed twice`);
    }
  });
  const attached = networkSpecs.filter((spec) => group.networks.includes(spec.name));
  const renamed: Record<string, string> = {
    nodeInstanceType: settingOf("instanceType"),
    nodeMaxPods: settingOf("maxPods"),
  };
  // With EC2's facts (pulumi preview/up, preflight) these checks run once the facts are in.
  if (checks.instanceTypeFacts === "table") {
    const use = { instanceType: group.instanceType, maxPods: group.maxPods, networks: attached };
    for (const problem of instanceTypeProblems(use, tableFacts(group.instanceType))) {
      problems.add(renamed[problem.setting] ?? problem.setting, problem.message);
    }
  }
}

function readLabels(entries: readonly string[], setting: string, problems: Problems): Record<string, string> {
  const labels: Record<string, string> = {};
  entries.forEach((entry, index) => {
    const [key, ...rest] = entry.split("=");
    const value = rest.join("=");
    const problem = entry.includes("=") ? nodeLabelProblem(key, value) : "must be key=value";
    if (problem !== undefined) {
      problems.add(`${setting}[${index}]`, `"${entry}": ${problem} (kubelet would not start with it)`);
    } else {
      labels[key] = value;
    }
  });
  return labels;
}

/** Zones where nodes with Multus ENIs run (AZ order of the stack): NADs and samples need them all. */
export function multusNodeZones(
  availabilityZones: readonly string[],
  groups: readonly NodeGroupSettings[],
): string[] {
  const attaching = groups.filter((group) => group.networks.length > 0);
  const zones = availabilityZones.filter((zone) =>
    attaching.some((group) => group.availabilityZones.includes(zone)),
  );
  return zones.length > 0 ? zones : [...(groups[0]?.availabilityZones ?? [])];
}

/** Nodes that attach Multus networks, as desired (the samples' and checks' node count). */
export function multusNodeCount(groups: readonly NodeGroupSettings[]): number {
  return groups
    .filter((group) => group.networks.length > 0)
    .reduce((sum, group) => sum + group.desiredSize, 0);
}
