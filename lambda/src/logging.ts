/** Structured JSON logs: one line per decision, with instanceId, eniIds, network and durations. */

import { Logger } from "@aws-lambda-powertools/logger";

export const SERVICE_NAME = "multus-eni-attach";

/** Level from POWERTOOLS_LOG_LEVEL (Powertools' own variable), INFO when unset. */
export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME });
}

/** Milliseconds since `start`, for the `durationMs` field of a log line. */
export function since(start: number): number {
  return Date.now() - start;
}
