/**
 * Burst benchmark: N launch events at once (N = 10, 50, 100 by default), two Multus networks,
 * through the chaos proxy at EC2's published rate limits. Each event gets its own clients, as
 * separate Lambda containers would. Prints the time to the last CONTINUE, p50/p95 per event, API
 * requests and retries, and checks the end state. Two bounds, each from EC2's token buckets:
 * - the mutating-call bound: the time the mutating buckets (Create/Delete/Modify 100 + 5/s, Attach
 *   50 + 5/s) need for the mutating calls the launches cannot avoid; it sets how fast a burst can go;
 * - the Describe bucket (non-mutating, 100 + 20/s): the attachment checks, measured against their
 *   own bucket (requests, throttled, share of what the bucket allowed over the burst).
 * Two IPAM layouts: "mixed" (one host-local and one eni-prefix network, the fixture's) and
 * "eni-prefix" (both networks), which needs no source/dest-check call. `--latency on` adds the
 * latency model (round trip 40-120 ms, attach times from the documented range), where attachments
 * take seconds and the launches check more than once.
 *
 *   npm run bench:burst -- [--sizes 10,50,100] [--ipam mixed,eni-prefix] [--max-attempts 6]
 *                          [--latency off|on|off,on] [--error-rate 0] [--seed 7]
 */

import type { LaunchOutcome } from "../src/launch";
import { createHandler } from "../src/handler";
import { ENI_LAMBDA_TIMEOUT_SECONDS, SDK_MAX_ATTEMPTS } from "../src/retry-settings";
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
import type { LambdaConfig } from "../src/config";
import { availableClusterEnis, judge, snapshotEnis } from "./end-state";
import {
  cliOption,
  loadAverage,
  markdownTable,
  percentile,
  positiveIntegers,
  seconds,
} from "./report-format";
import { ATTACH_RANGE_SOURCE, DEFAULT_LATENCY, formatRange, type LatencyOptions } from "./latency-model";
import { drainSeconds, EC2_THROTTLE_TABLE, bucketSpecFor, type ThrottleTable } from "./token-bucket";
import { isMutatingCall } from "../src/call-budget";

export interface BurstOptions {
  moto: MotoServer;
  events: number;
  maxAttempts?: number;
  randomErrorRate?: number;
  seed?: number;
  throttle?: ThrottleTable;
  /** "mixed" (default): host-local and eni-prefix; or every network in one mode. */
  ipam?: "mixed" | "host-local" | "eni-prefix" | "vpc-ip";
  /** EC2-like latency (round trips, attach times); off when absent. */
  latency?: LatencyOptions;
}

export interface ActionRow {
  action: string;
  mutating: boolean;
  minimumCalls: number;
  proxyRequests: number;
  throttled: number;
  injected: number;
  admitted: number;
  bucket: string;
  drainMinimumS: number;
  drainAdmittedS: number;
}

export interface BurstResult {
  events: number;
  ipam: string;
  latency: boolean;
  maxAttempts: number;
  lastContinueMs: number;
  lastReturnMs: number;
  eventMs: number[];
  results: Record<string, number>;
  verdicts: Record<string, number>;
  problems: string[];
  availableLeft: number;
  sdkSends: number;
  sdkAttempts: number;
  failedSends: Record<string, number>;
  slowestEventRetryDelayMs: number;
  actions: ActionRow[];
  /** The mutating-call bound: the slowest mutating bucket's drain time for the unavoidable calls. */
  lowerBoundS: number;
  lowerBoundAdmittedS: number;
  /** DescribeNetworkInterfaces (the attachment checks) against its own bucket. */
  describe: DescribeUse;
}

export interface DescribeUse {
  requests: number;
  throttled: number;
  admitted: number;
  /** What the bucket could admit from the burst's start to the last CONTINUE: capacity + refill x time. */
  allowed: number;
}

/**
 * The fewest requests per action N launches need: per launch one DescribeInstances and one
 * attachment check (non-mutating); per ENI a create, an attach and DeleteOnTermination, and in
 * host-local the source/dest check (mutating: EC2 sets one attribute per call, and attaching has no
 * DeleteOnTermination).
 */
