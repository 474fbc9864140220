/**
 * Benchmark of the ENI-attach handler, one launch event at a time, through the chaos proxy in
 * front of moto (EC2's answers where moto is lenient; no throttling, no faults), with the
 * latency model off and on:
 *   npm run bench:lambda -- [--events 20] [--networks 1,2,4] [--ipam mixed|host-local|eni-prefix]
 *                           [--zones 2] [--rtt-ms 40-120] [--attach-ms 800-2000] [--seed 14]
 * --zones 1 puts every network's subnets in one AZ (the blog's node group): no DescribeInstances.
 * Prints wall time per event and AWS API calls per event (per operation). Networks: in "mixed",
 * odd networks are host-local and even ones eni-prefix (the fixture's layout); the deployed
 * settings are used as they are (including the pause before the first attachment check).
 */

import { createHandler } from "../src/handler";
import type { LaunchOutcome } from "../src/launch";
import type { LambdaIpamMode } from "../src/config";
import {
  AZ_A,
  AZ_B,
  buildWorld,
  configFor,
  ec2For,
  launchEvent,
  launchInstance,
} from "../../tests/lambda/fixture";
import { startMoto, type MotoServer } from "../../tests/support/moto";
import { chaosDeps, INVOCATION_TIME_MS } from "./chaos-clients";
import { startChaosProxy } from "./chaos-proxy";
import { DEFAULT_LATENCY, parseRange, type LatencyOptions } from "./latency-model";
import { cliOption, markdownTable, positiveIntegers } from "./report-format";

interface Sample {
  wallMs: number;
  calls: Record<string, number>;
}

export interface CaseResult {
  networks: number;
  ipam: string;
  zones: number;
  latency: boolean;
  samples: Sample[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

function spread(values: number[]): string {
  const format = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(0));
  return `${format(Math.min(...values))} / ${format(median(values))} / ${format(Math.max(...values))}`;
}

export const totalCalls = (sample: Sample): number =>
  Object.values(sample.calls).reduce((sum, count) => sum + count, 0);

export type IpamMix = "mixed" | LambdaIpamMode;

export async function runCase(
  moto: MotoServer,
  networkCount: number,
  events: number,
  mix: IpamMix,
  latency: LatencyOptions | undefined,
  zones: 1 | 2 = 2,
): Promise<CaseResult> {
  await moto.reset();
  const direct = ec2For(moto.endpoint);
  const world = await buildWorld(direct, networkCount);
  const networks = world.networks.map((network) => {
    const ipam = mix === "mixed" ? network.ipam : mix;
    const subnetIdsByAz = zones === 1 ? { [AZ_A]: network.subnetIdsByAz[AZ_A] } : network.subnetIdsByAz;
    return { ...network, ipam, prefixDelegation: ipam === "eni-prefix", subnetIdsByAz };
  });
  const config = configFor(world, { networks });
  const proxy = await startChaosProxy({ upstream: moto.endpoint, throttle: false, latency });
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < events; i++) {
      const instanceId = await launchInstance(direct, world, zones === 1 || i % 2 === 0 ? AZ_A : AZ_B);
      const container = chaosDeps(proxy.endpoint, config);
      try {
        const started = process.hrtime.bigint();
        const outcome = (await createHandler(container.deps)(
          launchEvent(instanceId),
          INVOCATION_TIME_MS,
        )) as LaunchOutcome;
        const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        if (outcome.outcome !== "CONTINUE")
          throw new Error(`launch ${i} of ${instanceId} ended ${outcome.outcome}: ${outcome.error}`);
        samples.push({ wallMs, calls: container.calls.byOperation() });
      } finally {
        container.destroy();
      }
    }
  } finally {
    await proxy.stop();
    direct.destroy();
  }
  return { networks: networkCount, ipam: mix, zones, latency: latency !== undefined, samples };
}

function printCase(result: CaseResult): void {
  const { samples } = result;
  const operations = [...new Set(samples.flatMap((sample) => Object.keys(sample.calls)))].sort();
  const rows: [string, string][] = [
    ["wall time per event, ms", spread(samples.map((sample) => sample.wallMs))],
    ["AWS calls per event, total", spread(samples.map(totalCalls))],
    ...operations.map((operation): [string, string] => [
      `  ${operation}`,
      spread(samples.map((sample) => sample.calls[operation] ?? 0)),
    ]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(
    `\n${result.networks} Multus network(s) (${result.ipam}, ${result.zones} AZ(s)), latency model ${result.latency ? "on" : "off"}, ${samples.length} launch events (min / median / max)`,
  );
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

async function main(): Promise<void> {
  const [events] = positiveIntegers(cliOption("events", "20"), "events");
  const networkCounts = positiveIntegers(cliOption("networks", "1,2,4"), "networks");
  const mix = cliOption("ipam", "mixed") as IpamMix;
  if (!["mixed", "host-local", "eni-prefix", "vpc-ip"].includes(mix))
    throw new Error(`--ipam must be mixed, host-local, eni-prefix or vpc-ip (got ${mix})`);
  const zones = Number(cliOption("zones", "2"));
  if (zones !== 1 && zones !== 2) throw new Error(`--zones must be 1 or 2 (got ${zones})`);
  const latency: LatencyOptions = {
    roundTripMs: parseRange(cliOption("rtt-ms", "40-120"), "rtt-ms"),
    attachingMs: parseRange(cliOption("attach-ms", "800-2000"), "attach-ms"),
    seed: cliOption("seed", "14"),
  };
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const moto = await startMoto();
  const results: CaseResult[] = [];
  try {
    // One warm-up event so module loading and the first connection do not count.
    await runCase(moto, 1, 1, mix, undefined);
    for (const withLatency of [false, true]) {
      for (const networks of networkCounts) {
        const result = await runCase(moto, networks, events, mix, withLatency ? latency : undefined, zones);
        printCase(result);
        results.push(result);
      }
    }
    const base = (latencyOn: boolean): number =>
      median(
        results
          .find((r) => r.latency === latencyOn && r.networks === networkCounts[0])
          ?.samples.map((s) => s.wallMs) ?? [],
      );
    console.log(
      `\nSummary (${mix}, networks in ${zones} AZ(s); latency model: round trip ${latency.roundTripMs.min}-${latency.roundTripMs.max} ms, attaching ${latency.attachingMs.min}-${latency.attachingMs.max} ms; defaults ${JSON.stringify(DEFAULT_LATENCY)})`,
    );
    console.log(
      markdownTable(
        [
          "networks",
          "latency",
          "median ms",
          `x ${networkCounts[0]} network(s)`,
          "median calls",
          "max calls",
          "4 x networks + 2",
        ],
        results.map((result) => {
          const wall = median(result.samples.map((sample) => sample.wallMs));
          return [
            result.networks,
            result.latency ? "on" : "off",
            wall.toFixed(0),
            (wall / base(result.latency)).toFixed(2),
            median(result.samples.map(totalCalls)),
            Math.max(...result.samples.map(totalCalls)),
            4 * result.networks + 2,
          ];
        }),
      ),
    );
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
