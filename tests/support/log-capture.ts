/**
 * The Lambda's structured log as written: a Powertools logger at INFO whose JSON lines (one per
 * call, on stdout/stderr, as in the Lambda runtime) are captured and parsed, so tests read exactly
 * what a CloudWatch metric filter would read.
 */

import { Logger } from "@aws-lambda-powertools/logger";

export interface CapturedLog {
  logger: Logger;
  /** Every parsed JSON line written while capturing. */
  lines: Record<string, unknown>[];
  /** Runs `work` with stdout and stderr captured (lines that are not JSON are passed through). */
  capture<T>(work: () => Promise<T>): Promise<T>;
}

export function capturedLogger(serviceName = "multus-eni-attach-test"): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger({ serviceName, logLevel: "INFO" });
  return {
    logger,
    lines,
    async capture(work) {
      const streams = [process.stdout, process.stderr];
      const originals = streams.map((stream) => stream.write.bind(stream));
      streams.forEach((stream, i) => {
        stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
          const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
          let passThrough = "";
          for (const line of text.split("\n").filter((candidate) => candidate.trim().length > 0)) {
            try {
              const parsed = JSON.parse(line) as Record<string, unknown>;
              if (parsed.service === serviceName) {
                lines.push(parsed);
                continue;
              }
            } catch {
              // not a log line of ours
            }
            passThrough += `${line}\n`;
          }
          return passThrough ? (originals[i] as (...args: unknown[]) => boolean)(passThrough, ...rest) : true;
        }) as typeof stream.write;
      });
      try {
        return await work();
      } finally {
        streams.forEach((stream, i) => (stream.write = originals[i] as typeof stream.write));
      }
    },
  };
}
