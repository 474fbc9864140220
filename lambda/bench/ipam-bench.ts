/**
 * `npm run bench:ipam`: the multus-vpc-ip plugin against moto behind the chaos proxy (EC2's
 * throttling buckets and its one-holder-per-address rule), plugin processes run for real through
 * the CNI protocol.
 *
 * 1. Cost of one call on a node: the plugin (stdlib SigV4) versus the AWS CLI, RSS and CPU, and
 *    wall time under the Multus daemon's limits (ipam-cost.ts).
 * 2. Pod ADD latency (min / median / p95) and EC2 calls per ADD at 1, 20 and 100 concurrent ADDs
 *    spread over 10 nodes on one /24 range; duplicates counted from EC2's state.
 * 3. Time to exhaust a /24 range (every address held), release it, and refill it.
 *
 * Options: --concurrency 1,20,100  --nodes 10  --cost-rounds 3  --fill true
 */
import { performance } from "node:perf_hooks";
import { startMoto } from "../../tests/support/moto";
import { VpcIpWorld, type SimNode } from "../../tests/vpc-ip/world";
import { cliVersion, DAEMON_CPU_MILLICORES, DAEMON_MEMORY_MIB, measureCost } from "./ipam-cost";
import { cliOption, markdownTable, percentile, positiveIntegers } from "./report-format";
import { EC2_THROTTLE_TABLE } from "./token-bucket";

/** The range: most of a /24, leaving .4-.15 for the nodes' ENI primaries (EC2 never auto-assigns
 * inside the range: the world covers it with explicit reservations, as the deployment does). */
const RANGE_START = 16;
const RANGE_END = 254;
const RANGE_SIZE = RANGE_END - RANGE_START + 1;

const EC2_ACTIONS = ["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses", "DescribeNetworkInterfaces"];

interface AddRun {
  ms: number;
  ok: boolean;
  code?: number;
}

function ec2Requests(world: VpcIpWorld): number {
  return EC2_ACTIONS.reduce((sum, action) => sum + (world.proxy.stats.get(action)?.requests ?? 0), 0);
}

function throttled(world: VpcIpWorld): number {
  return [...world.proxy.stats.values()].reduce((sum, entry) => sum + entry.throttled, 0);
}

