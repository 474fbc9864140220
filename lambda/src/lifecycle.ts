/** Completing the Auto Scaling lifecycle action, the one call that lets the instance go on. */

import { CompleteLifecycleActionCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { LifecycleAction } from "./events";

export type LifecycleResult = "CONTINUE" | "ABANDON";

export async function completeLifecycleAction(
  autoScaling: AutoScalingClient,
  action: LifecycleAction,
  result: LifecycleResult,
): Promise<void> {
  await autoScaling.send(
    new CompleteLifecycleActionCommand({
      AutoScalingGroupName: action.autoScalingGroupName,
      LifecycleHookName: action.lifecycleHookName,
      LifecycleActionToken: action.lifecycleActionToken,
      InstanceId: action.instanceId,
      LifecycleActionResult: result,
    }),
  );
}
