/**
 * The worker node group: where it runs, its size, its instance type against the Multus networks
 * (ENI count, max pods, Nitro for eni-prefix) and its labels.
 */
import { instanceTypeProblems, tableFacts } from "../instance-type/facts";
import type { NetworkSpec } from "./networks";
import { Problems } from "./problems";
import { SettingReader } from "./reader";
import type { NodeGroupSettings } from "./settings";

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
/** EKS's own ceiling on kubelet max pods. */
const MAX_PODS_LIMIT = 737;

/**
 * "table": check the instance type against this program's table now (offline plan); "ec2": leave
 * those checks to the caller, which has EC2's facts (stacks/instance-type).
 */
export type InstanceTypeFactsMode = "table" | "ec2";

export function readNodeGroup(
  read: SettingReader,
  problems: Problems,
  availabilityZones: readonly string[],
  networkSpecs: readonly NetworkSpec[],
  instanceTypeFacts: InstanceTypeFactsMode = "table",
): NodeGroupSettings {
  const chosenZones = read.get("nodeAvailabilityZones");
  chosenZones.forEach((zone, index) => {
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
  if (maxPods < 0 || maxPods > MAX_PODS_LIMIT) {
    problems.add("nodeMaxPods", `${maxPods} must be 0 (derived) or from 1 to ${MAX_PODS_LIMIT}`);
  }
  const amiId = read.get("nodeAmiId");
  if (amiId && !AMI_ID.test(amiId)) {
    problems.add(
      "nodeAmiId",
      `"${amiId}" is not an AMI ID such as ami-0123456789abcdef0; leave it empty for the EKS-optimised AL2023 AMI`,
    );
  }

  const instanceType = read.get("nodeInstanceType");
  // With EC2's facts (pulumi preview/up, preflight) these checks run once the facts are in.
  if (instanceTypeFacts === "table") {
    const use = { instanceType, maxPods, networks: networkSpecs };
    for (const problem of instanceTypeProblems(use, tableFacts(instanceType))) {
      problems.add(problem.setting, problem.message);
    }
  }

  const keyName = read.get("nodeKeyName");
  return {
    availabilityZones: chosenZones.length > 0 ? chosenZones : availabilityZones.slice(0, 1),
    instanceType,
    desiredSize,
    minSize,
    maxSize,
    volumeSizeGb,
    ...(keyName ? { keyName } : {}),
    ...(amiId ? { amiId } : {}),
    maxPods,
    labels: readLabels(read, problems),
  };
}

function readLabels(read: SettingReader, problems: Problems): Record<string, string> {
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
  return labels;
}
