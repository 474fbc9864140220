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
 * (see above and docs/testing-and-benchmarks.md for the figures).
 */
export const SDK_BACKOFF_BASE_MS = 250;
export const SDK_MAX_BACKOFF_MS = 4_000;

/** Waiting for a detached ENI to become available: bounded exponential backoff with full jitter. */
export const STATE_WAIT_STARTING_DELAY_MS = 250;
export const STATE_WAIT_TIME_MULTIPLE = 2;
export const STATE_WAIT_MAX_DELAY_MS = 5_000;
export const STATE_WAIT_MAX_ATTEMPTS = 10;
/** Upper bound of one wait: 250+500+1000+2000+4000+5000x4 ms (full jitter only shortens it). */
export const STATE_WAIT_MAX_TOTAL_MS = 27_750;

/**
 * How long EC2 takes to move a new attachment from `attaching` to `attached`. AWS publishes no
 * figure (the EC2 user guide's "Network interface attachments" gives none); the range comes from
 * what the projects that attach ENIs for a living reported:
 * - upper end, 5 s: a Cilium maintainer (cilium/cilium issue 16494, 2021): "usually, it doesn't
 *   take more than 5 seconds for the ENI to be available on the node";
 * - one timed case well inside it: a log posted by an Amazon VPC CNI maintainer
 *   (aws/amazon-vpc-cni-k8s issue 1872, 2022) shows an ENI created at 22:44:04.191, then
 *   DescribeInstances, the attach, DeleteOnTermination and AssignPrivateIpAddresses (done by
 *   22:44:06.001), missing from the instance metadata at 22:44:06.111 and there at 22:44:06.321:
 *   the attach took less than 2.1 s;
 * - the VPC CNI's own wait for an attached ENI (pkg/awsutils/awsutils.go, waitForENIAndIPsAttached)
 *   looks at once, then after 0.1 s doubling (+ up to 15 % jitter), 12 tries: built for ENIs that
 *   show up within a second or two, with a long tail allowed;
 * - lower end, 1 s: an assumption (issues 14 and 22 of this project report "seconds"); a faster
 *   attach only makes a launch faster (the first check catches it).
 * Taken as: the attachment is `attached` when the ENI shows up on the instance (no public
 * measurement of the API status alone was found). The chaos proxy's latency model draws its attach
 * times from this range (lambda/bench/latency-model.ts).
 */
export const EC2_ATTACH_TIME_MS = { min: 1_000, max: 5_000 } as const;
export const EC2_ATTACH_TIME_SOURCE =
  "up to 5 s: cilium/cilium#16494; one case under 2.1 s: aws/amazon-vpc-cni-k8s#1872; from 1 s: assumed";

/**
 * Waiting for the attachments of a launch (one filtered Describe per check, for all its ENIs):
 * - the first check ATTACH_FIRST_CHECK_MS after the launch's first attach was accepted (not before
 *   the last one was): a fast path for attachments EC2 completes early (no figure rules it out),
 *   which costs one Describe otherwise. EC2 works on a launch's attachments at once, so the spread
 *   between their accepts need not be waited again;
 * - then a backoff from ATTACH_CHECK_BASE_MS doubling, with equal jitter (half fixed, half random,
 *   so concurrent launches spread their checks), capped at ATTACH_CHECK_CAP_MS while within the
 *   documented attach time of the last attach, so a launch completes within about 0.5 s of its
 *   slowest attachment;
 * - past the documented range (a slow attachment), the cap doubles up to ATTACH_CHECK_TAIL_CAP_MS;
 * - every check EC2 pushed back on (throttled, or failed and retried by the SDK) doubles the cap
 *   too, up to the same 5 s: in a burst, launches share the Describe bucket and leave it room;
 * - no attempt count: the wait ends at the invocation's work deadline (deadline.ts), which leaves the
 *   clean-up reserve before the function timeout, itself under the lifecycle hook's heartbeat.
 * Describe calls draw on EC2's non-mutating bucket (100 + 20/s), not the mutating ones that bound
 * a burst; npm run bench:burst measures both.
 */
export const ATTACH_FIRST_CHECK_MS = 300;
export const ATTACH_CHECK_BASE_MS = 250;
export const ATTACH_CHECK_CAP_MS = 400;
export const ATTACH_CHECK_TAIL_CAP_MS = 5_000;
export const ATTACH_CHECK_MULTIPLIER = 2;

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
