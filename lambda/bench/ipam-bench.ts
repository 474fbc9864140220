/**
 * `npm run bench:ipam`: the multus-vpc-ip plugin against moto behind the chaos proxy (EC2's
 * documented throttling buckets, its one-holder-per-address rule and per-ENI address limits),
 * plugin processes run for real through the CNI protocol.
 *
 * 1. cost: one call on a node, the plugin (stdlib SigV4) versus the AWS CLI, RSS and CPU, and wall
 *    time under the Multus daemon's limits (ipam-cost.ts).
 * 2. latency: pod ADD latency (min / median / p95) and EC2 requests per ADD (all, and writes:
 *    Assign + Unassign) at 1, 20 and 100 concurrent ADDs spread over 10 nodes on one /24 range.
 * 3. fill: time to exhaust the range (every address held), release it, and refill it.
 * 4. trial: the seeded race trial (tests/vpc-ip/race-trial.ts): ADD, DEL (also during an ADD),
 *    CHECK, reconcile and reboots with Describe lag, throttling storms and lost replies.
 * Correctness is counted from the plugin's results (what the user sees): addresses given to two
 * live pods at once; EC2's holders are shown beside it.
 *
 * Options: --sections cost,latency,fill,trial  --concurrency 1,20,100  --nodes 10  --cost-rounds 3
 *          --instance-type c5.4xlarge  --plugin PATH (another version of the plugin, to compare)
 *          --trial-ops 1000  --trial-nodes 4  --trial-seed bench  --trial-concurrency 8
 */
import { performance } from "node:perf_hooks";
import { startMoto } from "../../tests/support/moto";
import { runRaceTrial, type TrialReport } from "../../tests/vpc-ip/race-trial";
import { VpcIpWorld, type SimNode } from "../../tests/vpc-ip/world";
import { cliVersion, DAEMON_CPU_MILLICORES, DAEMON_MEMORY_MIB, measureCost } from "./ipam-cost";
import { cliOption, markdownTable, percentile, positiveIntegers } from "./report-format";
import { EC2_THROTTLE_TABLE } from "./token-bucket";

/** The range: most of a /24, leaving .4-.15 for the nodes' ENI primaries (EC2 never auto-assigns
 * inside the range: the world covers it with explicit reservations, as the deployment does). */
const RANGE_START = 16;
const RANGE_END = 254;
const RANGE_SIZE = RANGE_END - RANGE_START + 1;

const WRITE_ACTIONS = ["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"];
const EC2_ACTIONS = [...WRITE_ACTIONS, "DescribeNetworkInterfaces"];

interface AddRun {
  id: string;
  ms: number;
  ok: boolean;
  address?: string;
  code?: number;
}

function requests(world: VpcIpWorld, actions: readonly string[]): number {
  return actions.reduce((sum, action) => sum + (world.proxy.stats.get(action)?.requests ?? 0), 0);
}

function throttled(world: VpcIpWorld): number {
  return [...world.proxy.stats.values()].reduce((sum, entry) => sum + entry.throttled, 0);
}

