/**
 * EC2-like latency for the chaos proxy (moto answers in about a millisecond and attaches at once).
 * Two effects, both drawn from a seeded stream so a run can be repeated:
 * - every request takes a round trip, half before the emulator performs it and half after;
 * - an attachment stays `attaching` for a while after AttachNetworkInterface was accepted: the
 *   proxy rewrites the attachment's status in DescribeNetworkInterfaces and DescribeInstances
 *   answers until then (moto itself says `attached` at once).
 *
 * The figures:
 * - round trip 40-120 ms per call: an ASSUMPTION for an in-region API call from a Lambda function
 *   (TLS connection kept alive by the SDK); AWS publishes no figure;
 * - `attaching` for 1-5 s: the Lambda's documented attach-time range, EC2_ATTACH_TIME_MS in
 *   lambda/src/retry-settings.ts, with its sources (up to 5 s: cilium/cilium#16494; one timed case
 *   under 2.1 s: aws/amazon-vpc-cni-k8s#1872; the lower end assumed). Each attachment draws its own
 *   time, uniformly in the range (no figure says how the times of one instance's attachments relate).
 * Every figure is an option: `npm run bench:lambda -- --rtt-ms 40-120 --attach-ms 1000-5000`.
 */

import { EC2_ATTACH_TIME_MS, EC2_ATTACH_TIME_SOURCE } from "../src/retry-settings";
import { SeededRandom } from "./seeded-random";

export interface Range {
  min: number;
  max: number;
}

export interface LatencyOptions {
  roundTripMs: Range;
  attachingMs: Range;
  seed: string | number;
}

export const DEFAULT_LATENCY: Omit<LatencyOptions, "seed"> = {
  roundTripMs: { min: 40, max: 120 },
  attachingMs: { ...EC2_ATTACH_TIME_MS },
};

/** Where the default attach-time range comes from, for the benchmarks' reports. */
export const ATTACH_RANGE_SOURCE = EC2_ATTACH_TIME_SOURCE;

/** "1000-5000 ms" */
export const formatRange = (range: Range): string => `${range.min}-${range.max} ms`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses "40-120" (or "80") into a range of milliseconds. */
export function parseRange(text: string, setting: string): Range {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (!match || !(min <= max)) {
    throw new Error(`--${setting} must be milliseconds "MIN-MAX" or "MS" with MIN <= MAX (got ${text})`);
  }
  return { min, max };
}

export class LatencyModel {
  private readonly random: SeededRandom;
  /** Epoch ms at which each attachment becomes `attached`, by attachment ID. */
  private readonly attachedAt = new Map<string, number>();
  /** How long each attachment stays `attaching` (the drawn attach time), by attachment ID. */
  private readonly attachingFor = new Map<string, number>();
  attachmentsShownAttaching = 0;

  constructor(
    readonly options: LatencyOptions,
    private readonly nowMs: () => number = Date.now,
  ) {
    for (const [name, range] of Object.entries({
      roundTripMs: options.roundTripMs,
      attachingMs: options.attachingMs,
    })) {
      if (!(range.min >= 0 && range.min <= range.max))
        throw new Error(`latency ${name} must satisfy 0 <= min <= max (got ${JSON.stringify(range)})`);
    }
    this.random = new SeededRandom(`${options.seed}:latency`);
  }

  private draw(range: Range): number {
    return range.min + this.random.next() * (range.max - range.min);
  }

  /** Runs `perform` inside one simulated round trip. */
  async roundTrip<T>(perform: () => Promise<T>): Promise<T> {
    const total = this.draw(this.options.roundTripMs);
    await sleep(total / 2);
    const result = await perform();
    await sleep(total / 2);
    return result;
  }

  /** Called with every successful AttachNetworkInterface answer. */
  noteAttach(body: string): void {
    const attachmentId = /<attachmentId>([^<]+)<\/attachmentId>/.exec(body)?.[1];
    if (!attachmentId) return;
    const attaching = this.draw(this.options.attachingMs);
    this.attachingFor.set(attachmentId, attaching);
    this.attachedAt.set(attachmentId, this.nowMs() + attaching);
  }

  /** The attach time drawn for the attachment (ms it stays `attaching`), if the proxy saw it accepted. */
  attachTimeOf(attachmentId: string): number | undefined {
    return this.attachingFor.get(attachmentId);
  }

  /** When the attachment becomes `attached` (epoch ms), if the proxy saw it accepted. */
  readyAt(attachmentId: string): number | undefined {
    return this.attachedAt.get(attachmentId);
  }

  /** Shows attachments that are not done yet as `attaching` in a Describe answer. */
  rewrite(body: string): string {
    const now = this.nowMs();
    return body.replace(/<attachment>([\s\S]*?)<\/attachment>/g, (block: string, inner: string) => {
      const attachmentId = /<attachmentId>([^<]+)<\/attachmentId>/.exec(inner)?.[1];
      const readyAt = attachmentId ? this.attachedAt.get(attachmentId) : undefined;
      if (readyAt === undefined || readyAt <= now || !inner.includes("<status>attached</status>"))
        return block;
      this.attachmentsShownAttaching++;
      return block.replace("<status>attached</status>", "<status>attaching</status>");
    });
  }
}
