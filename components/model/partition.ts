/**
 * Partition-aware names. Every ARN, service principal and endpoint in this program comes from here,
 * so the China partition (aws-cn, amazonaws.com.cn) is never an afterthought.
 */

export interface PartitionInfo {
  readonly partition: "aws" | "aws-cn";
  /** Suffix of service endpoints: `ec2.${region}.${dnsSuffix}`. */
  readonly dnsSuffix: string;
}

export const CHINA_DNS_SUFFIX = ["amazonaws", "com", "cn"].join(".");
export const GLOBAL_DNS_SUFFIX = ["amazonaws", "com"].join(".");

export function partitionInfo(partition: PartitionInfo["partition"]): PartitionInfo {
  return { partition, dnsSuffix: partition === "aws-cn" ? CHINA_DNS_SUFFIX : GLOBAL_DNS_SUFFIX };
}

/**
 * Services whose IAM service principal in the China partition ends in the China DNS suffix. Every
 * other service (lambda, events, eks, autoscaling, ...) keeps the global form even in China.
 */
const CHINA_SUFFIXED_PRINCIPALS: ReadonlySet<string> = new Set(["ec2", "s3"]);

/** The IAM service principal of `service` in this partition (e.g. `ec2.amazonaws.com.cn` in China). */
export function servicePrincipal(info: PartitionInfo, service: string): string {
  const suffix =
    info.partition === "aws-cn" && CHINA_SUFFIXED_PRINCIPALS.has(service)
      ? CHINA_DNS_SUFFIX
      : GLOBAL_DNS_SUFFIX;
  return `${service}.${suffix}`;
}

/** Principals that are wrong in the China partition: the global form of a China-suffixed service. */
export function globalOnlyPrincipals(): string[] {
  return [...CHINA_SUFFIXED_PRINCIPALS].map((service) => `${service}.${GLOBAL_DNS_SUFFIX}`);
}

/** `arn:<partition>:iam::aws:policy/<name>` */
export function managedPolicyArn(info: PartitionInfo, name: string): string {
  return `arn:${info.partition}:iam::aws:policy/${name}`;
}

export function arn(
  info: PartitionInfo,
  service: string,
  region: string,
  account: string,
  resource: string,
): string {
  return `arn:${info.partition}:${service}:${region}:${account}:${resource}`;
}

/** EKS access policies live under the `eks` service with no region or account. */
export function eksAccessPolicyArn(info: PartitionInfo, name: string): string {
  return `arn:${info.partition}:eks::aws:cluster-access-policy/${name}`;
}

/** A regional service principal, e.g. `logs.cn-north-1.amazonaws.com.cn` (CloudWatch Logs in KMS key policies). */
export function regionalServicePrincipal(info: PartitionInfo, service: string, region: string): string {
  return `${service}.${region}.${info.dnsSuffix}`;
}

/**
 * The audience of EKS service account tokens for IAM roles for service accounts. It is the global
 * STS name in every partition, China included: @pulumi/eks registers the cluster's OIDC provider
 * with this one client ID everywhere, and eksctl switched its China default to it (eksctl PR #1912).
 */
export function irsaAudience(): string {
  return `sts.${GLOBAL_DNS_SUFFIX}`;
}
