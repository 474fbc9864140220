/**
 * Every retry and wait setting of the Lambda, in one place, so a load or fault-injection benchmark
 * can read (and a reviewer can check) the worst case against the lifecycle hook's 300 s heartbeat.
 *
 * SDK retries ("standard" mode, @smithy/core 3.41): full-jitter exponential backoff, doubling from
 * 100 ms (1 s after a throttling error such as RequestLimitExceeded), capped at 20 s.
 *
 * The invocation deadline (deadline.ts), not the attempt count, bounds how long a launch keeps
 * retrying: the launch work stops CLEANUP_RESERVE_MS before the function's timeout, and the clean-up
 * and the lifecycle completion use that reserve. The attempt count only has to be high enough never
 * to give up first. Measured with the burst benchmark (npm run bench:burst: 100 launches at once,
 * two networks, EC2's token buckets, where the ModifyNetworkInterfaceAttribute bucket needs 60 s to
 * drain): with 6 attempts a throttled call gave up after about 15 s and 70 of 100 launches were
 * abandoned; with 10, 98 to 100 completed (unlucky jitter exhausted a call twice); 20 leaves the
 * decision to the deadline. Each retry costs 5 of the client's 500 retry tokens, and a container
 * handles one event at a time, so the budget is not the limit either.
 *
 * Why not "adaptive": its client-side rate limiter drops to 0.5 requests/s after a few throttles and
 * stays low for the life of the client (a warm Lambda container). Measured against moto with four
 * injected throttles it stretched one launch from ~0.1 s to ~7 s; standard mode took ~1.5 s.
 */
export const SDK_RETRY_MODE = "standard" as const;
/** Attempts per SDK call, the first included. */
export const SDK_MAX_ATTEMPTS = 20;

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