export function minimumCalls(events: number, networks: LambdaConfig["networks"]): Record<string, number> {
  const hostLocal = networks.filter((network) => network.ipam === "host-local").length;
  return {
    DescribeInstances: events,
    DescribeNetworkInterfaces: events,
    CreateNetworkInterface: events * networks.length,
    AttachNetworkInterface: events * networks.length,
    ModifyNetworkInterfaceAttribute: events * (networks.length + hostLocal),
  };
}

/**
 * The mutating-call bound: the slowest mutating bucket's time to pass `calls` (per action) from a
 * full start. Non-mutating calls have buckets of their own and are measured apart.
 */
export function mutatingBoundSeconds(calls: Record<string, number>, throttle: ThrottleTable): number {
  return Math.max(
    0,
    ...Object.entries(calls)
      .filter(([action]) => isMutatingCall(action))
      .map(([action, count]) => drainSeconds(count, bucketSpecFor(throttle, action))),
  );
}

async function launchInstances(
  direct: ReturnType<typeof ec2For>,
  world: Awaited<ReturnType<typeof buildWorld>>,
  count: number,
): Promise<{ id: string; az: string }[]> {
  const instances: { id: string; az: string }[] = [];
  for (let start = 0; start < count; start += 10) {
    const batch = Array.from({ length: Math.min(10, count - start) }, (_, k) =>
      (start + k) % 2 === 0 ? AZ_A : AZ_B,
    );
    instances.push(
      ...(await Promise.all(batch.map(async (az) => ({ id: await launchInstance(direct, world, az), az })))),
    );
  }
  return instances;
}

