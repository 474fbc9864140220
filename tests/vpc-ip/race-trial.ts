/**
 * A randomized race trial of the multus-vpc-ip plugin: a seeded stream of ADD, DEL, CHECK,
 * reconcile and node reboots over several nodes, many in flight at once, through the EC2 fidelity
 * layer with Describe lag, throttling storms and lost replies. Used by a test (a short trial) and by
 * `npm run bench:ipam` (1,000 operations and more).
 *
 * The figures count what the user would see, from the plugin's own results, not holders in EC2:
 * - shared addresses: an ADD returned an address that another live pod had been given (two live
 *   pods configured with one address);
 * - live pods without their address: at quiet checkpoints, a live pod whose address EC2 (moto, read
 *   directly) does not hold on its node's ENI (the VPC no longer routes it to the pod);
 * - leaks: addresses EC2 still holds once every pod got its DEL (retried as kubelet does) and every
 *   node ran its reconcile with no idle time left to the warm sets.
 * A pod is live from its ADD's success until its DEL is issued or its node reboots; an ADD that
 * succeeds after its pod's DEL was issued (the runtime had given up on it) never makes a live pod.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { LagRange } from "../../lambda/bench/describe-lag";
import type { TargetedFault } from "../../lambda/bench/fault-injector";
import { SeededRandom } from "../../lambda/bench/seeded-random";
import { EC2_THROTTLE_TABLE } from "../../lambda/bench/token-bucket";
import type { CniCommand, CniOutcome } from "../ipam/cni";
import { SUBNETS, VpcIpWorld, type SimNode } from "./world";

export interface TrialOptions {
  seed: string | number;
  operations: number;
  nodes: number;
  rangeStart: number;
  rangeEnd: number;
  /** Operations in flight at once. */
  concurrency: number;
  /** Describe lag of the fidelity layer (default 200-2,500 ms). */
  describeLag?: LagRange;
  /** Share of requests failing with a 5xx, half of them after EC2 performed them. */
  randomErrorRate?: number;
  /** Mean number of requests of each EC2 action between two throttling storms. */
  stormEvery?: number;
  instanceType?: string;
  plugin?: string;
  /** Quiet checkpoints (no operation in flight) every this many operations. */
  checkpointEvery?: number;
  /** Extra environment of every plugin run (e.g. a shorter warm-set idle bound). */
  extraEnv?: Record<string, string>;
  /** EC2 round trip per request (default 30-250 ms): widens the windows races need. */
  roundTripMs?: { min: number; max: number };
}

export interface TrialReport {
  operations: Record<string, number>;
  addOutcomes: Record<string, number>;
  /** Addresses an ADD returned while another live pod had it. */
  sharedAddresses: string[];
  /** Live pods found at a checkpoint without their address on their node's ENI. */
  liveWithoutAddress: string[];
  /** Addresses EC2 held after every DEL and reconcile had settled. */
  leaks: string[];
  /** ADDs that succeeded after their pod's DEL was issued (must have given the address back). */
  lateAdds: number;
  /** CHECKs that failed on a pod still live when they answered, by CNI code. */
  checkFailuresOnLivePods: Record<string, number>;
  delRetries: number;
  checkpoints: number;
  throttled: number;
  injected: number;
  staleDescribes: number;
  seconds: number;
}

interface TrialPod {
  id: string;
  node: SimNode;
  netns: string;
  pinned?: string;
  state: "adding" | "live" | "gone";
  address?: string;
  result?: object;
  delIssued: boolean;
}

type OperationKind = "ADD" | "DEL" | "DEL during ADD" | "CHECK" | "reconcile" | "reboot" | "DEL retry";

const WEIGHTS: [OperationKind, number][] = [
  ["ADD", 38],
  ["DEL", 18],
  ["DEL during ADD", 8],
  ["CHECK", 12],
  ["reconcile", 16],
  ["reboot", 2],
  ["DEL retry", 6],
];

function throttleStorms(random: SeededRandom, every: number, requests: number): TargetedFault[] {
  const storms: TargetedFault[] = [];
  for (const action of [
    "AssignPrivateIpAddresses",
    "UnassignPrivateIpAddresses",
    "DescribeNetworkInterfaces",
  ]) {
    for (let at = random.int(1, every); at < requests; at += random.int(Math.ceil(every / 2), every * 2)) {
      storms.push({ action, occurrence: at, mode: "throttle-storm", stormLength: random.int(2, 8) });
    }
  }
  return storms;
}

