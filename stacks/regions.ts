/**
 * The regions this program knows. Everything partition-specific (ARN prefix, service DNS suffix,
 * EKS add-on image registry) is read from here, never written as a literal elsewhere.
 */

export interface RegionInfo {
  readonly name: string;
  readonly partition: "aws" | "aws-cn";
  /** Suffix of service endpoints and principals: `ec2.${dnsSuffix}`. */
  readonly dnsSuffix: string;
  /** Account that hosts the EKS add-on images (VPC CNI, Multus) in this region's ECR. */
  readonly eksImageAccount: string;
  readonly availabilityZones: readonly string[];
  readonly description: string;
}

const CHINA_SUFFIX = ["amazonaws", "com", "cn"].join(".");
const GLOBAL_SUFFIX = ["amazonaws", "com"].join(".");

function region(
  name: string,
  partition: RegionInfo["partition"],
  eksImageAccount: string,
  zones: string,
  description: string,
): RegionInfo {
  return {
    name,
    partition,
    dnsSuffix: partition === "aws-cn" ? CHINA_SUFFIX : GLOBAL_SUFFIX,
    eksImageAccount,
    availabilityZones: zones.split("").map((letter) => `${name}${letter}`),
    description,
  };
}

export const REGIONS: readonly RegionInfo[] = [
  region("cn-northwest-1", "aws-cn", "961992271922", "abc", "China (Ningxia)"),
  region("cn-north-1", "aws-cn", "918309763551", "abd", "China (Beijing)"),
  region("us-east-1", "aws", "602401143452", "abcdef", "US East (N. Virginia)"),
  region("us-east-2", "aws", "602401143452", "abc", "US East (Ohio)"),
  region("us-west-2", "aws", "602401143452", "abcd", "US West (Oregon)"),
  region("eu-west-1", "aws", "602401143452", "abc", "Europe (Ireland)"),
  region("eu-central-1", "aws", "602401143452", "abc", "Europe (Frankfurt)"),
  region("ap-northeast-1", "aws", "602401143452", "acd", "Asia Pacific (Tokyo)"),
  region("ap-southeast-1", "aws", "602401143452", "abc", "Asia Pacific (Singapore)"),
];

export function findRegion(name: string): RegionInfo | undefined {
  return REGIONS.find((candidate) => candidate.name === name);
}

/**
 * Services whose IAM service principal in the China partition ends in the China DNS suffix. Every
 * other service (lambda, events, eks, autoscaling, ...) keeps the global form even in China.
 */
const CHINA_SUFFIXED_PRINCIPALS: ReadonlySet<string> = new Set(["ec2", "s3"]);

/** The IAM service principal of `service` in this region's partition (e.g. `ec2.amazonaws.com.cn` in China). */
export function servicePrincipal(regionInfo: RegionInfo, service: string): string {
  const suffix =
    regionInfo.partition === "aws-cn" && CHINA_SUFFIXED_PRINCIPALS.has(service) ? CHINA_SUFFIX : GLOBAL_SUFFIX;
  return `${service}.${suffix}`;
}

/** Principals that are wrong in the China partition: the global form of a China-suffixed service. */
export function globalOnlyPrincipals(): string[] {
  return [...CHINA_SUFFIXED_PRINCIPALS].map((service) => `${service}.${GLOBAL_SUFFIX}`);
}

/** The regional ECR registry that serves EKS add-on images. */
export function eksImageRegistry(regionInfo: RegionInfo): string {
  return `${regionInfo.eksImageAccount}.dkr.ecr.${regionInfo.name}.${regionInfo.dnsSuffix}`;
}

export function arnPrefix(regionInfo: RegionInfo): string {
  return `arn:${regionInfo.partition}`;
}
