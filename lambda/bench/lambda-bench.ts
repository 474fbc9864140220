/**
 * Benchmark of the ENI-attach handler, one launch event at a time, through the chaos proxy in
 * front of moto (EC2's answers where moto is lenient; no throttling, no faults), with the
 * latency model off and on:
 *   npm run bench:lambda -- [--events 20] [--networks 1,2,4] [--ipam mixed|host-local|eni-prefix]
 *                           [--layouts two-az-group,group-per-az] [--zones 1]
 *                           [--rtt-ms 40-120] [--attach-ms 1000-5000] [--seed 14]
 * Layouts (node groups and the Lambda configuration each one gets; instances alternate AZs a and b):
 *   two-az-group  one group in both AZs: the Lambda asks EC2 for the instance's AZ (DescribeInstances);
 *   group-per-az  one group per AZ: each instance is handled with its own AZ's one-AZ configuration;
 *   one-az        the blog's group in AZ a only (`--zones 1` is short for `--layouts one-az`).
 * Prints wall time per event and AWS API calls per event (per operation), mutating and non-mutating
 * apart, and flags every case over 3 mutating calls per ENI + 1. With the latency model on, also the
 * launch's attach time (its slowest attachment, as the model drew it) and how long after it the
 * launch ended. The attach-time range defaults to the Lambda's documented one (EC2_ATTACH_TIME_MS);
 * the report names the range used and its source. Networks: in "mixed", odd networks are
 * host-local and even ones eni-prefix (the fixture's layout); the deployed settings are used as they
 * are (including the attachment-check schedule). The machine's load average is printed with the
 * figures.
 */

import { DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { callsByKind, MUTATING_CALLS_PER_ENI } from "../src/call-budget";
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
import { startChaosProxy, type ChaosProxy } from "./chaos-proxy";
import {
  ATTACH_RANGE_SOURCE,
  DEFAULT_LATENCY,
  formatRange,
  parseRange,
  type LatencyOptions,
} from "./latency-model";
import { cliOption, loadAverage, markdownTable, percentile, positiveIntegers } from "./report-format";

interface Sample {
  wallMs: number;
  calls: Record<string, number>;
  /** With the latency model: the launch's attach time (its slowest attachment), as drawn. */
  attachMs?: number;
  /** With the latency model: from the last attachment becoming `attached` to the accepted CONTINUE. */
  afterAttachedMs?: number;
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

const mutating = (sample: Sample): number => callsByKind(sample.calls).mutating;
const nonMutating = (sample: Sample): number => callsByKind(sample.calls).nonMutating;
/** 3 x networks + 1: create, attach and DeleteOnTermination per ENI, CompleteLifecycleAction. */
export const mutatingBound = (networks: number): number => MUTATING_CALLS_PER_ENI * networks + 1;

export type IpamMix = "mixed" | LambdaIpamMode;

/** The launch's attach time and how long after its last attachment it was CONTINUEd, per the proxy. */
async function attachFigures(
  proxy: ChaosProxy,
  direct: ReturnType<typeof ec2For>,
  outcome: LaunchOutcome,
): Promise<Pick<Sample, "attachMs" | "afterAttachedMs">> {
  const latency = proxy.latency;
  if (!latency) return {};
  const answer = await direct.send(
    new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: outcome.eniIds }),
  );
  const attachments = (answer.NetworkInterfaces ?? []).map((eni) => eni.Attachment?.AttachmentId ?? "");
  const drawn = attachments.map((id) => latency.attachTimeOf(id) ?? Number.NaN);
  const ready = attachments.map((id) => latency.readyAt(id) ?? Number.NaN);
  const [continued] = proxy.ledger.acceptedFor(outcome.instanceId);
  return { attachMs: Math.max(...drawn), afterAttachedMs: continued.atMs - Math.max(...ready) };
}

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
        samples.push({
          wallMs,
          calls: container.calls.byOperation(),
          ...(await attachFigures(proxy, direct, outcome)),
        });
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
    ...(result.latency
      ? ([
          [
            "attach time (slowest attachment), ms",
            spread(samples.map((sample) => sample.attachMs ?? Number.NaN)),
          ],
          [
            "wall time - attach time, ms",
            spread(samples.map((sample) => sample.wallMs - (sample.attachMs ?? 0))),
          ],
          [
            "CONTINUE after last attached, ms",
            spread(samples.map((sample) => sample.afterAttachedMs ?? Number.NaN)),
          ],
        ] as [string, string][])
      : []),
    ["mutating calls per event", spread(samples.map(mutating))],
    ["non-mutating calls per event", spread(samples.map(nonMutating))],
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