export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const { moto, events } = options;
  const maxAttempts = options.maxAttempts ?? SDK_MAX_ATTEMPTS;
  const throttle = options.throttle ?? EC2_THROTTLE_TABLE;
  await moto.reset();
  const direct = ec2For(moto.endpoint);
  const world = await buildWorld(direct, 2);
  const ipam = options.ipam ?? "mixed";
  const config = configFor(world, {
    networks: world.networks.map((network) =>
      ipam === "mixed" ? network : { ...network, ipam, prefixDelegation: ipam === "eni-prefix" },
    ),
  });
  // Instances straight in moto: the launches are not part of what is measured.
  const instances = await launchInstances(direct, world, events);
  const proxy = await startChaosProxy({
    upstream: moto.endpoint,
    throttle,
    randomErrorRate: options.randomErrorRate ?? 0,
    seed: options.seed ?? 7,
    latency: options.latency,
  });
  const containers = instances.map(() => chaosDeps(proxy.endpoint, config, { maxAttempts }));
  const results: Record<string, number> = {};
  const eventMs: number[] = [];
  const started = Date.now();
  try {
    await Promise.all(
      instances.map(async (instance, i) => {
        const handle = createHandler(containers[i].deps);
        let result: string;
        try {
          result = ((await handle(launchEvent(instance.id), INVOCATION_TIME_MS)) as LaunchOutcome).result;
        } catch (error) {
          result = `threw ${error instanceof Error ? error.name : "error"}`;
        }
        eventMs[i] = Date.now() - started;
        results[result] = (results[result] ?? 0) + 1;
      }),
    );
    const lastReturnMs = Date.now() - started;
    const continues = proxy.ledger.completions.filter((c) => c.accepted && c.result === "CONTINUE");
    const lastContinueMs = continues.length
      ? Math.max(...continues.map((c) => c.atMs)) - started
      : Number.NaN;

    const snapshot = await snapshotEnis(
      direct,
      config.clusterName,
      instances.map((instance) => instance.id),
    );
    const context = { config, ledger: proxy.ledger, fidelity: proxy.fidelity };
    const verdicts: Record<string, number> = {};
    const problems: string[] = [];
    for (const instance of instances) {
      const verdict = judge(context, snapshot, instance.id, instance.az);
      verdicts[verdict.outcome] = (verdicts[verdict.outcome] ?? 0) + 1;
      problems.push(...verdict.problems.map((problem) => `${instance.id}: ${problem}`));
    }
    const availableLeft = (await availableClusterEnis(direct, config.clusterName)).length;

    const sends = containers.flatMap((container) => container.attempts.sends);
    const failedSends: Record<string, number> = {};
    for (const send of sends.filter((s) => !s.ok)) {
      const key = `${send.operation} ${send.error}`;
      failedSends[key] = (failedSends[key] ?? 0) + 1;
    }
    const minimum = minimumCalls(events, config.networks);
    const actions: ActionRow[] = [...new Set([...Object.keys(minimum), ...proxy.stats.keys()])]
      .filter((action) => action !== "CompleteLifecycleAction")
      .map((action) => {
        const stats = proxy.stats.get(action) ?? { requests: 0, throttled: 0, injected: 0, performed: 0 };
        const spec = bucketSpecFor(throttle, action);
        const admitted = stats.requests - stats.throttled - stats.injected;
        return {
          action,
          mutating: isMutatingCall(action),
          minimumCalls: minimum[action] ?? 0,
          proxyRequests: stats.requests,
          throttled: stats.throttled,
          injected: stats.injected,
          admitted,
          bucket: `${spec.capacity} / ${spec.refillPerSecond} per s`,
          drainMinimumS: drainSeconds(minimum[action] ?? 0, spec),
          drainAdmittedS: drainSeconds(admitted, spec),
        };
      });
    const mutatingRows = actions.filter((row) => row.mutating);
    const describeStats = proxy.stats.get("DescribeNetworkInterfaces") ?? {
      requests: 0,
      throttled: 0,
      injected: 0,
      performed: 0,
    };
    const describeSpec = bucketSpecFor(throttle, "DescribeNetworkInterfaces");
    return {
      events,
      ipam,
      latency: options.latency !== undefined,
      maxAttempts,
      lastContinueMs,
      lastReturnMs,
      eventMs,
      results,
      verdicts,
      problems,
      availableLeft,
      sdkSends: sends.length,
      sdkAttempts: sends.reduce((sum, send) => sum + send.attempts, 0),
      failedSends,
      slowestEventRetryDelayMs: Math.max(
        ...containers.map((container) =>
          container.attempts.sends.reduce((sum, send) => sum + send.retryDelayMs, 0),
        ),
      ),
      actions,
      lowerBoundS: mutatingBoundSeconds(minimum, throttle),
      lowerBoundAdmittedS: Math.max(...mutatingRows.map((row) => row.drainAdmittedS)),
      describe: {
        requests: describeStats.requests,
        throttled: describeStats.throttled,
        admitted: describeStats.requests - describeStats.throttled - describeStats.injected,
        allowed: Math.floor(describeSpec.capacity + (describeSpec.refillPerSecond * lastContinueMs) / 1000),
      },
    };
  } finally {
    for (const container of containers) container.destroy();
    await proxy.stop();
    direct.destroy();
  }
}

const tally = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([key, count]) => `${key} ${count}`)
    .join(", ") || "-";

export function summaryTable(runs: BurstResult[]): string {
  return markdownTable(
    [
      "N",
      "ipam",
      "latency",
      "attempts/call",
      "last CONTINUE s",
      "p50 s",
      "p95 s",
      "max s",
      "mutating bound s",
      "x bound",
      "Describe: per launch, throttled, % of bucket",
      "results",
      "end state",
      "available ENIs",
      "SDK sends",
      "attempts",
      "retries",
    ],
    runs.map((run) => [
      run.events,
      run.ipam,
      run.latency ? "on" : "off",
      run.maxAttempts,
      seconds(run.lastContinueMs),
      seconds(percentile(run.eventMs, 50)),
      seconds(percentile(run.eventMs, 95)),
      seconds(Math.max(...run.eventMs)),
      run.lowerBoundS.toFixed(1),
      run.lowerBoundS > 0 ? (run.lastContinueMs / 1000 / run.lowerBoundS).toFixed(2) : "-",
      `${(run.describe.requests / run.events).toFixed(1)}, ${run.describe.throttled}, ${((100 * run.describe.admitted) / run.describe.allowed).toFixed(0)} %`,
      tally(run.results),
      tally(run.verdicts),
      run.availableLeft,
      run.sdkSends,
      run.sdkAttempts,
      run.sdkAttempts - run.sdkSends,
    ]),
  );
}

