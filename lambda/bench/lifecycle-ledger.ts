/**
 * The chaos proxy's stand-in for Auto Scaling's CompleteLifecycleAction (moto answers HTTP 500,
 * not implemented). Like Auto Scaling, it accepts one completion per lifecycle action token and
 * answers later ones with ValidationError; every request is recorded with its instance ID.
 */

import { autoScalingError, completeLifecycleActionOk, type Reply } from "./aws-replies";

export type CompletionResult = "CONTINUE" | "ABANDON";

export interface Completion {
  instanceId: string;
  token: string;
  result: string;
  accepted: boolean;
  /** Epoch ms when the proxy received it. */
  atMs: number;
}

export class LifecycleLedger {
  readonly completions: Completion[] = [];
  private readonly completed = new Map<string, Completion>();

  complete(params: URLSearchParams): Reply {
    const instanceId = params.get("InstanceId") ?? "";
    const token = params.get("LifecycleActionToken") ?? "";
    const result = params.get("LifecycleActionResult") ?? "";
    if (result !== "CONTINUE" && result !== "ABANDON") {
      return autoScalingError(
        400,
        "ValidationError",
        `LifecycleActionResult must be CONTINUE or ABANDON (got ${result})`,
      );
    }
    const accepted = token.length > 0 && !this.completed.has(token);
    const completion = { instanceId, token, result, accepted, atMs: Date.now() };
    this.completions.push(completion);
    if (!accepted) {
      return autoScalingError(400, "ValidationError", `No active Lifecycle Action found with token ${token}`);
    }
    this.completed.set(token, completion);
    return completeLifecycleActionOk();
  }

  /** The accepted completion of an instance's action, if any. */
  acceptedFor(instanceId: string): Completion[] {
    return this.completions.filter(
      (completion) => completion.accepted && completion.instanceId === instanceId,
    );
  }

  requestsFor(instanceId: string): Completion[] {
    return this.completions.filter((completion) => completion.instanceId === instanceId);
  }
}
