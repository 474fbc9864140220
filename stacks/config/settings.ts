/**
 * The one validated configuration object the program is built from.
 */
import type { AlarmNotification } from "../../components/nodegroup/alarms-plan";
import type { MultusNetwork } from "../../components/model/network";
import type { SubnetLayout } from "../../components/vpc/plan";
import type { AddressReservation } from "../../components/vpc/address-reservations";
import type { PrefixReservation } from "../../components/vpc/prefix-reservations";
import type { RegionInfo } from "../regions";
import type { MultusSettings } from "./multus";
import type { ConfigProblem } from "./problems";

/** The bastion's EKS access policy: read-only, namespace-scoped edit, or cluster admin. */
export type BastionClusterAccess = "view" | "edit" | "admin";

export interface BastionSettings {
  readonly enabled: boolean;
  readonly instanceType: string;
  /** SSH is opened only when both are set. */
  readonly keyName?: string;
  readonly sshCidrs: readonly string[];
  readonly clusterAccess: BastionClusterAccess;
  /** Namespace scope of the access entry; empty means cluster scope (never for edit). */
  readonly accessNamespaces: readonly string[];
}

export interface EndpointSettings {
  readonly publicAccess: boolean;
  readonly privateAccess: boolean;
  /** Empty exactly when public access is off (then no list may reach @pulumi/eks at all). */
  readonly publicAccessCidrs: readonly string[];
  /** "vpc": `pulumi up` runs from a network that reaches the private endpoint; "" when undeclared. */
  readonly deployFrom: DeployFrom;
}

export type DeployFrom = "" | "vpc";

/** Encryption and retention of what the stack stores. */
export interface DataProtectionSettings {
  /** Existing key for EKS secrets; undefined means the stack creates one with rotation. */
  readonly secretsKmsKeyArn?: string;
  readonly logRetentionDays: number;
  readonly logsKmsEnabled: boolean;
  /** Principals besides the deploying identity that may change the node files bucket. */
  readonly nodeFilesAdminArns: readonly string[];
}

export interface NodeGroupSettings {
  /** Unique in the stack; the default group (from the node* settings) is "multus". */
  readonly name: string;
  readonly availabilityZones: readonly string[];
  readonly instanceType: string;
  readonly desiredSize: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly volumeSizeGb: number;
  readonly keyName?: string;
  readonly amiId?: string;
  /** 0 means derive from the instance type. */
  readonly maxPods: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the Multus networks whose ENIs the group's nodes get (possibly none). */
  readonly networks: readonly string[];
  /** Instance refresh: capacity kept healthy, in % of desired (100: surge one node first). */
  readonly refreshMinHealthyPercentage: number;
}

export interface StackSettings {
  readonly project: string;
  readonly stack: string;
  readonly region: RegionInfo;
  readonly clusterName: string;
  readonly kubernetesVersion: string;
  /** The VPC CNI add-on version; "" means EKS's default at creation, then held. */
  readonly vpcCniVersion: string;
  readonly availabilityZones: readonly string[];
  readonly vpcCidr: string;
  readonly layout: SubnetLayout;
  readonly networks: readonly MultusNetwork[];
  readonly telecomIngressCidrs: readonly string[];
  readonly bastion: BastionSettings;
  readonly endpoint: EndpointSettings;
  readonly dataProtection: DataProtectionSettings;
  /** The first of nodeGroups (the blog's one group unless nodeGroups is set). */
  readonly nodeGroup: NodeGroupSettings;
  readonly nodeGroups: readonly NodeGroupSettings[];
  /** Where the ENI Lambdas' alarms go. */
  readonly alarmNotification: AlarmNotification;
  /** Subnet CIDR reservations for eni-prefix networks (empty when there are none or they are off). */
  readonly prefixReservations: readonly PrefixReservation[];
  /** Explicit subnet CIDR reservations over fixed ranges and pinned addresses. */
  readonly addressReservations: readonly AddressReservation[];
  readonly tags: Readonly<Record<string, string>>;
  readonly multus: MultusSettings;
  /** Valid but probably not what the user wants: printed by the plan and logged by `pulumi up`. */
  readonly warnings: readonly string[];
  /**
   * What `pulumi up` must refuse although the settings are consistent: the plan shows these, the
   * deployment (ParseContext.deploying) reports them with every other problem before declaring.
   */
  readonly deployBlockers: readonly ConfigProblem[];
}