export function actionTable(run: BurstResult): string {
  return markdownTable(
    [
      "action",
      "kind",
      "bucket",
      "minimum calls",
      "requests at proxy",
      "throttled",
      "admitted",
      "drain s (minimum)",
      "drain s (admitted)",
    ],
    run.actions.map((row) => [
      row.action,
      row.mutating ? "mutating" : "non-mutating",
      row.bucket,
      row.minimumCalls,
      row.proxyRequests,
      row.throttled,
      row.admitted,
      row.drainMinimumS.toFixed(1),
      row.drainAdmittedS.toFixed(1),
    ]),
  );
}

/** True when every instance completed, nothing leaked and every event ended within the Lambda timeout. */
export function burstPassed(run: BurstResult): boolean {
  return (
    run.verdicts.complete === run.events &&
    run.availableLeft === 0 &&
    Math.max(...run.eventMs) <= ENI_LAMBDA_TIMEOUT_SECONDS * 1000
  );
}

async function main(): Promise<void> {
  const sizes = positiveIntegers(cliOption("sizes", "10,50,100"), "sizes");
  const maxAttempts = positiveIntegers(cliOption("max-attempts", String(SDK_MAX_ATTEMPTS)), "max-attempts");
  const randomErrorRate = Number(cliOption("error-rate", "0"));
  const seed = Number(cliOption("seed", "7"));
  const layouts = cliOption("ipam", "mixed,eni-prefix").split(",") as BurstOptions["ipam"][];
  const latencies = cliOption("latency", "off").split(",");
  if (latencies.some((value) => value !== "off" && value !== "on"))
    throw new Error(`--latency takes off, on or off,on (got ${latencies.join(",")})`);
  const loadBefore = loadAverage();
  const moto = await startMoto();
  const runs: BurstResult[] = [];
  try {
    for (const latencyMode of latencies) {
      const latency = latencyMode === "on" ? { ...DEFAULT_LATENCY, seed } : undefined;
      for (const ipam of layouts) {
        for (const attempts of maxAttempts) {
          for (const events of sizes) {
            const run = await runBurst({
              moto,
              events,
              maxAttempts: attempts,
              randomErrorRate,
              seed,
              ipam,
              latency,
            });
            runs.push(run);
            console.log(
              `\nN=${events} (${ipam}, latency model ${latencyMode}), ${attempts} attempts per call, random 5xx p=${randomErrorRate}: per action`,
            );
            console.log(actionTable(run));
            if (Object.keys(run.failedSends).length)
              console.log(`failed SDK sends: ${tally(run.failedSends)}`);
            console.log(
              `slowest event's total SDK retry delay: ${seconds(run.slowestEventRetryDelayMs)} s; mutating-call bound ${run.lowerBoundS.toFixed(1)} s (from admitted calls ${run.lowerBoundAdmittedS.toFixed(1)} s); ` +
                `Describe: ${run.describe.admitted} admitted of the ${run.describe.allowed} its bucket allowed by the last CONTINUE, ${run.describe.throttled} throttled`,
            );
            for (const problem of run.problems.slice(0, 10)) console.log(`  problem: ${problem}`);
            if (run.problems.length > 10) console.log(`  ... and ${run.problems.length - 10} more problems`);
          }
        }
      }
    }
    // Printed before moto stops: its process is unref'd, so Node may exit while stop() waits.
    console.log(
      `\nBurst summary (EC2 buckets: Create/Delete/Modify 100 + 5/s, Attach 50 + 5/s, Describe 100 + 20/s; Lambda timeout ${ENI_LAMBDA_TIMEOUT_SECONDS} s; ` +
        `latency model when on: round trip ${formatRange(DEFAULT_LATENCY.roundTripMs)}, attach time ${formatRange(DEFAULT_LATENCY.attachingMs)} (${ATTACH_RANGE_SOURCE}); ` +
        `load average ${loadBefore} before, ${loadAverage()} after)`,
    );
    console.log(summaryTable(runs));
    const failed = runs.filter((run) => !burstPassed(run));
    if (failed.length) {
      console.log(
        `\nNOT PASSED: ${failed.map((run) => `N=${run.events} ${run.ipam} (attempts ${run.maxAttempts}, latency ${run.latency ? "on" : "off"})`).join(", ")}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
