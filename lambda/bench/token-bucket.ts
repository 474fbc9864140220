/**
 * EC2-style request throttling: one token bucket per API action (per account and region on EC2).
 * A request takes a token; an empty bucket answers RequestLimitExceeded; tokens refill at a fixed
 * rate up to the bucket size. Figures from the EC2 API throttling documentation (see the project's
 * anchors): they are defaults, every bucket is configurable.
 */

export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
}

export interface ThrottleTable {
  /** Buckets for named actions; the rest fall into `mutating` or `nonMutating` by their verb. */
  byAction: Record<string, BucketSpec>;
  mutating: BucketSpec;
  nonMutating: BucketSpec;
  /**
   * EC2's smaller bucket for the listed Describe actions when a request has neither a filter nor
   * pagination (each action keeps its own such bucket). Absent: those requests use `nonMutating`.
   */
  unfilteredNonMutating?: BucketSpec;
}

/** The Describe actions with a smaller bucket when unfiltered and unpaginated (EC2 throttling page). */
export const UNFILTERED_BUCKET_ACTIONS: readonly string[] = [
  "DescribeInstances",
  "DescribeInstanceStatus",
  "DescribeNetworkInterfaces",
  "DescribeSecurityGroups",
  "DescribeSnapshots",
  "DescribeSpotInstanceRequests",
  "DescribeVolumes",
];

export const EC2_THROTTLE_TABLE: ThrottleTable = {
  byAction: {
    CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
    DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
    ModifyNetworkInterfaceAttribute: { capacity: 100, refillPerSecond: 5 },
    CreateTags: { capacity: 100, refillPerSecond: 10 },
    // "Uncategorized actions" of the throttling page: each has its own bucket.
    AssignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
    UnassignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  },
  // AttachNetworkInterface and the other mutating calls.
  mutating: { capacity: 50, refillPerSecond: 5 },
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  unfilteredNonMutating: { capacity: 50, refillPerSecond: 10 },
};

const MUTATING_VERB = /^(Create|Delete|Attach|Detach|Modify|Assign|Unassign)/;

export function isMutatingAction(action: string): boolean {
  return MUTATING_VERB.test(action);
}

export function bucketSpecFor(table: ThrottleTable, action: string): BucketSpec {
  return table.byAction[action] ?? (isMutatingAction(action) ? table.mutating : table.nonMutating);
}

/** Whether a query-protocol request names a filter or asks for a page (MaxResults/NextToken). */
export function isFilteredOrPaginated(params: URLSearchParams): boolean {
  return [...params.keys()].some(
    (key) => key.startsWith("Filter.") || key === "MaxResults" || key === "NextToken",
  );
}

/**
 * The bucket a request takes its token from: its key (one bucket per key) and size. Unfiltered,
 * unpaginated requests of the listed Describe actions use their own, smaller bucket.
 */
export function requestBucket(
  table: ThrottleTable,
  action: string,
  params: URLSearchParams,
): { key: string; spec: BucketSpec } {
  if (
    table.unfilteredNonMutating &&
    UNFILTERED_BUCKET_ACTIONS.includes(action) &&
    !isFilteredOrPaginated(params)
  ) {
    return { key: `${action} (unfiltered)`, spec: table.unfilteredNonMutating };
  }
  return { key: action, spec: bucketSpecFor(table, action) };
}

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly spec: BucketSpec,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!(spec.capacity > 0) || !(spec.refillPerSecond > 0)) {
      throw new Error(
        `token bucket needs capacity > 0 and refillPerSecond > 0 (got ${JSON.stringify(spec)}); fix the throttle table`,
      );
    }
    this.tokens = spec.capacity;
    this.refilledAt = nowMs();
  }

  private refill(): void {
    const now = this.nowMs();
    const earned = ((now - this.refilledAt) / 1000) * this.spec.refillPerSecond;
    this.tokens = Math.min(this.spec.capacity, this.tokens + earned);
    this.refilledAt = now;
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  available(): number {
    this.refill();
    return this.tokens;
  }
}

/**
 * The earliest time (seconds from a full start) by which `calls` requests can all have passed a
 * bucket: the bucket's content goes at once, the rest at the refill rate.
 */
export function drainSeconds(calls: number, spec: BucketSpec): number {
  return Math.max(0, (calls - spec.capacity) / spec.refillPerSecond);
}