async function timedAdd(world: VpcIpWorld, node: SimNode, id: string): Promise<AddRun> {
  const started = performance.now();
  const outcome = await world.invoke(node, "ADD", id, { netns: "/proc/self/ns/net" });
  const ms = performance.now() - started;
  if (outcome.exitCode !== 0) {
    return { id, ms, ok: false, code: (JSON.parse(outcome.stdout || "{}") as { code?: number }).code };
  }
  const result = JSON.parse(outcome.stdout) as { ips: { address: string }[] };
  return { id, ms, ok: true, address: result.ips[0].address.split("/")[0] };
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Live pods by address, from the ADD results: what the user would see. */
class LivePods {
  private readonly byPod = new Map<string, string>();
  add(run: AddRun): void {
    if (run.ok && run.address) this.byPod.set(run.id, run.address);
  }
  remove(id: string): void {
    this.byPod.delete(id);
  }
  /** Addresses given to more than one live pod. */
  shared(): number {
    const pods = new Map<string, number>();
    for (const address of this.byPod.values()) pods.set(address, (pods.get(address) ?? 0) + 1);
    return [...pods.values()].filter((count) => count > 1).length;
  }
}

async function duplicateHolders(world: VpcIpWorld): Promise<number> {
  const holders = await world.holders();
  return [...holders.values()].filter((enis) => new Set(enis).size > 1).length;
}

interface BenchSettings {
  moto: { endpoint: string; reset(): Promise<void> };
  nodeCount: number;
  instanceType: string;
  plugin?: string;
}

async function benchWorld(settings: BenchSettings): Promise<VpcIpWorld> {
  await settings.moto.reset();
  return VpcIpWorld.create(settings.moto.endpoint, {
    nodes: settings.nodeCount,
    rangeStart: RANGE_START,
    rangeEnd: RANGE_END,
    instanceType: settings.instanceType,
    plugin: settings.plugin,
    proxy: { throttle: EC2_THROTTLE_TABLE },
  });
}

async function costSection(settings: BenchSettings, rounds: number): Promise<void> {
  await settings.moto.reset();
  const world = await VpcIpWorld.create(settings.moto.endpoint, {
    nodes: 1,
    rangeStart: 70,
    rangeEnd: 80,
    plugin: settings.plugin,
  });
  const cost = await measureCost(world, rounds);
  await world.close();
  console.log(`\n## Cost of one call on a node (${cliVersion()})\n`);
  console.log(cost.table);
  console.log(
    cost.limited
      ? `\n"(100m CPU, 50 MiB)": the same process inside a cgroup with the Multus daemon's limits (${DAEMON_CPU_MILLICORES}m, ${DAEMON_MEMORY_MIB} MiB).`
      : "\n(no cgroup could be made here: figures without the daemon's limits only)",
  );
}

async function latencySection(settings: BenchSettings, concurrencies: number[]): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const concurrency of concurrencies) {
    const world = await benchWorld(settings);
    // One ADD at a time is measured ten times; bursts once.
    const bursts = concurrency === 1 ? 10 : 1;
    const runs: AddRun[] = [];
    const live = new LivePods();
    const before = requests(world, EC2_ACTIONS);
    const writesBefore = requests(world, WRITE_ACTIONS);
    for (let burst = 0; burst < bursts; burst++) {
      runs.push(
        ...(await Promise.all(
          Array.from({ length: concurrency }, (_, index) =>
            timedAdd(world, world.nodes[index % settings.nodeCount], `c${concurrency}-b${burst}-p${index}`),
          ),
        )),
      );
    }
    for (const run of runs) live.add(run);
    const calls = requests(world, EC2_ACTIONS) - before;
    const writes = requests(world, WRITE_ACTIONS) - writesBefore;
    const ok = runs.filter((run) => run.ok).map((run) => run.ms);
    rows.push([
      concurrency,
      `${ok.length}/${runs.length}`,
      (Math.min(...ok) / 1000).toFixed(2),
      (percentile(ok, 50) / 1000).toFixed(2),
      (percentile(ok, 95) / 1000).toFixed(2),
      (calls / runs.length).toFixed(2),
      (writes / runs.length).toFixed(2),
      throttled(world),
      live.shared(),
      await duplicateHolders(world),
    ]);
    await world.close();
  }
  console.log(
    `\n## Pod ADD latency, ${settings.nodeCount} ${settings.instanceType} nodes, one range of a /24 (.${RANGE_START}-.${RANGE_END}), EC2 throttling buckets\n`,
  );
  console.log(
    markdownTable(
      [
        "concurrent ADDs",
        "ok",
        "min s",
        "median s",
        "p95 s",
        "EC2 requests per ADD",
        "EC2 writes per ADD",
        "throttled",
        "addresses on 2+ pods",
        "duplicate holders in EC2",
      ],
      rows,
    ),
  );
}

