/**
 * Rolling replacement of a node group's instances (an Auto Scaling instance refresh), started by
 * the provider whenever the launch template version changes: a new kubernetesVersion or AMI, new
 * user data, a new instance type. Refreshed instances go through the group's lifecycle hooks like
 * any other launch or termination, so every new node gets its Multus ENIs before it is InService.
 */

/** Boot, nodeadm join, Multus start and the startup taint's removal take about this long. */
export const REFRESH_INSTANCE_WARMUP_SECONDS = 180;

export interface RefreshPlanInput {
  /** The group's desired size. */
  readonly desiredSize: number;
  /** Capacity that must stay healthy, in % of desired; default 100 (never below desired). */
  readonly minHealthyPercentage?: number;
}

export interface RefreshPreferencesPlan {
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
  readonly instanceWarmup: string;
  readonly skipMatching: boolean;
  /**
   * No automatic rollback: EC2 Auto Scaling does not support it when the launch template's image
   * is an SSM parameter (our default AMI reference).
   */
  readonly autoRollback: boolean;
}

export interface RefreshPlan {
  readonly strategy: "Rolling";
  readonly preferences: RefreshPreferencesPlan;
}

/**
 * One node at a time. With the default minimum of 100 %, the group first launches one extra node
 * (a surge of one: max healthy = 100 % + one node, capped at EC2's 200 %), waits until it is
 * InService and warmed up, then terminates one old node; a one-node group thus never has zero
 * nodes. A lower minimum lets EC2 terminate first (terminate-and-launch), as many at a time as
 * the minimum allows.
 */
export function refreshPlan(input: RefreshPlanInput): RefreshPlan {
  const minHealthyPercentage = input.minHealthyPercentage ?? 100;
  const oneNode = Math.ceil(100 / Math.max(1, input.desiredSize));
  // EC2: 100 <= max <= 200, and max - min <= 100.
  const maxHealthyPercentage = minHealthyPercentage === 100 ? Math.min(200, 100 + oneNode) : 100;
  return {
    strategy: "Rolling",
    preferences: {
      minHealthyPercentage,
      maxHealthyPercentage,
      instanceWarmup: String(REFRESH_INSTANCE_WARMUP_SECONDS),
      skipMatching: true,
      autoRollback: false,
    },
  };
}

/** Problems with a minimum healthy percentage setting, for the settings reader. */
export function minHealthyPercentageProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= 100
    ? undefined
    : `${value} must be a whole percentage from 0 to 100 (100: launch a new node before terminating an old one)`;
}
