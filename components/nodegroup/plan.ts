/**
 * The node group's decisions that need no engine: resource names fixed up front, the lifecycle
 * hooks, the EventBridge pattern, the AMI reference and the ENI Lambda's configuration document.
 */
import { createHash } from "crypto";
import type { LambdaConfigInput } from "../../lambda/src/config";
import {
  LAUNCH_DETAIL_TYPE,
  LAUNCH_TRANSITION,
  TERMINATE_DETAIL_TYPE,
  TERMINATE_TRANSITION,
} from "../../lambda/src/events";
import type { MultusNetwork } from "../model/network";

/**
 * How long an instance waits in Pending:Wait / Terminating:Wait for the Lambda. The Lambda's own
 * timeout (ENI_LAMBDA_TIMEOUT_SECONDS) stays below it, so a first attempt that times out still
 * leaves room for the async retry.
 */
export const LIFECYCLE_HEARTBEAT_SECONDS = 300;
/** An instance whose ENIs never arrive is replaced, not put in service without its Multus networks. */
export const LIFECYCLE_DEFAULT_RESULT = "ABANDON";
export const LAUNCH_HOOK_NAME = "multus-eni-launch";
export const TERMINATE_HOOK_NAME = "multus-eni-terminate";

/** Memory of the ENI Lambda: it only makes API calls, but more memory also buys CPU for the SDK. */
export const ENI_LAMBDA_MEMORY_MB = 256;
export const ENI_LAMBDA_LOG_RETENTION_DAYS = 30;
/** How often the sweeper looks for ENIs left behind by failed launches. */
export const SWEEP_SCHEDULE = "rate(10 minutes)";
/** A lifecycle event older than the heartbeat is useless: its action has already timed out. */
export const EVENT_MAX_AGE_SECONDS = LIFECYCLE_HEARTBEAT_SECONDS;

/** Lambda function names are at most 64 characters. */
const MAX_FUNCTION_NAME = 64;

export interface LifecycleHookSpec {
  readonly name: string;
  readonly lifecycleTransition: string;
  readonly heartbeatTimeout: number;
  readonly defaultResult: string;
}

/**
 * Declared on the group itself (initialLifecycleHooks), so even the first instances wait for their
 * ENIs; hooks created after the group would miss them.
 */
export function lifecycleHooks(): LifecycleHookSpec[] {
  return [
    {
      name: LAUNCH_HOOK_NAME,
      lifecycleTransition: LAUNCH_TRANSITION,
      heartbeatTimeout: LIFECYCLE_HEARTBEAT_SECONDS,
      defaultResult: LIFECYCLE_DEFAULT_RESULT,
    },
    {
      name: TERMINATE_HOOK_NAME,
      lifecycleTransition: TERMINATE_TRANSITION,
      heartbeatTimeout: LIFECYCLE_HEARTBEAT_SECONDS,
      defaultResult: LIFECYCLE_DEFAULT_RESULT,
    },
  ];
}

/** Fixed before the group exists, so the EventBridge rule that names it can be created first. */
export function autoScalingGroupName(clusterName: string): string {
  return `${clusterName}-multus-nodes`;
}

/** `<cluster>-multus-eni`, shortened with a hash of the cluster name when that is too long. */
export function eniLambdaName(clusterName: string): string {
  const full = `${clusterName}-multus-eni`;
  if (full.length <= MAX_FUNCTION_NAME) return full;
  const hash = createHash("sha256").update(clusterName).digest("hex").slice(0, 8);
  const suffix = `-${hash}-multus-eni`;
  return `${clusterName.slice(0, MAX_FUNCTION_NAME - suffix.length)}${suffix}`;
}

/** The log group Lambda writes to by default; created by the component to set its retention. */
export function eniLambdaLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

export interface LifecycleEventPattern {
  readonly source: string[];
  readonly "detail-type": string[];
  readonly detail: { readonly AutoScalingGroupName: string[] };
}

export function lifecycleEventPattern(groupName: string): LifecycleEventPattern {
  return {
    source: ["aws.autoscaling"],
    "detail-type": [LAUNCH_DETAIL_TYPE, TERMINATE_DETAIL_TYPE],
    detail: { AutoScalingGroupName: [groupName] },
  };
}

/** EC2 resolves `resolve:ssm:` image IDs in launch templates at launch: no lookup at deploy time. */
export function eksOptimizedAmiReference(kubernetesVersion: string): string {
  return `resolve:ssm:/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/x86_64/standard/recommended/image_id`;
}

export interface EniLambdaConfigPlan {
  readonly clusterName: string;
  /** `arn:<partition>:ec2:<region>:<account>:instance/`, for the ENIs' instance-ARN tag. */
  readonly instanceArnPrefix: string;
  readonly networks: readonly MultusNetwork[];
  /**
   * AZs the group launches in: the Lambda gets each network's subnet in each of them, and in no
   * other AZ. A group in one AZ thus gives its Lambda a one-AZ configuration, which spares it a
   * DescribeInstances per launch (singleAvailabilityZone in lambda/src/eni-plan.ts).
   */
  readonly availabilityZones: readonly string[];
  /** Resolved subnet IDs by network name, then AZ. */
  readonly subnetIds: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Resolved security group ID by network name: each network's ENIs get only their own group. */
  readonly securityGroupIds: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly sweepGraceMinutes?: number;
}

/** Each network's subnet in one AZ; throws naming the network when the VPC lacks it. */
export function multusSubnetId<Id>(
  subnetIds: Readonly<Record<string, Readonly<Record<string, Id>>>>,
  network: string,
  availabilityZone: string,
): Id {
  const id = subnetIds[network]?.[availabilityZone];
  if (id === undefined) {
    throw new Error(
      `Multus network "${network}" has no subnet in ${availabilityZone}: nodeAvailabilityZones must be AZs the VPC has Multus subnets in`,
    );
  }
  return id;
}

/** A network's security group; throws naming the network when the VPC has none for it. */
export function multusSecurityGroupId<Id>(
  securityGroupIds: Readonly<Record<string, Id>>,
  network: string,
): Id {
  const id = securityGroupIds[network];
  if (id === undefined) {
    throw new Error(
      `Multus network "${network}" has no security group: pass MultusVpc.multusSecurityGroupIds`,
    );
  }
  return id;
}

export function eniLambdaConfig(plan: EniLambdaConfigPlan): LambdaConfigInput {
  return {
    clusterName: plan.clusterName,
    instanceArnPrefix: plan.instanceArnPrefix,
    networks: plan.networks.map((network) => ({
      name: network.name,
      deviceIndex: network.deviceIndex,
      subnetIdsByAz: Object.fromEntries(
        plan.availabilityZones.map((zone) => [zone, multusSubnetId(plan.subnetIds, network.name, zone)]),
      ),
      securityGroupIds: [multusSecurityGroupId(plan.securityGroupIds, network.name)],
      prefixDelegation: network.ipam === "eni-prefix",
      ipam: network.ipam,
    })),
    tags: { ...plan.tags },
    ...(plan.sweepGraceMinutes === undefined ? {} : { sweepGraceMinutes: plan.sweepGraceMinutes }),
  };
}
