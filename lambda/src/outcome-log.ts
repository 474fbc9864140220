/**
 * The one log line that ends every lifecycle action (a contract with the alarms: a CloudWatch
 * metric filter matches `{ $.outcome = "ABANDON" }`). Exactly one per delivery that returns:
 * - CONTINUE / ABANDON: this delivery's result was accepted; ABANDON carries `reason`;
 * - ALREADY_COMPLETED: Auto Scaling had no open action for the token any more (another delivery
 *   completed it, or it timed out); `attempted` says what this delivery would have sent.
 * A delivery whose completion call itself fails throws instead (Lambda retries it), after an error
 * line without `outcome`.
 */

import type { Logger } from "@aws-lambda-powertools/logger";
import type { LifecycleResult } from "./lifecycle";

export type Outcome = "CONTINUE" | "ABANDON" | "ALREADY_COMPLETED";

export const OUTCOME_MESSAGE = "lifecycle action outcome";

export interface OutcomeFields {
  transition: "launch" | "terminate";
  instanceId: string;
  durationMs: number;
  [key: string]: unknown;
}

export function outcomeOf(sent: LifecycleResult, answer: "completed" | "already-completed"): Outcome {
  return answer === "completed" ? sent : "ALREADY_COMPLETED";
}

export function logOutcome(
  logger: Logger,
  outcome: Outcome,
  attempted: LifecycleResult,
  reason: string | undefined,
  fields: OutcomeFields,
): void {
  const line = {
    outcome,
    ...(outcome === "ALREADY_COMPLETED" ? { attempted } : {}),
    ...(reason !== undefined && attempted === "ABANDON" ? { reason } : {}),
    ...fields,
  };
  if (outcome === "ABANDON") logger.error(OUTCOME_MESSAGE, line);
  else logger.info(OUTCOME_MESSAGE, line);
}
