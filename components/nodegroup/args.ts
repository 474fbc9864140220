/**
 * MultusNodeGroup's arguments: what a caller (the stack program, or anyone reusing the component)
 * gives it. Checked all at once before anything is declared (args-problems.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MultusNetwork } from "../model/network";
import type { PartitionInfo } from "../model/partition";
import { type InstanceNetworkLimits, instanceNetworkLimits } from "./max-pods";

export const DEFAULT_INSTANCE_TYPE = "c5.large";
export const DEFAULT_VOLUME_SIZE_GB = 20;

export interface MultusNodeGroupArgs {
  /** Partition of the stack's region: every ARN and service principal is built from it. */
  readonly partition: PartitionInfo;
  /** Region name, for the ARNs in the Lambda's policy. */
  readonly region: string;
  /** EKS cluster name: also fixes the group's and the Lambda's names. */
  readonly clusterName: string;
  /**
   * Prefix of the names fixed up front (Auto Scaling group, ENI Lambda and what hangs off it);
   * default: the cluster name. Each node group of a cluster needs its own.
   */
  readonly namePrefix?: string;
  /** Kubernetes version, for the EKS-optimised AL2023 AMI (ignored when `amiId` is set). */
  readonly kubernetesVersion: string;
  /** API server URL and base64 CA, as nodeadm wants them. */
  readonly clusterEndpoint: pulumi.Input<string>;
  readonly certificateAuthority: pulumi.Input<string>;
  /** The cluster's service CIDR (nodeadm's `cidr`). */
  readonly serviceCidr: string;
  /** The EKS cluster security group (control plane ENIs). */
  readonly clusterSecurityGroupId: pulumi.Input<string>;
  /** Resources that must exist before the access entry and the group (the EKS cluster). */
  readonly clusterDependencies?: pulumi.Resource[];

  readonly vpcId: pulumi.Input<string>;
  /** AZs the group spans, and the private subnet of each, in the same order. */
  readonly availabilityZones: readonly string[];
  readonly subnetIds: readonly pulumi.Input<string>[];
  /** The Multus networks; one ENI each, at its device index. */
  readonly networks: readonly MultusNetwork[];
  /** Multus subnet IDs by network name, then AZ (MultusVpc.multusSubnetIds). */
  readonly multusSubnetIds: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
  /** Security group of each Multus network's ENIs, by network name (MultusVpc.multusSecurityGroupIds). */
  readonly multusSecurityGroupIds: Readonly<Record<string, pulumi.Input<string>>>;
  /** KMS key of the ENI Lambda's log group; absent means CloudWatch Logs' own encryption. */
  readonly logsKmsKeyArn?: pulumi.Input<string>;
  /** Retention of the ENI Lambda's log group (default ENI_LAMBDA_LOG_RETENTION_DAYS). */
  readonly logRetentionDays?: number;

  /** Worker instance type (default c5.large). */
  readonly instanceType?: string;
  readonly desiredSize: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Root volume size in GiB (default 20). */
  readonly volumeSizeGb?: number;
  readonly keyName?: string;
  /** Explicit AMI; default: the EKS-optimised AL2023 AMI through its public SSM parameter. */
  readonly amiId?: string;
  /** kubelet maxPods; 0 or absent derives it from the instance type minus the Multus ENIs. */
  readonly maxPods?: number;
  /** The instance type's ENI limits as EC2 reports them; absent: this program's table. */
  readonly instanceLimits?: InstanceNetworkLimits;
  readonly labels?: Readonly<Record<string, string>>;
  /** Instance refresh: capacity kept healthy, in % of desired (default 100: surge one node first). */
  readonly refreshMinHealthyPercentage?: number;
  /** SNS topic the ENI Lambda's alarms notify (AlarmTopic). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** The sweeper's grace period for unattached ENIs (default: the Lambda's). */
  readonly sweepGraceMinutes?: number;
  /** Tags for every resource, and for every ENI the Lambda creates. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * IAM principal ARNs besides the identity running `pulumi up` that may delete or overwrite the
   * node files and change their bucket's policy (e.g. a second deploying role).
   */
  readonly nodeFilesAdminArns?: readonly string[];
}

/** The group's instance type's network limits: EC2's when the stack read them, else this program's table. */
export function groupInstanceLimits(args: MultusNodeGroupArgs): InstanceNetworkLimits | undefined {
  return args.instanceLimits ?? instanceNetworkLimits(args.instanceType ?? DEFAULT_INSTANCE_TYPE);
}
