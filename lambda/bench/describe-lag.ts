/**
 * EC2's eventual consistency for secondary addresses, as the chaos proxy shows it: after an
 * AssignPrivateIpAddresses or UnassignPrivateIpAddresses is performed, DescribeNetworkInterfaces
 * answers keep showing the ENI's old addresses for a while ("the result may not be immediately
 * visible to subsequent API commands": EC2 API reference, Error codes, Eventual consistency).
 * Mutating calls keep answering from EC2's own state (the fidelity layer checks them against moto),
 * so only Describe lags.
 *
 * The window is an ASSUMPTION: AWS publishes no figure. Each change stays invisible for a delay
 * drawn from a seeded stream, uniform in [minMs, maxMs] (bounded, reproducible).
 */

import { SeededRandom } from "./seeded-random";

export interface LagRange {
  minMs: number;
  maxMs: number;
}

/** Default window: up to 2.5 s. */
export const DEFAULT_DESCRIBE_LAG: LagRange = { minMs: 500, maxMs: 2_500 };

interface Change {
  held: boolean;
  visibleAt: number;
}

interface Tracked {
  /** Whether Describe showed the address on the ENI before the first change still tracked. */
  before: boolean;
  changes: Change[];
}

export class DescribeLag {
  private readonly random: SeededRandom;
  private readonly tracked = new Map<string, Tracked>();
  /** Describe answers in which at least one address was shown in its old state. */
  staleAnswers = 0;

  constructor(
    readonly range: LagRange,
    seed: string | number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!(range.minMs >= 0 && range.minMs <= range.maxMs)) {
      throw new Error(`describe lag must satisfy 0 <= minMs <= maxMs (got ${JSON.stringify(range)})`);
    }
    this.random = new SeededRandom(`${seed}:describe-lag`);
  }

  /** Records that EC2 now holds (`held`) or no longer holds `address` on `eniId`. */
  note(eniId: string, address: string, held: boolean): void {
    const key = `${eniId} ${address}`;
    const delay = this.range.minMs + this.random.next() * (this.range.maxMs - this.range.minMs);
    const entry = this.tracked.get(key) ?? { before: !held, changes: [] };
    entry.changes.push({ held, visibleAt: this.nowMs() + delay });
    this.tracked.set(key, entry);
  }

  /** What Describe shows now for a tracked address: undefined when every change is visible. */
  private shown(key: string, now: number): boolean | undefined {
    const entry = this.tracked.get(key);
    if (!entry) return undefined;
    if (entry.changes.every((change) => change.visibleAt <= now)) {
      this.tracked.delete(key);
      return undefined;
    }
    let shown = entry.before;
    for (const change of entry.changes) if (change.visibleAt <= now) shown = change.held;
    return shown;
  }

  /** Rewrites a DescribeNetworkInterfaces answer (query-protocol XML) to the lagging view. */
  rewrite(body: string): string {
    if (this.tracked.size === 0) return body;
    const now = this.nowMs();
    let stale = false;
    const rewritten = body.replace(
      /<networkInterfaceId>([^<]+)<\/networkInterfaceId>([\s\S]*?)(<privateIpAddressesSet\/>|<privateIpAddressesSet>[\s\S]*?<\/privateIpAddressesSet>)/g,
      (whole: string, eniId: string, between: string, set: string) => {
        // The set must belong to this ENI's item, not to the next one.
        if (between.includes("<networkInterfaceId>")) return whole;
        const truth = new Set(
          [...set.matchAll(/<privateIpAddress>([^<]+)<\/privateIpAddress>/g)].map((match) => match[1]),
        );
        const items = [...set.matchAll(/<item>[\s\S]*?<\/item>/g)].map((match) => match[0]);
        const kept = items.filter((item) => {
          const address = /<privateIpAddress>([^<]+)<\/privateIpAddress>/.exec(item)?.[1] ?? "";
          if (this.shown(`${eniId} ${address}`, now) === false) {
            stale = true;
            return false;
          }
          return true;
        });
        for (const key of [...this.tracked.keys()].filter((k) => k.startsWith(`${eniId} `))) {
          const address = key.slice(eniId.length + 1);
          if (!truth.has(address) && this.shown(key, now) === true) {
            stale = true;
            kept.push(`<item><primary>false</primary><privateIpAddress>${address}</privateIpAddress></item>`);
          }
        }
        return `<networkInterfaceId>${eniId}</networkInterfaceId>${between}<privateIpAddressesSet>${kept.join("")}</privateIpAddressesSet>`;
      },
    );
    if (stale) this.staleAnswers++;
    return rewritten;
  }
}
