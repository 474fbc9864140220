/**
 * Bounded waits for EC2 state changes, never a fixed sleep: `waitFor` backs off with full jitter for
 * a bounded number of checks; `pollUntil` follows a schedule made for the state it waits for and
 * stops at a deadline instead of after a number of checks.
 */

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
  constructor(what: string, lastSeen: string, after: string = `${STATE_WAIT_MAX_ATTEMPTS} checks`) {
    super(`gave up waiting for ${what} after ${after}; last seen: ${lastSeen}`);
    this.name = "WaitTimeoutError";
  }
}

export interface Probe<T> {
  /** The value once the wait is over, or a short description of the state seen so far. */
  (): Promise<{ done: true; value: T } | { done: false; seen: string }>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it reports done, at once and then with exponential backoff and full jitter.
 * `isTransient` decides which thrown errors (e.g. NotFound right after a create, under EC2's
 * eventual consistency) count as "not yet" rather than failure.
 */
export async function waitFor<T>(
  what: string,
  probe: Probe<T>,
  isTransient: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await backOff(
      async () => {
        const result = await probe();
        if (!result.done) throw new NotYet(result.seen);
        return result.value;
      },
      {
        numOfAttempts: STATE_WAIT_MAX_ATTEMPTS,
        startingDelay: STATE_WAIT_STARTING_DELAY_MS,
        timeMultiple: STATE_WAIT_TIME_MULTIPLE,
        maxDelay: STATE_WAIT_MAX_DELAY_MS,
        jitter: "full",
        retry: (error: unknown) => error instanceof NotYet || isTransient(error),
      },
    );
  } catch (error) {
    if (error instanceof NotYet) throw new WaitTimeoutError(what, error.lastSeen);
    throw error;
  }
}

export interface PollSchedule {
  /** Pause before the first check. */
  firstDelayMs: number;
  /** Pause after the `checks`-th check found the state not reached, `elapsedMs` into the wait. */
  nextDelayMs(checks: number, elapsedMs: number): number;
  /** Time left for the wait; it gives up rather than check (or sleep) past it. */
  remainingMs(): number;
}

/** Calls `probe` on `schedule` until it reports done or the schedule's time runs out. */
export async function pollUntil<T>(what: string, probe: Probe<T>, schedule: PollSchedule): Promise<T> {
  const started = Date.now();
  let delay = schedule.firstDelayMs;
  let lastSeen = "not checked yet";
  for (let checks = 0; ;) {
    if (delay >= schedule.remainingMs()) {
      throw new WaitTimeoutError(
        what,
        lastSeen,
        `${checks} checks in ${Date.now() - started} ms (no time left)`,
      );
    }
    if (delay > 0) await sleep(delay);
    const result = await probe();
    checks++;
    if (result.done) return result.value;
    lastSeen = result.seen;
    delay = schedule.nextDelayMs(checks, Date.now() - started);
  }
}
