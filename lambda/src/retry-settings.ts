/**
 * Every retry and wait setting of the Lambda, in one place, so a load or fault-injection benchmark
 * can read (and a reviewer can check) the worst case against the lifecycle hook's 300 s heartbeat.
 *
 * SDK retries ("standard" mode, @smithy/core): full-jitter exponential backoff, base 100 ms (500 ms
 * after a throttling error such as RequestLimitExceeded), doubling, capped at 20 s. With
 * SDK_MAX_ATTEMPTS = 6, one call waits at most 0.5+1+2+4+8 = 15.5 s between its attempts when
 * throttled every time (full jitter halves that on average).
 *
 * Worst case for one launch: about 9 calls in sequence (Describe x2, Create, Attach, Describe,
 * Modify x2, CompleteLifecycleAction, plus a Describe if the ENI is still pending) and two state
 * waits (STATE_WAIT_MAX_TOTAL_MS each); networks run concurrently. So at most about
 * 9 x 15.5 s + 2 x 27.75 s = 195 s, below ENI_LAMBDA_TIMEOUT_SECONDS and the 300 s heartbeat.
 *
 * Why not "adaptive": its client-side rate limiter drops to 0.5 requests/s after a few throttles and
 * stays low for the life of the client (a warm Lambda container). Measured against moto with four
 * injected throttles it stretched one launch from ~0.1 s to ~7 s; standard mode took ~1.5 s.
 */
export const SDK_RETRY_MODE = "standard" as const;
/** Attempts per SDK call, the first included. */
export const SDK_MAX_ATTEMPTS = 6;

/** Waiting for an ENI to become available or attached: bounded exponential backoff with full jitter. */
export const STATE_WAIT_STARTING_DELAY_MS = 250;
export const STATE_WAIT_TIME_MULTIPLE = 2;
export const STATE_WAIT_MAX_DELAY_MS = 5_000;
export const STATE_WAIT_MAX_ATTEMPTS = 10;
/** Upper bound of one wait: 250+500+1000+2000+4000+5000x4 ms (full jitter only shortens it). */
export const STATE_WAIT_MAX_TOTAL_MS = 27_750;

/**
 * What the component should give the function: above the worst case, below the 300 s heartbeat, so
 * the handler itself completes the action (and cleans up) before the hook's default result applies.
 */
export const ENI_LAMBDA_TIMEOUT_SECONDS = 240;
