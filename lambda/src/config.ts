/**
 * The ENI-attach Lambda's configuration: one JSON document in the environment variable
 * MULTUS_ENI_CONFIG. The Pulumi component writes it with encodeLambdaConfig and the Lambda reads it
 * with parseLambdaConfig, so both sides share this one definition.
 */

import { LAMBDA_OWNED_TAG_KEYS } from "../../components/model/tags";

export const LAMBDA_CONFIG_ENV = "MULTUS_ENI_CONFIG";

export const DEFAULT_SWEEP_GRACE_MINUTES = 15;
/**
 * The sweeper judges an ENI's age by its instance's launch time (EC2 reports no ENI creation time),
 * so the grace period must outlast the launch lifecycle hook's 300 s heartbeat: otherwise it could
 * delete an ENI that a launch still in progress is about to attach.
 */
export const MIN_SWEEP_GRACE_MINUTES = 6;
/** EC2 allows 50 tags per resource; the Lambda writes five of its own. */
export const MAX_EXTRA_TAGS = 45;
/** EC2's adjustable ceiling for security groups per network interface. */
export const MAX_SECURITY_GROUPS_PER_ENI = 16;

/**
 * How pods on the network get their addresses (the settings' IPAM mode names). It decides whether
 * the Lambda turns off EC2's source/destination check: see disableSourceDestCheck in launch.ts.
 */
export const LAMBDA_IPAM_MODES = ["host-local", "eni-prefix", "vpc-ip"] as const;
export type LambdaIpamMode = (typeof LAMBDA_IPAM_MODES)[number];

export interface MultusNetworkConfig {
  /** Name of the Multus network (written to the multus-eks/network tag). */
  name: string;
  /** Device index on the instance; 0 is the primary ENI, so 1 or more. */
  deviceIndex: number;
  /** The network's subnet in each availability zone the node group may launch in. */
  subnetIdsByAz: Record<string, string>;
  securityGroupIds: string[];
  /** Ask EC2 for one /28 IPv4 prefix on the ENI (for pods that take addresses from it). */
  prefixDelegation: boolean;
  /** The network's IPAM mode; eni-prefix exactly when prefixDelegation is set. */
  ipam: LambdaIpamMode;
}

export interface LambdaConfig {
  clusterName: string;
  /**
   * `arn:<partition>:ec2:<region>:<account>:instance/`: with the instance ID, the value of the
   * instance-ARN tag of each ENI (the Lambda has no other source of its partition and account).
   */
  instanceArnPrefix: string;
  networks: MultusNetworkConfig[];
  /** Extra tags for every ENI the Lambda creates. */
  tags: Record<string, string>;
  sweepGraceMinutes: number;
}

/** Input accepted by encodeLambdaConfig: the optional fields may be left out. */
export type LambdaConfigInput = Omit<LambdaConfig, "tags" | "sweepGraceMinutes" | "networks"> &
  Partial<Pick<LambdaConfig, "tags" | "sweepGraceMinutes">> & {
    /** `ipam` may be left out: it then follows prefixDelegation (eni-prefix or host-local). */
    networks: (Omit<MultusNetworkConfig, "ipam"> & Partial<Pick<MultusNetworkConfig, "ipam">>)[];
  };

export class LambdaConfigError extends Error {
  constructor(field: string, problem: string) {
    super(
      `${LAMBDA_CONFIG_ENV}: ${field} ${problem}. Fix the Multus settings of the node group that builds this configuration.`,
    );
    this.name = "LambdaConfigError";
  }
}

const RESERVED_TAG_KEYS = new Set(LAMBDA_OWNED_TAG_KEYS);
const INSTANCE_ARN_PREFIX = /^arn:aws[a-z-]*:ec2:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:instance\/$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const AZ_NAME = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: Json): string {
  return JSON.stringify(value) ?? String(value);
}

function requireString(value: Json, field: string): string {
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new LambdaConfigError(field, `must be a non-empty string (got ${describe(value)})`);
  }
  return value;
}

function parseNetwork(value: Json, field: string): MultusNetworkConfig {
  if (!isRecord(value)) throw new LambdaConfigError(field, "must be an object");
  const name = requireString(value.name, `${field}.name`);
  const deviceIndex = value.deviceIndex;
  if (typeof deviceIndex !== "number" || !Number.isInteger(deviceIndex) || deviceIndex < 1) {
    throw new LambdaConfigError(
      `${field}.deviceIndex`,
      `must be an integer >= 1, since 0 is the primary ENI (got ${describe(deviceIndex)})`,
    );
  }
  const subnets = value.subnetIdsByAz;
  if (!isRecord(subnets) || Object.keys(subnets).length === 0) {
    throw new LambdaConfigError(
      `${field}.subnetIdsByAz`,
      'must map at least one AZ to a subnet ID, e.g. {"cn-northwest-1a": "subnet-0abc..."}',
    );
  }
  const subnetIdsByAz: Record<string, string> = {};
  for (const [az, subnetId] of Object.entries(subnets)) {
    if (!AZ_NAME.test(az)) {
      throw new LambdaConfigError(
        `${field}.subnetIdsByAz`,
        `has key ${describe(az)}, which is not an availability zone name such as cn-northwest-1a`,
      );
    }
    if (typeof subnetId !== "string" || !SUBNET_ID.test(subnetId)) {
      throw new LambdaConfigError(
        `${field}.subnetIdsByAz.${az}`,
        `must be a subnet ID such as subnet-0123abcd (got ${describe(subnetId)})`,
      );
    }
    subnetIdsByAz[az] = subnetId;
  }
  const groups = value.securityGroupIds;
  if (!Array.isArray(groups) || groups.length === 0 || groups.length > MAX_SECURITY_GROUPS_PER_ENI) {
    throw new LambdaConfigError(
      `${field}.securityGroupIds`,
      `must list 1 to ${MAX_SECURITY_GROUPS_PER_ENI} security group IDs`,
    );
  }
  groups.forEach((group, i) => {
    if (typeof group !== "string" || !SECURITY_GROUP_ID.test(group)) {
      throw new LambdaConfigError(
        `${field}.securityGroupIds[${i}]`,
        `must be a security group ID such as sg-0123abcd (got ${describe(group)})`,
      );
    }
  });
  if (typeof value.prefixDelegation !== "boolean") {
    throw new LambdaConfigError(
      `${field}.prefixDelegation`,
      `must be true or false (got ${describe(value.prefixDelegation)})`,
    );
  }
  return {
    name,
    deviceIndex,
    subnetIdsByAz,
    securityGroupIds: [...(groups as string[])],
    prefixDelegation: value.prefixDelegation,
    ipam: parseIpam(value.ipam, value.prefixDelegation, field),
  };
}

