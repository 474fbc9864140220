/**
 * Every retry and wait setting of the Lambda, in one place, so a load or fault-injection benchmark
 * can read (and a reviewer can check) the worst case against the lifecycle hook's 300 s heartbeat.
 *
 * SDK retries (retry-strategy.ts): the SDK's standard strategy (its retry quota, its choice of
 * retryable errors) with full-jitter exponential backoff from 250 ms, capped at 4 s instead of the
 * SDK's 20 s.
 *
 * The invocation deadline (deadline.ts), not the attempt count, bounds how long a launch keeps
 * retrying: the launch work stops CLEANUP_RESERVE_MS before the function's timeout, and the clean-up
 * and the lifecycle completion use that reserve. The attempt count only has to be high enough never
 * to give up first. Measured with the burst benchmark (npm run bench:burst: 100 launches at once,
 * EC2's token buckets):
 * - with the SDK's 20 s cap, 6 attempts gave up after about 15 s (70 of 100 launches abandoned
 *   while the Modify bucket needed 60 s), 10 completed 98 to 100, 20 all; but the callers' long
 *   sleeps left buckets idle: the last CONTINUE came 1.4-1.6x after the binding bucket's bound;
 * - with a 4 s cap the buckets stay busy (1.1-1.2x the bound) at the price of more throttled
 *   requests; a 2 s cap with 20 attempts abandoned 10 of 100, so 50 attempts (about 100 s of
 *   retrying) leave the decision to the deadline again. Each retry costs 5 of the client's 500
 *   retry tokens, and a container handles one event at a time.
 *
 * Why not "adaptive": its client-side rate limiter drops to 0.5 requests/s after a few throttles and
 * stays low for the life of the client (a warm Lambda container). Measured against moto with four
 * injected throttles it stretched one launch from ~0.1 s to ~7 s; standard mode took ~1.5 s.
 */
/** Attempts per SDK call, the first included. */
export const SDK_MAX_ATTEMPTS = 50;
/**
 * Backoff between attempts (retry-strategy.ts): full jitter up to min(cap, base x 2^attempt).
 * (see above and the README's performance section for the figures).
 */
export const SDK_BACKOFF_BASE_MS = 250;
export const SDK_MAX_BACKOFF_MS = 4_000;

/** Waiting for an ENI to become available or attached: bounded exponential backoff with full jitter. */
export const STATE_WAIT_STARTING_DELAY_MS = 250;
export const STATE_WAIT_TIME_MULTIPLE = 2;
export const STATE_WAIT_MAX_DELAY_MS = 5_000;
export const STATE_WAIT_MAX_ATTEMPTS = 10;
/** Upper bound of one wait: 250+500+1000+2000+4000+5000x4 ms (full jitter only shortens it). */
export const STATE_WAIT_MAX_TOTAL_MS = 27_750;

/**
 * Waiting for attachments (one Describe per check for all ENIs of a launch): the first check
 * 2 s after the last attach was accepted, then 1, 2, 4, 5, 5... s. EC2 takes seconds to move an
 * attachment from `attaching` to `attached` (the VPC CNI allows an attached ENI 10 s to show up on
 * the instance): checking at once would only cost a call. No figure for this is published; the
 * chaos proxy's latency model (lambda/bench/latency-model.ts) assumes 0.8 to 2 s. Worst case
 * 2 + 1 + 2 + 4 + 5 x 6 = 39 s, within the launch work's time.
 */
export const ATTACH_FIRST_CHECK_MS = 2_000;
export const ATTACH_CHECK_INTERVAL_MS = 1_000;

/**
 * The function's timeout: below the 300 s heartbeat, so the handler itself completes the action
 * (after cleaning up) before the hook's default result applies. The launch work may use all of it
 * but CLEANUP_RESERVE_MS.
 */
export const ENI_LAMBDA_TIMEOUT_SECONDS = 240;

/** Time kept back from the launch work for deleting what it made and sending ABANDON. */
export const CLEANUP_RESERVE_MS = 60_000;
/** Last moments of an invocation in which no new AWS call starts. */
export const FINAL_MARGIN_MS = 5_000;
