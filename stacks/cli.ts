/**
 * How the project's commands (plan, policy gate, preflight) end: a message a user can act on, and
 * never a stack trace unless asked for with `--trace` (or MULTUS_EKS_TRACE=1).
 *
 * Exit codes, the same for every command:
 *   0   done (for the gate and the preflight: nothing failed)
 *   1   the command's own verdict: invalid settings, mandatory policy violations, failed checks
 *   2   the command line or the stack file is wrong (the message says which)
 *   70  a defect of this program (EX_SOFTWARE): the message says so and how to report it
 */
import { ConfigError } from "./config/problems";

export const EXIT_VERDICT = 1;
export const EXIT_USAGE = 2;
export const EXIT_DEFECT = 70;

/** A wrong command line or a missing stack file: the user's to fix, not a defect. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const TRACE_FLAG = "--trace";

/** The message without the stack frames some errors (Pulumi's serialization ones) carry in it. */
export function withoutStackFrames(message: string): string {
  return message
    .split("\n")
    .filter((line) => !/^\s+at\s/.test(line))
    .join("\n")
    .trim();
}

/** What to print for an error that ended a command, and the exit code. */
export function explainFailure(
  error: unknown,
  command: string,
  trace: boolean,
): { lines: string[]; exitCode: number } {
  if (error instanceof ConfigError) {
    return {
      lines: [
        error.message,
        "",
        "Fix the settings above in the stack file (or with `pulumi config set`) and run again.",
      ],
      exitCode: EXIT_VERDICT,
    };
  }
  if (error instanceof UsageError) return { lines: [error.message], exitCode: EXIT_USAGE };
  const detail = error instanceof Error ? error.message : String(error);
  const lines = [
    `${command} stopped on an unexpected error. This is a defect of this program, not of your settings:`,
    `  ${withoutStackFrames(detail).replace(/\n/g, "\n  ")}`,
  ];
  if (trace && error instanceof Error && error.stack) lines.push("", error.stack);
  else
    lines.push(
      "",
      `Please report it with the output of the same command with ${TRACE_FLAG} (the stack trace).`,
    );
  return { lines, exitCode: EXIT_DEFECT };
}

/** Runs a command's main with its arguments (without --trace), and ends the process as above. */
export function runCommand(command: string, main: (argv: string[]) => Promise<number>): void {
  const argv = process.argv.slice(2);
  const trace = argv.includes(TRACE_FLAG) || process.env.MULTUS_EKS_TRACE === "1";
  main(argv.filter((argument) => argument !== TRACE_FLAG))
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      const { lines, exitCode } = explainFailure(error, command, trace);
      console.error(lines.join("\n"));
      process.exit(exitCode);
    });
}