export function summaryTable(results: CaseResult[], baseNetworks: number): string {
  const base = (layout: Layout, latencyOn: boolean): number =>
    median(
      results
        .find((r) => r.layout === layout && r.latency === latencyOn && r.networks === baseNetworks)
        ?.samples.map((s) => s.wallMs) ?? [],
    );
  return markdownTable(
    [
      "layout",
      "networks",
      "latency",
      "median ms",
      `x ${baseNetworks} network(s)`,
      "wall - attach time, median / p95 ms",
      "mutating (max)",
      "3 x networks + 1",
      "over",
      "non-mutating, median (max)",
      "DescribeInstances",
    ],
    results.map((result) => {
      const wall = median(result.samples.map((sample) => sample.wallMs));
      const bound = mutatingBound(result.networks);
      const most = Math.max(...result.samples.map(mutating));
      const beyondAttach = result.samples.map((sample) => sample.wallMs - (sample.attachMs ?? 0));
      return [
        LAYOUT_TITLE[result.layout],
        result.networks,
        result.latency ? "on" : "off",
        wall.toFixed(0),
        (wall / base(result.layout, result.latency)).toFixed(2),
        result.latency
          ? `${median(beyondAttach).toFixed(0)} / ${percentile(beyondAttach, 95).toFixed(0)}`
          : "-",
        most,
        bound,
        most > bound ? `+${most - bound}` : "-",
        `${median(result.samples.map(nonMutating))} (${Math.max(...result.samples.map(nonMutating))})`,
        median(result.samples.map((sample) => sample.calls.DescribeInstances ?? 0)),
      ];
    }),
  );
}

async function main(): Promise<void> {
  const [events] = positiveIntegers(cliOption("events", "20"), "events");
  const networkCounts = positiveIntegers(cliOption("networks", "1,2,4"), "networks");
  const mix = cliOption("ipam", "mixed") as IpamMix;
  if (!["mixed", "host-local", "eni-prefix", "vpc-ip"].includes(mix))
    throw new Error(`--ipam must be mixed, host-local, eni-prefix or vpc-ip (got ${mix})`);
  const layouts = parseLayouts();
  const attachText = cliOption("attach-ms", "");
  const latency: LatencyOptions = {
    roundTripMs: parseRange(cliOption("rtt-ms", "40-120"), "rtt-ms"),
    attachingMs: attachText ? parseRange(attachText, "attach-ms") : DEFAULT_LATENCY.attachingMs,
    seed: cliOption("seed", "14"),
  };
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const loadBefore = loadAverage();
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
    console.log(
      `\nSummary (${mix}; latency model: round trip ${formatRange(latency.roundTripMs)}, attach time ${formatRange(latency.attachingMs)} ` +
        `(${attachText ? "set with --attach-ms" : `the documented range: ${ATTACH_RANGE_SOURCE}`}); load average ${loadBefore} before, ${loadAverage()} after)`,
    );
    console.log(summaryTable(results, networkCounts[0]));
    if (
      results.some((result) => Math.max(...result.samples.map(mutating)) > mutatingBound(result.networks))
    ) {
      console.log(
        "\nOver 3 x networks + 1 mutating: one source/dest-check call per host-local network. Pods there use\n" +
          "addresses that are not the ENI's, and ModifyNetworkInterfaceAttribute sets one attribute per call, so it\n" +
          "cannot share DeleteOnTermination's call (eni-prefix and vpc-ip networks need neither).",
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