async function fillSection(settings: BenchSettings): Promise<void> {
  const world = await benchWorld(settings);
  const ids = Array.from({ length: RANGE_SIZE }, (_, index) => `fill-${index}`);
  const nodeOf = (index: number): SimNode => world.nodes[index % settings.nodeCount];
  const live = new LivePods();
  let retried = 0;
  const phase = async (label: string, work: () => Promise<unknown>): Promise<string[]> => {
    const started = performance.now();
    await work();
    const holders = await world.holders();
    return [
      label,
      ((performance.now() - started) / 1000).toFixed(1),
      String(holders.size),
      String(live.shared()),
      String(await duplicateHolders(world)),
      String(throttled(world)),
      String(retried),
    ];
  };
  // As kubelet does, a failed call (try again later) is retried, up to 10 rounds of 20 at a time.
  const untilAllSucceed = async (
    names: readonly string[],
    call: (id: string, index: number) => Promise<boolean>,
  ): Promise<number> => {
    let pending = names.map((id, index) => ({ id, index }));
    let again = 0;
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      const runs = await pool(
        pending.map(
          ({ id, index }) =>
            () =>
              call(id, index),
        ),
        20,
      );
      pending = pending.filter((_, position) => !runs[position]);
      again += pending.length;
    }
    return again;
  };
  const addAll = async (): Promise<void> => {
    retried += await untilAllSucceed(ids, async (id, index) => {
      const run = await timedAdd(world, nodeOf(index), id);
      live.add(run);
      return run.ok;
    });
  };
  const rows = [await phase(`exhaust (${RANGE_SIZE} ADDs, 20 at a time)`, addAll)];
  const extra = await timedAdd(world, nodeOf(0), "one-too-many");
  live.add(extra);
  rows.push([
    `ADD on the full range: ${extra.ok ? "succeeded (!)" : `CNI error ${extra.code}`}`,
    (extra.ms / 1000).toFixed(1),
    "",
    "",
    "",
    "",
    "",
  ]);
  // kubelet retries a failed DEL (try again later: throttled Unassign) as it retries an ADD.
  let delsRetried = 0;
  const releaseAll = async (): Promise<void> => {
    delsRetried = await untilAllSucceed([...ids, "one-too-many"], async (id, index) => {
      const deleted =
        (await world.invoke(nodeOf(index), "DEL", id, { netns: "/proc/self/ns/net" })).exitCode === 0;
      if (deleted) live.remove(id);
      return deleted;
    });
  };
  const releaseRow = await phase(`release (${RANGE_SIZE + 1} DELs, 20 at a time)`, releaseAll);
  releaseRow[0] += ` (${delsRetried} DELs retried)`;
  rows.push(releaseRow);
  rows.push(await phase(`refill (${RANGE_SIZE} ADDs, 20 at a time)`, addAll));
  await world.close();
  console.log(
    `\n## Exhaust, release and refill the range over ${settings.nodeCount} ${settings.instanceType} nodes\n`,
  );
  console.log(
    markdownTable(
      [
        "phase",
        "seconds",
        "addresses held after",
        "addresses on 2+ pods",
        "duplicate holders in EC2",
        "throttled so far",
        "ADDs retried so far",
      ],
      rows,
    ),
  );
}

function outcomes(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");
}

async function trialSection(settings: BenchSettings): Promise<TrialReport> {
  await settings.moto.reset();
  const operations = positiveIntegers(cliOption("trial-ops", "1000"), "trial-ops")[0];
  const nodes = positiveIntegers(cliOption("trial-nodes", "4"), "trial-nodes")[0];
  const concurrency = positiveIntegers(cliOption("trial-concurrency", "8"), "trial-concurrency")[0];
  const seed = cliOption("trial-seed", "bench");
  const report = await runRaceTrial(settings.moto.endpoint, {
    seed,
    operations,
    nodes,
    rangeStart: 70,
    rangeEnd: 85,
    concurrency,
    instanceType: "c5.large",
    plugin: settings.plugin,
  });
  console.log(
    `\n## Race trial: ${operations} operations (seed "${seed}"), ${nodes} c5.large nodes, range .70-.85, ${concurrency} in flight, Describe lag 0.5-4 s, throttling storms, 3% 5xx (half after EC2 performed the call)\n`,
  );
  console.log(
    markdownTable(
      ["figure", "value"],
      [
        ["operations", outcomes(report.operations)],
        ["ADD outcomes", outcomes(report.addOutcomes)],
        ["addresses on two live pods", report.sharedAddresses.length],
        ["live pods without their address in EC2 (at checkpoints)", report.liveWithoutAddress.length],
        ["addresses left in EC2 after DELs and reconciles settle", report.leaks.length],
        ["ADDs that succeeded after their DEL was issued", report.lateAdds],
        ["CHECK failures on live pods", outcomes(report.checkFailuresOnLivePods) || "0"],
        ["DELs retried (try again later)", report.delRetries],
        ["quiet checkpoints", report.checkpoints],
        ["stale Describe answers served", report.staleDescribes],
        ["requests throttled (bucket) / injected (storms, 5xx)", `${report.throttled} / ${report.injected}`],
        ["seconds", report.seconds.toFixed(0)],
      ],
    ),
  );
  for (const line of [...report.sharedAddresses, ...report.liveWithoutAddress]) console.log(`- ${line}`);
  return report;
}

async function main(): Promise<void> {
  const sections = cliOption("sections", "cost,latency,fill,trial").split(",");
  const moto = await startMoto();
  const settings: BenchSettings = {
    moto,
    nodeCount: positiveIntegers(cliOption("nodes", "10"), "nodes")[0],
    instanceType: cliOption("instance-type", "c5.4xlarge"),
    plugin: cliOption("plugin", "") || undefined,
  };
  try {
    if (settings.plugin) console.log(`plugin under test: ${settings.plugin}`);
    if (sections.includes("cost"))
      await costSection(settings, positiveIntegers(cliOption("cost-rounds", "3"), "cost-rounds")[0]);
    if (sections.includes("latency"))
      await latencySection(settings, positiveIntegers(cliOption("concurrency", "1,20,100"), "concurrency"));
    if (sections.includes("fill")) await fillSection(settings);
    if (sections.includes("trial")) await trialSection(settings);
  } finally {
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
