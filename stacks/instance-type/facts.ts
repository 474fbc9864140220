/**
 * What the program needs to know about the worker instance type (ENI and IPv4 limits, Nitro), where
 * it came from, and the checks of the Multus networks against it. Pure: the facts come either from
 * EC2 (DescribeInstanceTypes, through the provider at `pulumi preview`/`up` or the SDK in
 * preflight) or, for the offline plan only, from this program's table.
 */
import {
  instanceNetworkLimits,
  maxPodsProblems,
  NodeGroupProblem,
  resolveMaxPods,
} from "../../components/nodegroup/max-pods";
import { isNitroInstanceType } from "../../components/nodegroup/nitro";
import type { IpamMode } from "../../components/model/network";

export type FactsSource = "ec2" | "table";

export interface InstanceTypeFacts {
  readonly instanceType: string;
  /** Network interfaces the type can attach (all network cards together). */
  readonly maxEnis: number;
  readonly ipv4PerEni: number;
  /** ENI prefix delegation needs the Nitro system. */
  readonly nitro: boolean;
  /** EC2's own answer, or this program's table (offline plan only). */
  readonly source: FactsSource;
}

/** Facts by instance type: every node group's type at `pulumi up`, from EC2. */
export type InstanceFactsByType = Readonly<Record<string, InstanceTypeFacts>>;

/** The slice of settings these checks read. */
export interface InstanceTypeUse {
  readonly instanceType: string;
  /** 0: derive from the facts. */
  readonly maxPods: number;
  readonly networks: readonly {
    readonly name: string;
    readonly deviceIndex: number;
    readonly ipam: IpamMode;
  }[];
}

/** The table's figures and the family-name Nitro guess; undefined when the type is not listed. */
export function tableFacts(instanceType: string): InstanceTypeFacts | undefined {
  const limits = instanceNetworkLimits(instanceType);
  if (!limits) return undefined;
  return { instanceType, ...limits, nitro: isNitroInstanceType(instanceType), source: "table" };
}

/** The fields of DescribeInstanceTypes (SDK) or aws.ec2.getInstanceType (provider) used here. */
export interface Ec2InstanceTypeAnswer {
  readonly maximumNetworkInterfaces: number;
  readonly maximumIpv4AddressesPerInterface: number;
  /** "nitro" or "xen"; EC2 leaves it empty for bare metal, which is always Nitro. */
  readonly hypervisor?: string;
  readonly bareMetal?: boolean;
}

export function ec2Facts(instanceType: string, answer: Ec2InstanceTypeAnswer): InstanceTypeFacts {
  return {
    instanceType,
    maxEnis: answer.maximumNetworkInterfaces,
    ipv4PerEni: answer.maximumIpv4AddressesPerInterface,
    nitro: answer.hypervisor === "nitro" || answer.bareMetal === true,
    source: "ec2",
  };
}

/**
 * Every problem of the Multus networks on this type: device indexes within the ENI limit, a
 * derivable maxPods, Nitro for eni-prefix. `facts` undefined: the type is unknown (table mode).
 */
export function instanceTypeProblems(
  use: InstanceTypeUse,
  facts: InstanceTypeFacts | undefined,
): NodeGroupProblem[] {
  const problems = maxPodsProblems({
    instanceType: use.instanceType,
    maxPods: use.maxPods,
    multusDeviceIndexes: use.networks.map((network) => network.deviceIndex),
    ...(facts ? { limits: { maxEnis: facts.maxEnis, ipv4PerEni: facts.ipv4PerEni } } : {}),
  });
  const prefixNetworks = use.networks.filter((network) => network.ipam === "eni-prefix");
  const nitro = facts ? facts.nitro : isNitroInstanceType(use.instanceType);
  if (prefixNetworks.length > 0 && !nitro) {
    problems.push({
      setting: "nodeInstanceType",
      message:
        `${use.instanceType} is not a Nitro instance, but network(s) ${prefixNetworks.map((network) => network.name).join(", ")} use ipam "eni-prefix", ` +
        `which needs ENI prefix delegation (Nitro only): choose a Nitro type such as c5.large, or ipam "host-local"`,
    });
  }
  const vpcIpNetworks = use.networks.filter((network) => network.ipam === "vpc-ip");
  if (vpcIpNetworks.length > 0 && !facts && !instanceNetworkLimits(use.instanceType)) {
    problems.push({
      setting: "nodeInstanceType",
      message:
        `${use.instanceType}'s IPv4 addresses per ENI are unknown here (not in this program's table, and EC2 was not asked), ` +
        `but network(s) ${vpcIpNetworks.map((network) => network.name).join(", ")} use ipam "vpc-ip", whose room per node the nodes advertise from them: ` +
        `run with AWS credentials (pulumi preview and up read them from EC2), or choose a type the table lists such as c5.large`,
    });
  }
  return problems;
}

/** The kubelet maxPods the nodes get (throws naming the setting when it cannot be decided). */
export function nodeMaxPods(use: InstanceTypeUse, facts: InstanceTypeFacts | undefined): number {
  return resolveMaxPods({
    instanceType: use.instanceType,
    maxPods: use.maxPods,
    multusDeviceIndexes: use.networks.map((network) => network.deviceIndex),
    ...(facts ? { limits: { maxEnis: facts.maxEnis, ipv4PerEni: facts.ipv4PerEni } } : {}),
  });
}

/** Node AZs where the type is not offered, given the AZs that offer it. */
export function zonesNotOffering(nodeZones: readonly string[], offeredZones: readonly string[]): string[] {
  return nodeZones.filter((zone) => !offeredZones.includes(zone));
}

export function offeringProblem(
  instanceType: string,
  region: string,
  missing: readonly string[],
  offeredZones: readonly string[],
): NodeGroupProblem {
  return {
    setting: "nodeInstanceType",
    message:
      `${instanceType} is not offered in ${missing.join(", ")} (${region} offers it in ${offeredZones.length > 0 ? offeredZones.join(", ") : "no AZ"}): ` +
      `choose a type offered in every node AZ, or set nodeAvailabilityZones to AZs that offer it`,
  };
}

/** One line for reports: "c5.large: 3 ENIs × 10 IPv4, Nitro (EC2)". */
export function describeFacts(facts: InstanceTypeFacts): string {
  return (
    `${facts.instanceType}: ${facts.maxEnis} ENIs × ${facts.ipv4PerEni} IPv4, ${facts.nitro ? "Nitro" : "Xen"} ` +
    (facts.source === "ec2" ? "(from EC2)" : "(from this program's table; the family decides Nitro)")
  );
}
