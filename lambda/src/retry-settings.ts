/**
 * Every retry and wait setting of the Lambda, in one place, so a load or fault-injection benchmark
 * can read (and a reviewer can check) the worst case against the lifecycle hook's 300 s heartbeat.
 *
 * Worst case for one launch: per network, about 8 SDK calls in sequence plus two state waits.
 * SDK retries (standard backoff: full jitter, base 100 ms, doubling, capped at 20 s) sum to at most
 * 0.1+0.2+0.4+0.8+1.6+3.2 = 6.3 s per call over SDK_MAX_ATTEMPTS = 7; each wait sums to at most
 * STATE_WAIT_MAX_TOTAL_MS. Networks run concurrently, so the bound is roughly
 * 8 x 6.3 s + 2 x 30 s = 110 s, below ENI_LAMBDA_TIMEOUT_SECONDS and well below 300 s.
 */

/**
 * "adaptive" adds a client-side token bucket on top of the standard backoff: once EC2 answers
 * RequestLimitExceeded, this client (shared by all invocations of a warm Lambda container) slows its
 * own request rate instead of hammering the per-account bucket.
 */
export const SDK_RETRY_MODE = "adaptive" as const;
/** Attempts per SDK call, the first included. */
export const SDK_MAX_ATTEMPTS = 7;

/** Waiting for an ENI to become available or attached: bounded exponential backoff with full jitter. */
export const STATE_WAIT_STARTING_DELAY_MS = 250;
export const STATE_WAIT_TIME_MULTIPLE = 2;
export const STATE_WAIT_MAX_DELAY_MS = 5_000;
export const STATE_WAIT_MAX_ATTEMPTS = 10;
/** Upper bound of one wait: 250+500+1000+2000+4000+5000x4 ms (full jitter only shortens it). */
export const STATE_WAIT_MAX_TOTAL_MS = 27_750;

/** What the component should give the function: the worst case above plus margin, under 300 s. */
export const ENI_LAMBDA_TIMEOUT_SECONDS = 180;
