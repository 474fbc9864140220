/**
 * `npm run bench:ipam`: the multus-vpc-ip plugin against moto behind the chaos proxy (EC2's
 * documented throttling buckets, its one-holder-per-address rule and per-ENI address limits),
 * plugin processes run for real through the CNI protocol.
 *
 * 1. cost: one call on a node, the plugin (stdlib SigV4) versus the AWS CLI, RSS and CPU, and wall
 *    time under the Multus daemon's limits (ipam-cost.ts).
 * 2. latency: pod ADD latency (min / median / p95) and EC2 requests per ADD (all, and writes:
 *    Assign + Unassign) at 1, 20 and 100 concurrent ADDs spread over 10 nodes on one /24 range, and
 *    10 at once on one node (what each node of the 100 sees); with the warm set's spares off and on
 *    (--spares). The plugin processes' CPU is measured (GNU time): every ADD is a Python process,
 *    and the simulated nodes share this machine's cores, which sets a floor under the latency. They
 *    run at nice 10, so that the stand-ins for EC2 and IMDS (not on the node's CPUs on AWS) keep up.
 * 3. fill: time to exhaust the range (every address held), release it, and refill it.
 * 4. trial: the seeded race trial (tests/vpc-ip/race-trial.ts): ADD, DEL (also during an ADD),
 *    CHECK, reconcile and reboots with Describe lag, throttling storms and lost replies.
 * Correctness is counted from the plugin's results (what the user sees): addresses given to two
 * live pods at once; EC2's holders are shown beside it.
 *
 * Options: --sections cost,latency,fill,trial  --concurrency 1,20,100  --nodes 10  --cost-rounds 3
 *          --spares 0 (comma-separated: MULTUS_VPC_IP_WARM_SPARES values to compare)
 *          --instance-type c5.4xlarge  --plugin PATH (another version of the plugin, to compare)
 *          --trial-ops 1000  --trial-nodes 4  --trial-seed bench  --trial-concurrency 8
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
  /** CPU seconds of the plugin process (user + system), when measured. */
  cpu?: number;
}

function requests(world: VpcIpWorld, actions: readonly string[]): number {
  return actions.reduce((sum, action) => sum + (world.proxy.stats.get(action)?.requests ?? 0), 0);
}

function throttled(world: VpcIpWorld): number {
  return [...world.proxy.stats.values()].reduce((sum, entry) => sum + entry.throttled, 0);
}

function runOf(id: string, ms: number, exitCode: number, stdout: string, cpu?: number): AddRun {
  if (exitCode !== 0) {
    return { id, ms, ok: false, cpu, code: (JSON.parse(stdout || "{}") as { code?: number }).code };
  }
  const result = JSON.parse(stdout) as { ips: { address: string }[] };
  return { id, ms, ok: true, cpu, address: result.ips[0].address.split("/")[0] };
}

async function timedAdd(
  world: VpcIpWorld,
  node: SimNode,
  id: string,
  extraEnv: Record<string, string> = {},
): Promise<AddRun> {
  const started = performance.now();
  const outcome = await world.invoke(node, "ADD", id, { netns: "/proc/self/ns/net", extraEnv });
  return runOf(id, performance.now() - started, outcome.exitCode, outcome.stdout);
}