async function timedAdd(world: VpcIpWorld, node: SimNode, id: string): Promise<AddRun> {
  const started = performance.now();
  const outcome = await world.invoke(node, "ADD", id, { netns: "/proc/self/ns/net" });
  const ms = performance.now() - started;
  return outcome.exitCode === 0
    ? { ms, ok: true }
    : { ms, ok: false, code: (JSON.parse(outcome.stdout) as { code: number }).code };
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

async function duplicateHolders(world: VpcIpWorld): Promise<number> {
  const holders = await world.holders();
  return [...holders.values()].filter((enis) => new Set(enis).size > 1).length;
}

async function main(): Promise<void> {
  const concurrencies = positiveIntegers(cliOption("concurrency", "1,20,100"), "concurrency");
  const nodeCount = positiveIntegers(cliOption("nodes", "10"), "nodes")[0];
  const costRounds = positiveIntegers(cliOption("cost-rounds", "3"), "cost-rounds")[0];
  const fill = cliOption("fill", "true") !== "false";
  const moto = await startMoto();
  try {
    // 1. Cost per call.
    await moto.reset();
    const costWorld = await VpcIpWorld.create(moto.endpoint, { nodes: 1, rangeStart: 70, rangeEnd: 80 });
    const cost = await measureCost(costWorld, costRounds);
    await costWorld.close();
    console.log(`\n## Cost of one call on a node (${cliVersion()})\n`);
    console.log(cost.table);
    console.log(
      cost.limited
        ? `\n"(100m CPU, 50 MiB)": the same process inside a cgroup with the Multus daemon's limits (${DAEMON_CPU_MILLICORES}m, ${DAEMON_MEMORY_MIB} MiB).`
        : "\n(no cgroup could be made here: figures without the daemon's limits only)",
    );

    // 2. Latency at several concurrencies over 10 nodes, one /24 range, EC2's throttling buckets.
    const rows: (string | number)[][] = [];
    for (const concurrency of concurrencies) {
      await moto.reset();
      const world = await VpcIpWorld.create(moto.endpoint, {
        nodes: nodeCount,
        rangeStart: RANGE_START,
        rangeEnd: RANGE_END,
        proxy: { throttle: EC2_THROTTLE_TABLE },
      });
      // One ADD at a time is measured ten times; bursts once.
      const bursts = concurrency === 1 ? 10 : 1;
      const runs: AddRun[] = [];
      const before = ec2Requests(world);
      for (let burst = 0; burst < bursts; burst++) {
        runs.push(
          ...(await Promise.all(
            Array.from({ length: concurrency }, (_, index) =>
              timedAdd(world, world.nodes[index % nodeCount], `c${concurrency}-b${burst}-p${index}`),
            ),
          )),
        );
      }
      const calls = ec2Requests(world) - before;
      const ok = runs.filter((run) => run.ok).map((run) => run.ms);
      rows.push([
        concurrency,
        `${ok.length}/${runs.length}`,
        (Math.min(...ok) / 1000).toFixed(2),
        (percentile(ok, 50) / 1000).toFixed(2),
        (percentile(ok, 95) / 1000).toFixed(2),
        (calls / runs.length).toFixed(2),
        throttled(world),
        await duplicateHolders(world),
      ]);
      await world.close();
    }
    console.log(
      `\n## Pod ADD latency, ${nodeCount} nodes, one range of a /24 (.${RANGE_START}-.${RANGE_END}), EC2 throttling buckets\n`,
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
          "throttled",
          "duplicate holders",
        ],
        rows,
      ),
    );

    // 3. Exhaust, release and refill the range.
    if (fill) {
      await moto.reset();
      const world = await VpcIpWorld.create(moto.endpoint, {
        nodes: nodeCount,
        rangeStart: RANGE_START,
        rangeEnd: RANGE_END,
        proxy: { throttle: EC2_THROTTLE_TABLE },
      });
      const size = RANGE_SIZE;
      const ids = Array.from({ length: size }, (_, index) => `fill-${index}`);
      const nodeOf = (index: number): SimNode => world.nodes[index % nodeCount];
      let retried = 0;
      const phase = async (label: string, work: () => Promise<unknown>): Promise<string[]> => {
        const started = performance.now();
        await work();
        const holders = await world.holders();
        return [
          label,
          ((performance.now() - started) / 1000).toFixed(1),
          String(holders.size),
          String(await duplicateHolders(world)),
          String(throttled(world)),
          String(retried),
        ];
      };
      // As kubelet does, a failed call (try again later) is retried, up to 10 rounds of 20 at a time;
      // returns how many calls were retried.
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
        retried += await untilAllSucceed(
          ids,
          async (id, index) => (await timedAdd(world, nodeOf(index), id)).ok,
        );
      };
      const fillRows = [await phase(`exhaust (${size} ADDs, 20 at a time)`, addAll)];
      const extra = await timedAdd(world, nodeOf(0), "one-too-many");
      fillRows.push([
        `ADD on the full range: ${extra.ok ? "succeeded (!)" : `CNI error ${extra.code}`}`,
        (extra.ms / 1000).toFixed(1),
        "",
        "",
        "",
        "",
      ]);
      // kubelet retries a failed DEL (try again later: throttled Unassign) as it retries an ADD.
      let delsRetried = 0;
      const releaseAll = async (): Promise<void> => {
        delsRetried = await untilAllSucceed(
          [...ids, "one-too-many"],
          async (id, index) =>
            (await world.invoke(nodeOf(index), "DEL", id, { netns: "/proc/self/ns/net" })).exitCode === 0,
        );
      };
      const releaseRow = await phase(`release (${size + 1} DELs, 20 at a time)`, releaseAll);
      releaseRow[0] += ` (${delsRetried} DELs retried)`;
      fillRows.push(releaseRow);
      fillRows.push(await phase(`refill (${size} ADDs, 20 at a time)`, addAll));
      await world.close();
      console.log(`\n## Exhaust, release and refill the range over ${nodeCount} nodes\n`);
      console.log(
        markdownTable(
          [
            "phase",
            "seconds",
            "addresses held after",
            "duplicate holders",
            "throttled so far",
            "ADDs retried so far",
          ],
          fillRows,
        ),
      );
    }
  } finally {
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
