/**
 * Benchmark of the ENI-attach handler against a local moto server:
 *   npx ts-node --transpile-only lambda/bench/lambda-bench.ts [eventsPerCase]
 * For 1 and 2 Multus networks it handles launch events for fresh instances, one after another,
 * and prints wall time per event and AWS API calls per event (per operation). moto answers in
 * about a millisecond and never throttles, so the times measure the handler's own overhead and
 * call pattern, not EC2's latency; the call counts carry over to real EC2 unchanged (waits end at
 * the first check in moto; on EC2 a wait may take more Describe calls).
 */

import { createHandler } from "../src/handler";
import type { LaunchOutcome } from "../src/launch";
import {
  AZ_A,
  AZ_B,
  buildWorld,
  configFor,
  depsFor,
  ec2For,
  launchEvent,
  launchInstance,
} from "../../tests/lambda/fixture";
import { startMoto } from "../../tests/support/moto";

interface Sample {
  wallMs: number;
  calls: Record<string, number>;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const format = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  return `${format(sorted[0])} / ${format(median)} / ${format(sorted[sorted.length - 1])}`;
}

async function runCase(endpoint: string, networkCount: number, events: number): Promise<Sample[]> {
  const ec2 = ec2For(endpoint);
  const world = await buildWorld(ec2, 2);
  const config = configFor(world, { networks: world.networks.slice(0, networkCount) });
  const samples: Sample[] = [];
  for (let i = 0; i < events; i++) {
    const instanceId = await launchInstance(ec2, world, i % 2 === 0 ? AZ_A : AZ_B);
    const { deps, ec2Calls, autoScalingCalls } = depsFor(endpoint, config);
    const handle = createHandler(deps);
    const started = process.hrtime.bigint();
    const outcome = (await handle(launchEvent(instanceId))) as LaunchOutcome;
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (outcome.result !== "CONTINUE")
      throw new Error(`launch ${i} of ${instanceId} ended ${outcome.result}: ${outcome.error}`);
    samples.push({ wallMs, calls: { ...ec2Calls.byOperation(), ...autoScalingCalls.byOperation() } });
  }
  return samples;
}

function printCase(networkCount: number, samples: Sample[]): void {
  const operations = [...new Set(samples.flatMap((sample) => Object.keys(sample.calls)))].sort();
  const rows: [string, string][] = [
    ["wall time per event, ms", stats(samples.map((sample) => sample.wallMs))],
    [
      "AWS calls per event, total",
      stats(samples.map((sample) => Object.values(sample.calls).reduce((a, b) => a + b, 0))),
    ],
    ...operations.map((operation): [string, string] => [
      `  ${operation}`,
      stats(samples.map((sample) => sample.calls[operation] ?? 0)),
    ]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${networkCount} Multus network(s), ${samples.length} launch events (min / median / max)`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 20);
  if (!Number.isInteger(events) || events < 1)
    throw new Error(`events per case must be a positive integer, got ${process.argv[2]}`);
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const moto = await startMoto();
  try {
    // One warm-up event so module loading and the first connection do not count.
    await runCase(moto.endpoint, 1, 1);
    for (const networkCount of [1, 2]) {
      await moto.reset();
      printCase(networkCount, await runCase(moto.endpoint, networkCount, events));
    }
  } finally {
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
