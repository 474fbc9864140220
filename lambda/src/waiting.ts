/** Bounded waits for EC2 state changes: exponential backoff with full jitter, never a fixed sleep. */

import { backOff } from "exponential-backoff";
import {
  STATE_WAIT_MAX_ATTEMPTS,
  STATE_WAIT_MAX_DELAY_MS,
  STATE_WAIT_STARTING_DELAY_MS,
  STATE_WAIT_TIME_MULTIPLE,
} from "./retry-settings";

class NotYet extends Error {
  constructor(readonly lastSeen: string) {
    super(lastSeen);
  }
}

export class WaitTimeoutError extends Error {
  constructor(what: string, lastSeen: string) {
    super(`gave up waiting for ${what} after ${STATE_WAIT_MAX_ATTEMPTS} checks; last seen: ${lastSeen}`);
    this.name = "WaitTimeoutError";
  }
}

export interface Probe<T> {
  /** The value once the wait is over, or a short description of the state seen so far. */
  (): Promise<{ done: true; value: T } | { done: false; seen: string }>;
}

export interface WaitSchedule {
  /** Pause before the first check (default: check at once). */
  firstDelayMs?: number;
  /** Pause before the second check, doubled for each later one (default STATE_WAIT_STARTING_DELAY_MS). */
  delayMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it reports done. `isTransient` decides which thrown errors (e.g. NotFound
 * right after a create, under EC2's eventual consistency) count as "not yet" rather than failure.
 * With a schedule the pauses are exact (no jitter): it is used where the expected time is known.
 */
export async function waitFor<T>(
  what: string,
  probe: Probe<T>,
  isTransient: (error: unknown) => boolean,
  schedule?: WaitSchedule,
): Promise<T> {
  if (schedule?.firstDelayMs) await sleep(schedule.firstDelayMs);
  try {
    return await backOff(
      async () => {
        const result = await probe();
        if (!result.done) throw new NotYet(result.seen);
        return result.value;
      },
      {
        numOfAttempts: STATE_WAIT_MAX_ATTEMPTS,
        startingDelay: schedule?.delayMs ?? STATE_WAIT_STARTING_DELAY_MS,
        timeMultiple: STATE_WAIT_TIME_MULTIPLE,
        maxDelay: STATE_WAIT_MAX_DELAY_MS,
        jitter: schedule ? "none" : "full",
        retry: (error: unknown) => error instanceof NotYet || isTransient(error),
      },
    );
  } catch (error) {
    if (error instanceof NotYet) throw new WaitTimeoutError(what, error.lastSeen);
    throw error;
  }
}