/** An ADD whose process CPU GNU time measures (its own CPU cost is a few milliseconds). */
async function cpuTimedAdd(
  world: VpcIpWorld,
  node: SimNode,
  id: string,
  extraEnv: Record<string, string>,
): Promise<AddRun> {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ipam-add-")), "time");
  // At nice 10: on AWS, EC2 and IMDS do not run on the node, so their stand-ins here (the proxy, the
  // fake IMDS and moto) must not starve behind the nodes' plugin processes.
  const child = spawn("nice", ["-n", "10", "/usr/bin/time", "-o", report, "-f", "%U %S", world.plugin], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: id,
      CNI_NETNS: "/proc/self/ns/net",
      CNI_IFNAME: "net1",
      CNI_PATH: "/usr/lib/cni",
      ...world.nodeEnv(node),
      ...extraEnv,
    },
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdin.end(JSON.stringify(world.config()));
  const started = performance.now();
  const exitCode = await new Promise<number>((done) => child.once("close", (code) => done(code ?? -1)));
  const ms = performance.now() - started;
  const [user, system] = fs.readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
  return runOf(id, ms, exitCode, stdout, user + system);
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

async function latencySection(
  settings: BenchSettings,
  concurrencies: number[],
  sparesList: number[],
): Promise<void> {
  const rows: (string | number)[][] = [];
  const cores = os.cpus().length;
  const bursts: { label: string; concurrency: number; nodes: number; spares: number }[] = [];
  for (const spares of sparesList) {
    for (const concurrency of concurrencies) {
      bursts.push({
        label: `${concurrency} over ${settings.nodeCount} nodes`,
        concurrency,
        nodes: settings.nodeCount,
        spares,
      });
    }
    bursts.push({ label: "10 on 1 node", concurrency: 10, nodes: 1, spares });
  }
  for (const { label, concurrency, nodes, spares } of bursts) {
    const world = await benchWorld(settings);
    const extraEnv = { MULTUS_VPC_IP_WARM_SPARES: String(spares) };
    // One ADD at a time is measured ten times; bursts once.
    const repeats = concurrency === 1 ? 10 : 1;
    const runs: AddRun[] = [];
    const live = new LivePods();
    const before = requests(world, EC2_ACTIONS);
    const writesBefore = requests(world, WRITE_ACTIONS);
    for (let repeat = 0; repeat < repeats; repeat++) {
      runs.push(
        ...(await Promise.all(
          Array.from({ length: concurrency }, (_, index) =>
            cpuTimedAdd(
              world,
              world.nodes[index % nodes],
              `c${concurrency}-n${nodes}-r${repeat}-p${index}`,
              extraEnv,
            ),
          ),
        )),
      );
    }
    for (const run of runs) live.add(run);
    const calls = requests(world, EC2_ACTIONS) - before;
    const writes = requests(world, WRITE_ACTIONS) - writesBefore;
    const ok = runs.filter((run) => run.ok).map((run) => run.ms);
    const cpu = runs.map((run) => run.cpu ?? 0);
    rows.push([
      label,
      spares,
      `${ok.length}/${runs.length}`,
      (Math.min(...ok) / 1000).toFixed(2),
      (percentile(ok, 50) / 1000).toFixed(2),
      (percentile(ok, 95) / 1000).toFixed(2),
      percentile(cpu, 50).toFixed(3),
      (cpu.reduce((sum, value) => sum + value, 0) / repeats / cores).toFixed(2),
      (calls / runs.length).toFixed(2),
      (writes / runs.length).toFixed(2),
      throttled(world),
      live.shared(),
      await duplicateHolders(world),
    ]);
    await world.close();
  }
  console.log(
    `\n## Pod ADD latency, ${settings.instanceType} nodes, one range of a /24 (.${RANGE_START}-.${RANGE_END}), EC2 throttling buckets, ${cores} cores here\n`,
  );
  console.log(
    markdownTable(
      [
        "concurrent ADDs",
        "spares",
        "ok",
        "min s",
        "median s",
        "p95 s",
        "plugin CPU s (median)",
        `CPU floor s (burst CPU / ${cores} cores)`,
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
  // Everything released again, then every node's reconcile past the warm sets' idle bound: what EC2
  // still holds would be a leak.
  const drainRow = await phase(
    "release again, then each node's reconcile once its warm set is idle",
    async () => {
      await releaseAll();
      await Promise.all(
        world.nodes.map((node) =>
          world.reconcile(node, {
            MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0",
            MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0",
          }),
        ),
      );
    },
  );
  rows.push(drainRow);
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
      await latencySection(
        settings,
        positiveIntegers(cliOption("concurrency", "1,20,100"), "concurrency"),
        cliOption("spares", "0")
          .split(",")
          .map((value) => Number(value.trim())),
      );
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
