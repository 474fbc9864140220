/**
 * The regions this program knows. Everything partition-specific (ARN prefix, service DNS suffix,
 * EKS add-on image registry) is read from here and components/model/partition.ts, never written
 * as a literal elsewhere.
 */
import { PartitionInfo, partitionInfo } from "../components/model/partition";

export interface RegionInfo extends PartitionInfo {
  readonly name: string;
  /** Account that hosts the EKS add-on images (VPC CNI, Multus) in this region's ECR. */
  readonly eksImageAccount: string;
  readonly availabilityZones: readonly string[];
  readonly description: string;
}

function region(
  name: string,
  partition: PartitionInfo["partition"],
  eksImageAccount: string,
  zoneLetters: string,
  description: string,
): RegionInfo {
  return {
    name,
    ...partitionInfo(partition),
    eksImageAccount,
    availabilityZones: zoneLetters.split("").map((letter) => `${name}${letter}`),
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

/** The regional ECR registry that serves EKS add-on images. */
export function eksImageRegistry(info: RegionInfo): string {
  return `${info.eksImageAccount}.dkr.ecr.${info.name}.${info.dnsSuffix}`;
}
