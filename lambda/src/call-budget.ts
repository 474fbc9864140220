/**
 * What a launch costs in AWS calls, counted the way EC2 throttles them: mutating calls draw on the
 * small per-action buckets (Create/Delete/Modify 100 + 5/s, Attach 50 + 5/s) that bound a burst of
 * launches; non-mutating ones (Describe) on a bucket of their own (100 + 20/s). Pure, for the plan
 * report and the benchmarks; handleLaunch (launch.ts) makes these calls.
 */

import type { LambdaConfig } from "./config";
import { singleAvailabilityZone } from "./eni-plan";

/** EC2's non-mutating API verbs; every other call the Lambda makes changes state. */
const NON_MUTATING_VERB = /^(Describe|Get|List)/;

export function isMutatingCall(operation: string): boolean {
  return !NON_MUTATING_VERB.test(operation);
}

/** Calls by kind, from a count per operation (a CallLog's byOperation()). */
export function callsByKind(calls: Record<string, number>): { mutating: number; nonMutating: number } {
  let mutating = 0;
  let nonMutating = 0;
  for (const [operation, count] of Object.entries(calls)) {
    if (isMutatingCall(operation)) mutating += count;
    else nonMutating += count;
  }
  return { mutating, nonMutating };
}

/** Mutating calls per ENI whatever the IPAM: create, attach, DeleteOnTermination. */
export const MUTATING_CALLS_PER_ENI = 3;

/** What a launch costs when nothing fails and no earlier delivery left anything behind. */
export interface HappyPathCalls {
  /** Create, attach and DeleteOnTermination per ENI, the source/dest check per host-local ENI, CompleteLifecycleAction. */
  mutating: number;
  /** 3 x networks + 1: what a launch needs whatever the IPAM. */
  mutatingBound: number;
  /** Source/dest-check calls (one per host-local network): the mutating calls over the bound. */
  sourceDestChecks: number;
  /** The fewest non-mutating calls: one attachment check, and DescribeInstances when it is made. */
  nonMutating: number;
  /** Whether the launch asks EC2 for the instance's AZ (several AZs in the configuration). */
  describesInstance: boolean;
}

/**
 * The calls handleLaunch makes on the happy path. The source/dest check cannot share a call:
 * ModifyNetworkInterfaceAttribute sets one attribute per call ("You can specify only one attribute
 * at a time", EC2 API reference), DeleteOnTermination is an attribute of the attachment (so it
 * follows the attach), and CreateNetworkInterface takes neither. More attachment checks are made
 * while EC2 is still attaching (attachment-wait.ts).
 */
export function happyPathCalls(config: Pick<LambdaConfig, "networks">): HappyPathCalls {
  const describesInstance = singleAvailabilityZone(config) === undefined;
  const n = config.networks.length;
  const sourceDestChecks = config.networks.filter((network) => network.ipam === "host-local").length;
  const mutatingBound = MUTATING_CALLS_PER_ENI * n + 1;
  return {
    mutating: mutatingBound + sourceDestChecks,
    mutatingBound,
    sourceDestChecks,
    nonMutating: 1 + (describesInstance ? 1 : 0),
    describesInstance,
  };
}
