/** Completing the Auto Scaling lifecycle action, the one call that lets the instance go on. */

import { CompleteLifecycleActionCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { LambdaDeps } from "./deps";
import type { LifecycleAction } from "./events";

export type LifecycleResult = "CONTINUE" | "ABANDON";

/**
 * What Auto Scaling answers once the action is no longer open: completed by another delivery of
 * the same event (EventBridge delivers at least once, Lambda retries), or timed out.
 */
const NO_ACTIVE_ACTION = /No active Lifecycle Action found/i;

export function isNoActiveLifecycleAction(error: unknown): boolean {
  return error instanceof Error && error.name === "ValidationError" && NO_ACTIVE_ACTION.test(error.message);
}

/**
 * Sends the result. "completed": Auto Scaling took it; "already-completed": the action was no
 * longer open (an outcome, not a failure: throwing would make Lambda retry a finished action and
 * count an error). Any other error is thrown.
 */
export async function completeLifecycleAction(
  autoScaling: AutoScalingClient,
  action: LifecycleAction,
  result: LifecycleResult,
): Promise<"completed" | "already-completed"> {
  try {
    await autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: action.autoScalingGroupName,
        LifecycleHookName: action.lifecycleHookName,
        LifecycleActionToken: action.lifecycleActionToken,
        InstanceId: action.instanceId,
        LifecycleActionResult: result,
      }),
    );
    return "completed";
  } catch (error) {
    if (isNoActiveLifecycleAction(error)) return "already-completed";
    throw error;
  }
}

/** Completes the action; a failure is logged (without an outcome) and thrown, so Lambda retries. */
export async function finishLifecycleAction(
  deps: Pick<LambdaDeps, "autoScaling" | "logger">,
  action: LifecycleAction,
  result: LifecycleResult,
): Promise<"completed" | "already-completed"> {
  try {
    return await completeLifecycleAction(deps.autoScaling, action, result);
  } catch (error) {
    deps.logger.error("could not complete the lifecycle action; the invocation fails so Lambda retries it", {
      instanceId: action.instanceId,
      result,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    throw error;
  }
}
