/**
 * Benchmark of the ENI-attach handler, one launch event at a time, through the chaos proxy in
 * front of moto (EC2's answers where moto is lenient; no throttling, no faults), with the
 * latency model off and on:
 *   npm run bench:lambda -- [--events 20] [--networks 1,2,4] [--ipam mixed|host-local|eni-prefix]
 *                           [--layouts two-az-group,group-per-az] [--zones 1]
 *                           [--rtt-ms 40-120] [--attach-ms 800-2000] [--seed 14]
 * Layouts (node groups and the Lambda configuration each one gets; instances alternate AZs a and b):
 *   two-az-group  one group in both AZs: the Lambda asks EC2 for the instance's AZ (DescribeInstances);
 *   group-per-az  one group per AZ: each instance is handled with its own AZ's one-AZ configuration;
 *   one-az        the blog's group in AZ a only (`--zones 1` is short for `--layouts one-az`).
 * Prints wall time per event and AWS API calls per event (per operation), and flags every case over
 * 4 calls per ENI + 2 per launch. Networks: in "mixed", odd networks are host-local and even ones
 * eni-prefix (the fixture's layout); the deployed settings are used as they are (including the pause
 * before the first attachment check).
 */

import { createHandler } from "../src/handler";
import type { LaunchOutcome } from "../src/launch";
import type { LambdaConfig, LambdaIpamMode } from "../src/config";
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

export const LAYOUTS = ["two-az-group", "group-per-az", "one-az"] as const;
export type Layout = (typeof LAYOUTS)[number];

const LAYOUT_TITLE: Record<Layout, string> = {
  "two-az-group": "one group in 2 AZs",
  "group-per-az": "one group per AZ, 2 AZs",
  "one-az": "one group in 1 AZ",
};

export interface CaseResult {
  networks: number;
  ipam: string;
  layout: Layout;
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
  layout: Layout = "two-az-group",
): Promise<CaseResult> {
  await moto.reset();
  const direct = ec2For(moto.endpoint);
  const world = await buildWorld(direct, networkCount);
  /** The configuration the program gives a group in `zones` (each network's subnets there only). */
  const configIn = (zones: string[]): LambdaConfig =>
    configFor(world, {
      networks: world.networks.map((network) => {
        const ipam = mix === "mixed" ? network.ipam : mix;
        const subnetIdsByAz = Object.fromEntries(zones.map((zone) => [zone, network.subnetIdsByAz[zone]]));
        return { ...network, ipam, prefixDelegation: ipam === "eni-prefix", subnetIdsByAz };
      }),
    });
  const zones = layout === "one-az" ? [AZ_A] : [AZ_A, AZ_B];
  const sharedConfig = configIn(zones);
  const configOf = (zone: string): LambdaConfig =>
    layout === "group-per-az" ? configIn([zone]) : sharedConfig;
  const proxy = await startChaosProxy({ upstream: moto.endpoint, throttle: false, latency });
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < events; i++) {
      const zone = zones[i % zones.length];
      const instanceId = await launchInstance(direct, world, zone);
      const container = chaosDeps(proxy.endpoint, configOf(zone));
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
  return { networks: networkCount, ipam: mix, layout, latency: latency !== undefined, samples };
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
    `\n${result.networks} Multus network(s) (${result.ipam}, ${LAYOUT_TITLE[result.layout]}), latency model ${result.latency ? "on" : "off"}, ${samples.length} launch events (min / median / max)`,
  );
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

function parseLayouts(): Layout[] {
  const zones = cliOption("zones", "");
  if (zones !== "" && zones !== "1" && zones !== "2")
    throw new Error(`--zones must be 1 or 2 (got ${zones})`);
  const text = cliOption(
    "layouts",
    zones === "1" ? "one-az" : zones === "2" ? "two-az-group" : LAYOUTS.slice(0, 2).join(","),
  );
  const layouts = text.split(",").map((part) => part.trim());
  const unknown = layouts.filter((layout) => !(LAYOUTS as readonly string[]).includes(layout));
  if (unknown.length > 0)
    throw new Error(`--layouts takes ${LAYOUTS.join(", ")} (got ${unknown.join(", ")})`);
  return layouts as Layout[];
}

async function main(): Promise<void> {
  const [events] = positiveIntegers(cliOption("events", "20"), "events");
  const networkCounts = positiveIntegers(cliOption("networks", "1,2,4"), "networks");
  const mix = cliOption("ipam", "mixed") as IpamMix;
  if (!["mixed", "host-local", "eni-prefix", "vpc-ip"].includes(mix))
    throw new Error(`--ipam must be mixed, host-local, eni-prefix or vpc-ip (got ${mix})`);
  const layouts = parseLayouts();
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
    for (const layout of layouts) {
      for (const withLatency of [false, true]) {
        for (const networks of networkCounts) {
          const result = await runCase(
            moto,
            networks,
            events,
            mix,
            withLatency ? latency : undefined,
            layout,
          );
          printCase(result);
          results.push(result);
        }
      }
    }
    const base = (layout: Layout, latencyOn: boolean): number =>
      median(
        results
          .find((r) => r.layout === layout && r.latency === latencyOn && r.networks === networkCounts[0])
          ?.samples.map((s) => s.wallMs) ?? [],
      );
    console.log(
      `\nSummary (${mix}; latency model: round trip ${latency.roundTripMs.min}-${latency.roundTripMs.max} ms, attaching ${latency.attachingMs.min}-${latency.attachingMs.max} ms; defaults ${JSON.stringify(DEFAULT_LATENCY)})`,
    );
    console.log(
      markdownTable(
        [
          "layout",
          "networks",
          "latency",
          "median ms",
          `x ${networkCounts[0]} network(s)`,
          "median calls",
          "max calls",
          "DescribeInstances",
          "4 x networks + 2",
          "over",
        ],
        results.map((result) => {
          const wall = median(result.samples.map((sample) => sample.wallMs));
          const bound = 4 * result.networks + 2;
          const most = Math.max(...result.samples.map(totalCalls));
          return [
            LAYOUT_TITLE[result.layout],
            result.networks,
            result.latency ? "on" : "off",
            wall.toFixed(0),
            (wall / base(result.layout, result.latency)).toFixed(2),
            median(result.samples.map(totalCalls)),
            most,
            median(result.samples.map((sample) => sample.calls.DescribeInstances ?? 0)),
            bound,
            most > bound ? `+${most - bound}` : "-",
          ];
        }),
      ),
    );
    if (results.some((result) => Math.max(...result.samples.map(totalCalls)) > 4 * result.networks + 2)) {
      console.log(
        "\nOver 4 x networks + 2: a group in several AZs asks EC2 for each instance's AZ (DescribeInstances;\n" +
          "the lifecycle event does not carry it), one call per launch that a host-local-only group cannot\n" +
          "make up for (an eni-prefix or vpc-ip network skips the source/dest check call). One node group\n" +
          "per AZ gives each Lambda a one-AZ configuration and no DescribeInstances.",
      );
    }
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
