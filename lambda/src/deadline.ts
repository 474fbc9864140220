/**
 * A per-invocation deadline for every AWS call, enforced inside the SDK's retry loop. Under
 * throttling the SDK would otherwise keep retrying until the function times out, leaving no time
 * to clean up and ABANDON. The launch work must finish before the clean-up reserve; the clean-up and
 * the lifecycle completion may use the rest, up to a final margin.
 */
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client, ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-ec2";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { CLEANUP_RESERVE_MS, FINAL_MARGIN_MS } from "./retry-settings";

export class DeadlineExceededError extends Error {
  constructor(phase: string) {
    super(`no time left for the ${phase} phase of this invocation (Lambda timeout approaching)`);
    // Not a name the SDK retries: the call fails at once instead of backing off again.
    this.name = "InvocationDeadlineExceeded";
  }
}

type Phase = "work" | "finish";

export class InvocationDeadline {
  private workUntil = Number.POSITIVE_INFINITY;
  private finishUntil = Number.POSITIVE_INFINITY;
  private phase: Phase = "work";

  constructor(private readonly clock: () => number = Date.now) {}

  /** Starts an invocation that has `remainingMs` before the Lambda runtime stops it. */
  begin(remainingMs: number): void {
    const now = this.clock();
    this.finishUntil = now + remainingMs - FINAL_MARGIN_MS;
    this.workUntil = Math.min(this.finishUntil, now + remainingMs - CLEANUP_RESERVE_MS);
    this.phase = "work";
  }

  /** Clean-up and lifecycle completion: they may use the reserve. */
  enterFinish(): void {
    this.phase = "finish";
  }

  end(): void {
    this.workUntil = Number.POSITIVE_INFINITY;
    this.finishUntil = Number.POSITIVE_INFINITY;
    this.phase = "work";
  }

  /** Time left for the launch work (infinite outside an invocation), for waits that must end in time. */
  workRemainingMs(): number {
    return this.workUntil - this.clock();
  }

  check(): void {
    const until = this.phase === "work" ? this.workUntil : this.finishUntil;
    if (this.clock() > until) throw new DeadlineExceededError(this.phase);
  }
}

/** Checks the deadline before every attempt (after the retry middleware, so each retry is checked). */
export function guardWithDeadline(client: EC2Client | AutoScalingClient, deadline: InvocationDeadline): void {
  // Both clients share the middleware stack's shape; one view of it keeps the types simple.
  const stack = client.middlewareStack as unknown as EC2Client["middlewareStack"];
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next) => async (args) => {
      deadline.check();
      return next(args);
    };
  stack.addRelativeTo(middleware, {
    relation: "after",
    toMiddleware: "retryMiddleware",
    name: "invocationDeadline",
    override: true,
  });
}
