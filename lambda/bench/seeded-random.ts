/**
 * A reproducible random stream for the fault injection: SHA-256 of (seed, counter), so the same
 * seed gives the same decisions in the same order on every machine and Node version.
 */

import { createHash } from "node:crypto";

export class SeededRandom {
  private counter = 0;

  constructor(readonly seed: string | number) {}

  /** Uniform in [0, 1). */
  next(): number {
    const digest = createHash("sha256").update(`${this.seed}/${this.counter++}`).digest();
    // 48 bits are plenty for probabilities and small integer ranges.
    return digest.readUIntBE(0, 6) / 2 ** 48;
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return from + Math.floor(this.next() * (to - from + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("SeededRandom.pick needs at least one item");
    return items[this.int(0, items.length - 1)];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** An independent stream, e.g. one per trial, that does not depend on how much this one was used. */
  fork(label: string | number): SeededRandom {
    return new SeededRandom(`${this.seed}:${label}`);
  }
}