function parseIpam(value: Json, prefixDelegation: boolean, field: string): LambdaIpamMode {
  if (value === undefined) return prefixDelegation ? "eni-prefix" : "host-local";
  if (typeof value !== "string" || !(LAMBDA_IPAM_MODES as readonly string[]).includes(value)) {
    throw new LambdaConfigError(
      `${field}.ipam`,
      `must be one of ${LAMBDA_IPAM_MODES.join(", ")} (got ${describe(value)})`,
    );
  }
  const ipam = value as LambdaIpamMode;
  if ((ipam === "eni-prefix") !== prefixDelegation) {
    throw new LambdaConfigError(
      `${field}.prefixDelegation`,
      `must be ${ipam === "eni-prefix"} for ipam ${ipam}: only eni-prefix takes an IPv4 prefix on the ENI`,
    );
  }
  return ipam;
}

function parseTags(value: Json): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value))
    throw new LambdaConfigError("tags", "must be an object of string keys to string values");
  const entries = Object.entries(value);
  if (entries.length > MAX_EXTRA_TAGS) {
    throw new LambdaConfigError(
      "tags",
      `has ${entries.length} entries; EC2 allows ${MAX_EXTRA_TAGS} besides the Lambda's own`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of entries) {
    if (RESERVED_TAG_KEYS.has(key)) {
      throw new LambdaConfigError(`tags.${key}`, "is a key the Lambda sets itself; remove it");
    }
    if (key.toLowerCase().startsWith("aws:")) {
      throw new LambdaConfigError(`tags.${key}`, "uses the reserved aws: prefix; rename it");
    }
    if (typeof tagValue !== "string") {
      throw new LambdaConfigError(`tags.${key}`, `must be a string (got ${describe(tagValue)})`);
    }
    tags[key] = tagValue;
  }
  return tags;
}

function parseGraceMinutes(value: Json): number {
  if (value === undefined) return DEFAULT_SWEEP_GRACE_MINUTES;
  if (typeof value !== "number" || !Number.isFinite(value) || value < MIN_SWEEP_GRACE_MINUTES) {
    throw new LambdaConfigError(
      "sweepGraceMinutes",
      `must be a number >= ${MIN_SWEEP_GRACE_MINUTES}, longer than the lifecycle heartbeat of 300 s (got ${describe(value)})`,
    );
  }
  return value;
}

function requireUnique(networks: MultusNetworkConfig[], key: "name" | "deviceIndex"): void {
  const seen = new Map<string | number, number>();
  networks.forEach((network, i) => {
    const earlier = seen.get(network[key]);
    if (earlier !== undefined) {
      throw new LambdaConfigError(
        `networks[${i}].${key}`,
        `repeats networks[${earlier}].${key} (${describe(network[key])}); each network needs its own`,
      );
    }
    seen.set(network[key], i);
  });
}

/** Validates a configuration document; every error names the field at fault. */
export function parseLambdaConfig(text: string | undefined): LambdaConfig {
  if (text === undefined || text.trim().length === 0) {
    throw new LambdaConfigError(
      "(the variable itself)",
      "is not set; the node group component must set it to the encoded configuration",
    );
  }
  let document: Json;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new LambdaConfigError("(the variable itself)", `is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(document)) throw new LambdaConfigError("(the variable itself)", "must be a JSON object");
  const clusterName = requireString(document.clusterName, "clusterName");
  const instanceArnPrefix = requireString(document.instanceArnPrefix, "instanceArnPrefix");
  if (!INSTANCE_ARN_PREFIX.test(instanceArnPrefix)) {
    throw new LambdaConfigError(
      "instanceArnPrefix",
      `must be arn:<partition>:ec2:<region>:<account>:instance/ (got ${describe(instanceArnPrefix)})`,
    );
  }
  if (!Array.isArray(document.networks) || document.networks.length === 0) {
    throw new LambdaConfigError("networks", "must list at least one Multus network");
  }
  const networks = document.networks.map((network, i) => parseNetwork(network, `networks[${i}]`));
  requireUnique(networks, "name");
  requireUnique(networks, "deviceIndex");
  return {
    clusterName,
    instanceArnPrefix,
    networks,
    tags: parseTags(document.tags),
    sweepGraceMinutes: parseGraceMinutes(document.sweepGraceMinutes),
  };
}

/** Serialises (and validates, so a bad setting fails at preview, not in the Lambda) a configuration. */
export function encodeLambdaConfig(config: LambdaConfigInput): string {
  const text = JSON.stringify(config);
  return JSON.stringify(parseLambdaConfig(text));
}
