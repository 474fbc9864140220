/**
 * Which request the chaos proxy breaks, and how. Two kinds of fault, both reproducible from a seed:
 * - targeted: the k-th request (attempt) of one action fails in a chosen mode;
 * - random: any request fails with probability p (HTTP 500 or 503, before or after the upstream
 *   performed it).
 */

import { SeededRandom } from "./seeded-random";

/**
 * before: the request never reaches the emulator (nothing happened);
 * after: the emulator performed it, the answer is lost and replaced by a 5xx (the nasty case);
 * throttle-storm: this and the following stormLength-1 requests of the action get RequestLimitExceeded;
 * refused: this and every later request of the action get UnauthorizedOperation (HTTP 403), as when
 *   IAM denies the call: no retry or redelivery can get past it, so the launch must be abandoned.
 */
export type FaultMode = "before" | "after" | "throttle-storm" | "refused";
/** Faults that a retry or a redelivery can get past. */
export const TRANSIENT_FAULT_MODES: readonly FaultMode[] = ["before", "after", "throttle-storm"];
export const FAULT_MODES: readonly FaultMode[] = [...TRANSIENT_FAULT_MODES, "refused"];

export interface TargetedFault {
  action: string;
  /** 1-based count of requests of `action` seen by the proxy, retries included. */
  occurrence: number;
  mode: FaultMode;
  /** Requests answered RequestLimitExceeded in a throttle storm (default 1). */
  stormLength?: number;
}

export type FaultDecision =
  | { kind: "pass" }
  | { kind: "throttle"; targeted: boolean }
  | { kind: "refuse"; targeted: true }
  | { kind: "fail-before"; status: 500 | 503; targeted: boolean }
  | { kind: "fail-after"; status: 500 | 503; targeted: boolean };

export class FaultInjector {
  private readonly seen = new Map<string, number>();
  private readonly random: SeededRandom;
  /** Targeted faults that have fired, in order, with the request number they hit. */
  readonly fired: { fault: TargetedFault; request: number }[] = [];
  randomFaults = 0;

  constructor(
    private readonly targeted: readonly TargetedFault[],
    private readonly randomErrorRate: number,
    seed: string | number,
  ) {
    if (!(randomErrorRate >= 0 && randomErrorRate < 1)) {
      throw new Error(
        `randomErrorRate must be in [0, 1) (got ${randomErrorRate}); it is a probability per request`,
      );
    }
    for (const fault of targeted) {
      if (!Number.isInteger(fault.occurrence) || fault.occurrence < 1) {
        throw new Error(
          `fault on ${fault.action}: occurrence must be an integer >= 1 (got ${fault.occurrence})`,
        );
      }
    }
    this.random = new SeededRandom(seed);
  }

  /** Called once per request the proxy receives, in arrival order. */
  decide(action: string): FaultDecision {
    const request = (this.seen.get(action) ?? 0) + 1;
    this.seen.set(action, request);
    for (const fault of this.targeted) {
      if (fault.action !== action) continue;
      if (fault.mode === "refused") {
        if (request < fault.occurrence) continue;
        if (request === fault.occurrence) this.fired.push({ fault, request });
        return { kind: "refuse", targeted: true };
      }
      const length = fault.mode === "throttle-storm" ? Math.max(1, fault.stormLength ?? 1) : 1;
      if (request < fault.occurrence || request >= fault.occurrence + length) continue;
      if (request === fault.occurrence) this.fired.push({ fault, request });
      if (fault.mode === "throttle-storm") return { kind: "throttle", targeted: true };
      return { kind: fault.mode === "before" ? "fail-before" : "fail-after", status: 503, targeted: true };
    }
    // Always draw, so the random faults depend only on the order of requests, not on the targeted ones.
    const roll = this.random.next();
    const status: 500 | 503 = this.random.chance(0.5) ? 500 : 503;
    const after = this.random.chance(0.5);
    if (roll < this.randomErrorRate) {
      this.randomFaults++;
      return { kind: after ? "fail-after" : "fail-before", status, targeted: false };
    }
    return { kind: "pass" };
  }

  requestsSeen(action: string): number {
    return this.seen.get(action) ?? 0;
  }
}
