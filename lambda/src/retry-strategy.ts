/**
 * The SDK retry strategy of the Lambda's clients: the SDK's standard strategy (retry quota, which
 * errors are retried) with a shorter backoff cap than its default 20 s (see SDK_MAX_BACKOFF_MS).
 */

import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { SDK_BACKOFF_BASE_MS, SDK_MAX_ATTEMPTS, SDK_MAX_BACKOFF_MS } from "./retry-settings";

/** Full jitter: a random pause up to min(cap, base x 2^attempt). */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(SDK_MAX_BACKOFF_MS, SDK_BACKOFF_BASE_MS * 2 ** attempt));
}

export function createRetryStrategy(maxAttempts: number = SDK_MAX_ATTEMPTS): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(maxAttempts, (attempt) => backoffDelayMs(attempt));
}
