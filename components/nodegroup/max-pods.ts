/**
 * kubelet maxPods for a node whose ENIs are shared between the Amazon VPC CNI and Multus.
 *
 * The VPC CNI gives pods secondary IPv4 addresses of the ENIs it manages: with E ENIs of A addresses
 * each, that is E × (A − 1) pods (each ENI's primary address is not handed out) plus 2 host-network
 * pods (kube-proxy, aws-node). The Multus ENIs carry the `no_manage` tag, so the CNI never uses them:
 * E is the instance type's ENI limit minus one ENI per Multus network.
 */
import { MAX_PODS_LIMIT } from "./userdata-validation";

export interface InstanceNetworkLimits {
  /** Network interfaces the type can attach (all network cards together). */
  readonly maxEnis: number;
  /** Private IPv4 addresses per interface. */
  readonly ipv4PerEni: number;
}

/** EC2's published limits for the types people commonly run Multus workers on. */
export const INSTANCE_NETWORK_LIMITS: Readonly<Record<string, InstanceNetworkLimits>> = {
  "t3.medium": { maxEnis: 3, ipv4PerEni: 6 },
  "t3.large": { maxEnis: 3, ipv4PerEni: 12 },
  "t3.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "t3.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c5.large": { maxEnis: 3, ipv4PerEni: 10 },
  "c5.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c5.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c5.4xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "c5.9xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "c5.12xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "c5.18xlarge": { maxEnis: 15, ipv4PerEni: 50 },
  "c5.24xlarge": { maxEnis: 15, ipv4PerEni: 50 },
  "c5n.large": { maxEnis: 3, ipv4PerEni: 10 },
  "c5n.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c5n.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c5n.4xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "c5n.9xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "c5n.18xlarge": { maxEnis: 15, ipv4PerEni: 50 },
  "c6i.large": { maxEnis: 3, ipv4PerEni: 10 },
  "c6i.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c6i.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "c6i.4xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "m5.large": { maxEnis: 3, ipv4PerEni: 10 },
  "m5.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "m5.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "m5.4xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "m5.8xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "m5.12xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "m5.24xlarge": { maxEnis: 15, ipv4PerEni: 50 },
  "m6i.large": { maxEnis: 3, ipv4PerEni: 10 },
  "m6i.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "m6i.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "m6i.4xlarge": { maxEnis: 8, ipv4PerEni: 30 },
  "r5.large": { maxEnis: 3, ipv4PerEni: 10 },
  "r5.xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "r5.2xlarge": { maxEnis: 4, ipv4PerEni: 15 },
  "r5.4xlarge": { maxEnis: 8, ipv4PerEni: 30 },
};

/** Host-network pods the formula adds on top of the CNI's addresses (kube-proxy, aws-node). */
const HOST_NETWORK_PODS = 2;

export interface MaxPodsInput {
  readonly instanceType: string;
  /** Explicit kubelet maxPods; 0 means derive it from the table. */
  readonly maxPods: number;
  /** Device indexes of the Multus ENIs (1, 2, ...). */
  readonly multusDeviceIndexes: readonly number[];
  /** The type's limits as EC2 reports them; absent: this program's table. */
  readonly limits?: InstanceNetworkLimits;
}

/** A problem with a node group setting, named by its project setting (e.g. `nodeInstanceType`). */
export interface NodeGroupProblem {
  readonly setting: string;
  readonly message: string;
}

export function instanceNetworkLimits(instanceType: string): InstanceNetworkLimits | undefined {
  return Object.prototype.hasOwnProperty.call(INSTANCE_NETWORK_LIMITS, instanceType)
    ? INSTANCE_NETWORK_LIMITS[instanceType]
    : undefined;
}

/** (ENIs − Multus ENIs) × (IPv4 per ENI − 1) + 2. */
export function derivedMaxPods(limits: InstanceNetworkLimits, multusEniCount: number): number {
  return (limits.maxEnis - multusEniCount) * (limits.ipv4PerEni - 1) + HOST_NETWORK_PODS;
}

/** Every problem with the instance type, the Multus ENIs it must hold, and maxPods. */
export function maxPodsProblems(input: MaxPodsInput): NodeGroupProblem[] {
  const problems: NodeGroupProblem[] = [];
  const limits = input.limits ?? instanceNetworkLimits(input.instanceType);
  const highestIndex = Math.max(0, ...input.multusDeviceIndexes);
  if (limits && highestIndex + 1 > limits.maxEnis) {
    problems.push({
      setting: "nodeInstanceType",
      message:
        `${input.instanceType} attaches at most ${limits.maxEnis} ENIs, but the Multus networks need device ` +
        `index ${highestIndex} (the primary ENI plus ${input.multusDeviceIndexes.length} Multus ENI(s)): ` +
        `choose a type with at least ${highestIndex + 1} ENIs, or fewer Multus networks`,
    });
  }
  if (!limits && input.maxPods === 0) {
    problems.push({
      setting: "nodeMaxPods",
      message:
        `is 0 (derive) but the ENI limits of nodeInstanceType ${input.instanceType} are not in this ` +
        `program's table: set nodeMaxPods to (ENIs − ${input.multusDeviceIndexes.length}) × ` +
        `(IPv4 addresses per ENI − 1) + 2 for ${input.instanceType}`,
    });
  }
  return problems;
}

/**
 * The kubelet maxPods to configure; throws naming the setting when it cannot be decided. A derived
 * value stops at MAX_PODS_LIMIT: EKS recommends at most 250 pods on any node, whatever its ENIs
 * could hold (the EKS user guide's maximum-Pods page and its max-pods calculator), and the user
 * data refuses more.
 */
export function resolveMaxPods(input: MaxPodsInput): number {
  const problems = maxPodsProblems(input);
  if (problems.length > 0) {
    throw new Error(problems.map((problem) => `${problem.setting}: ${problem.message}`).join("\n"));
  }
  if (input.maxPods > 0) return input.maxPods;
  const limits = input.limits ?? instanceNetworkLimits(input.instanceType)!;
  return Math.min(MAX_PODS_LIMIT, derivedMaxPods(limits, input.multusDeviceIndexes.length));
}