export async function runRaceTrial(motoEndpoint: string, options: TrialOptions): Promise<TrialReport> {
  const random = new SeededRandom(`${options.seed}:trial`);
  const started = performance.now();
  const world = await VpcIpWorld.create(motoEndpoint, {
    nodes: options.nodes,
    rangeStart: options.rangeStart,
    rangeEnd: options.rangeEnd,
    instanceType: options.instanceType,
    plugin: options.plugin,
    proxy: {
      seed: options.seed,
      throttle: EC2_THROTTLE_TABLE,
      randomErrorRate: options.randomErrorRate ?? 0.03,
      faults: throttleStorms(random.fork("storms"), options.stormEvery ?? 40, options.operations * 6),
      fidelity: { describeLag: options.describeLag ?? { minMs: 500, maxMs: 4_000 } },
      latency: {
        roundTripMs: options.roundTripMs ?? { min: 30, max: 250 },
        attachingMs: { min: 0, max: 0 },
        seed: options.seed,
      },
    },
  });
  const report: TrialReport = {
    operations: {},
    addOutcomes: {},
    sharedAddresses: [],
    liveWithoutAddress: [],
    leaks: [],
    lateAdds: 0,
    checkFailuresOnLivePods: {},
    delRetries: 0,
    checkpoints: 0,
    throttled: 0,
    injected: 0,
    staleDescribes: 0,
    seconds: 0,
  };
  const pods: TrialPod[] = [];
  const pendingDels: TrialPod[] = [];
  const children = new Map<number, Set<ChildProcess>>(world.nodes.map((node) => [node.index, new Set()]));
  const rebooting = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let podCount = 0;

  const run = (
    node: SimNode,
    command: CniCommand | "reconcile",
    pod?: TrialPod,
    extraEnv: Record<string, string> = {},
  ): Promise<CniOutcome> => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...world.nodeEnv(node),
      // No grace for new records, and warm addresses idle for 3 s are released: the reconcile
      // races the ADDs that take warm addresses.
      MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0",
      MULTUS_VPC_IP_WARM_IDLE_SECONDS: "3",
      ...options.extraEnv,
      ...extraEnv,
    };
    if (command !== "reconcile") {
      Object.assign(env, {
        CNI_COMMAND: command,
        CNI_CONTAINERID: pod?.id ?? "",
        CNI_NETNS: pod?.netns ?? "",
        CNI_IFNAME: "net1",
        CNI_PATH: "/usr/lib/cni",
      });
    }
    const child = spawn(world.plugin, command === "reconcile" ? ["reconcile"] : [], { env });
    const mine = children.get(node.index) as Set<ChildProcess>;
    mine.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    if (command !== "reconcile") {
      const config = world.config({
        ...(pod?.pinned ? { ips: [`${pod.pinned}/24`] } : {}),
        ...(command === "CHECK" && pod?.result ? { prevResult: pod.result } : {}),
      });
      child.stdin.end(JSON.stringify(config));
    } else child.stdin.end();
    return new Promise((resolve) =>
      child.once("close", (code) => {
        mine.delete(child);
        resolve({ exitCode: code ?? -1, stdout, stderr });
      }),
    );
  };

  const livePods = (): TrialPod[] => pods.filter((pod) => pod.state === "live");
  const count = (kind: string): void => {
    report.operations[kind] = (report.operations[kind] ?? 0) + 1;
  };
  // Pinned pods favour a few "hot" addresses, so that claims, releases and reconciles of one
  // address overlap across nodes and within a node.
  const rangeAddress = (): string => {
    const offset = random.chance(0.7)
      ? options.rangeStart + random.int(0, 1)
      : random.int(options.rangeStart, options.rangeEnd);
    return `${SUBNETS[0].split(".").slice(0, 3).join(".")}.${offset}`;
  };

  const add = async (): Promise<void> => {
    const node = random.pick(world.nodes.filter((candidate) => !rebooting.has(candidate.index)));
    const id = `pod-${podCount++}`;
    const netns = path.join(world.directory, `netns-${id}`);
    fs.writeFileSync(netns, "");
    const pod: TrialPod = {
      id,
      node,
      netns,
      state: "adding",
      delIssued: false,
      ...(random.chance(0.6) ? { pinned: rangeAddress() } : {}),
    };
    pods.push(pod);
    const outcome = await run(node, "ADD", pod);
    let label = "ok";
    if (outcome.exitCode === 0) {
      const result = JSON.parse(outcome.stdout) as { ips: { address: string }[] };
      const address = result.ips[0].address.split("/")[0];
      if (pod.delIssued || pod.state === "gone") {
        report.lateAdds++;
        label = "ok, after its DEL or reboot";
      } else {
        const other = livePods().find((live) => live.address === address);
        if (other)
          report.sharedAddresses.push(
            `${address}: ${other.id} (node ${other.node.index}) and ${id} (node ${node.index})`,
          );
        Object.assign(pod, { state: "live", address, result });
      }
    } else {
      label = `code ${(JSON.parse(outcome.stdout || "{}") as { code?: number }).code ?? outcome.exitCode}`;
      if (pod.state === "adding") pod.state = "gone";
      fs.rmSync(netns, { force: true });
    }
    report.addOutcomes[label] = (report.addOutcomes[label] ?? 0) + 1;
  };

  const del = async (pod: TrialPod): Promise<void> => {
    pod.delIssued = true;
    pod.state = "gone";
    fs.rmSync(pod.netns, { force: true });
    const outcome = await run(pod.node, "DEL", pod);
    if (outcome.exitCode !== 0) pendingDels.push(pod);
  };

  const operation = async (kind: OperationKind): Promise<void> => {
    switch (kind) {
      case "ADD":
        return add();
      case "DEL": {
        const live = livePods();
        return live.length ? del(random.pick(live)) : add();
      }
      case "DEL during ADD": {
        const adding = pods.filter((pod) => pod.state === "adding" && !pod.delIssued);
        return adding.length ? del(random.pick(adding)) : add();
      }
      case "DEL retry": {
        const pod = pendingDels.shift();
        if (!pod) return add();
        report.delRetries++;
        const outcome = await run(pod.node, "DEL", pod);
        if (outcome.exitCode !== 0) pendingDels.push(pod);
        return;
      }
      case "CHECK": {
        const live = livePods();
        if (!live.length) return add();
        const pod = random.pick(live);
        const outcome = await run(pod.node, "CHECK", pod);
        if (outcome.exitCode !== 0 && pod.state === "live") {
          const code = `code ${(JSON.parse(outcome.stdout || "{}") as { code?: number }).code ?? outcome.exitCode}`;
          report.checkFailuresOnLivePods[code] = (report.checkFailuresOnLivePods[code] ?? 0) + 1;
        }
        return;
      }
      case "reconcile":
        await run(random.pick(world.nodes), "reconcile");
        return;
      case "reboot": {
        const node = random.pick(world.nodes);
        if (rebooting.has(node.index)) return;
        rebooting.add(node.index);
        for (const pod of pods.filter((candidate) => candidate.node === node && candidate.state !== "gone")) {
          pod.state = "gone"; // every pod of the node dies with it; no DEL comes for them
          fs.rmSync(pod.netns, { force: true });
        }
        const dying = [...(children.get(node.index) as Set<ChildProcess>)];
        const closed = dying.map((child) => new Promise((done) => child.once("close", done)));
        for (const child of dying) child.kill("SIGKILL");
        await Promise.all(closed);
        fs.rmSync(node.stateDir, { recursive: true, force: true }); // /run is a tmpfs
        rebooting.delete(node.index);
        return;
      }
    }
  };

  const quiet = async (): Promise<void> => {
    while (inFlight.size) await Promise.all([...inFlight]);
  };

  const checkpoint = async (): Promise<void> => {
    await quiet();
    report.checkpoints++;
    const holders = await world.holders();
    for (const pod of livePods()) {
      if (!(holders.get(pod.address as string) ?? []).includes(pod.node.eniId)) {
        report.liveWithoutAddress.push(`${pod.id} (node ${pod.node.index}): ${pod.address}`);
      }
    }
  };

  const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  const pickKind = (): OperationKind => {
    let roll = random.int(1, total);
    for (const [kind, weight] of WEIGHTS) {
      roll -= weight;
      if (roll <= 0) return kind;
    }
    return "ADD";
  };

  try {
    for (let issued = 0; issued < options.operations; issued++) {
      while (inFlight.size >= options.concurrency) await Promise.race([...inFlight]);
      const kind = pickKind();
      count(kind);
      const task = operation(kind).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (kind === "reboot") await task; // a reboot is a moment, not overlapping with itself
      if ((issued + 1) % (options.checkpointEvery ?? 100) === 0) await checkpoint();
    }
    await checkpoint();

    // Settle: every live pod gets its DEL, failed DELs are retried as kubelet does, every node reconciles.
    await Promise.all(livePods().map((pod) => del(pod)));
    for (let round = 0; round < 10 && pendingDels.length; round++) {
      const retry = pendingDels.splice(0);
      report.delRetries += retry.length;
      await Promise.all(retry.map((pod) => del(pod)));
    }
    // The warm sets shrink to nothing once idle: what is left in EC2 then is a leak.
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        world.nodes.map((node) =>
          run(node, "reconcile", undefined, { MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0" }),
        ),
      );
    }
    report.leaks = [...(await world.holders()).keys()].sort();
    for (const stats of world.proxy.stats.values()) {
      report.throttled += stats.throttled;
      report.injected += stats.injected;
    }
    report.staleDescribes = world.proxy.fidelity.describeLag?.staleAnswers ?? 0;
    report.seconds = (performance.now() - started) / 1000;
    return report;
  } finally {
    await quiet().catch(() => undefined);
    await world.close();
  }
}
