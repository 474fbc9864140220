/**
 * What the user reads: one line per check as it finishes (✓, ✗ with its fix, – when skipped), then a
 * summary table in check order.
 */
import type { CheckOutcome } from "./runner";
import type { CheckStatus } from "./types";

export const MARK: Readonly<Record<CheckStatus, string>> = { pass: "✓", fail: "✗", skip: "–" };

export function liveLine<Context>(outcome: CheckOutcome<Context>): string {
  const { check, result } = outcome;
  const head = `${MARK[result.status]} ${check.family} / ${check.name}: ${result.detail}`;
  return result.fix ? `${head}\n    fix: ${result.fix}` : head;
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

const DETAIL_WIDTH = 90;

export function summaryTable<Context>(outcomes: readonly CheckOutcome<Context>[]): string {
  const rows = outcomes.map((outcome) => [
    MARK[outcome.result.status],
    outcome.check.family,
    outcome.check.name,
    outcome.result.detail.length > DETAIL_WIDTH
      ? `${outcome.result.detail.slice(0, DETAIL_WIDTH - 1)}…`
      : outcome.result.detail,
    outcome.seconds.toFixed(2),
  ]);
  const header = ["", "family", "check", "result", "s"];
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => [...row[column]].length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) => pad(cell, widths[column]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** What the last line says after the counts, when something failed and when nothing did. */
export interface VerdictWords {
  readonly failed: string;
  readonly passed: string;
}

const PREFLIGHT_WORDS: VerdictWords = {
  failed: "fix the ✗ lines above before `pulumi up`.",
  passed: "nothing found that would stop `pulumi up`.",
};

export function verdict<Context>(
  outcomes: readonly CheckOutcome<Context>[],
  seconds: number,
  words: VerdictWords = PREFLIGHT_WORDS,
): string {
  const count = (status: CheckStatus): number =>
    outcomes.filter((outcome) => outcome.result.status === status).length;
  const failed = count("fail");
  return (
    `${count("pass")} passed, ${failed} failed, ${count("skip")} skipped in ${seconds.toFixed(2)} s: ` +
    (failed > 0 ? words.failed : words.passed)
  );
}
