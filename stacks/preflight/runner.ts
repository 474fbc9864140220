/**
 * Runs every check at once and reports each as it finishes; a check that throws is a ✗ naming the
 * error, never a crash of the whole run.
 */
import type { PreflightContext } from "./context";
import { Check, CheckResult, errorText, fail } from "./types";

export interface CheckOutcome<Context = PreflightContext> {
  readonly check: Check<Context>;
  readonly result: CheckResult;
  readonly seconds: number;
}

export async function runChecks<Context = PreflightContext>(
  context: Context,
  checks: readonly Check<Context>[],
  onDone: (outcome: CheckOutcome<Context>) => void = () => undefined,
): Promise<CheckOutcome<Context>[]> {
  return Promise.all(
    checks.map(async (check) => {
      const started = process.hrtime.bigint();
      let result: CheckResult;
      try {
        result = await check.run(context);
      } catch (error) {
        result = fail(`the check itself failed: ${errorText(error)}`, "run again; report it if it persists");
      }
      const outcome = { check, result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
      onDone(outcome);
      return outcome;
    }),
  );
}
