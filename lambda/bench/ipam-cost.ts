/**
 * What one signed EC2 call costs on a node, for the multus-vpc-ip plugin's choice: the plugin's
 * own ADD (python3 stdlib, SigV4 signer, IMDS credentials: ~6 IMDS reads + 1 EC2 call) versus one
 * `aws ec2 assign-private-ip-addresses` of the AWS CLI v1 (from PyPI, pinned in the test
 * requirements; the node has the v2, which could not be measured here). Peak RSS and CPU seconds
 * come from GNU time; wall time additionally under the Multus daemon's limits (100m CPU, 50 MiB)
 * when this machine lets us make a cgroup (v1) for it.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../tests/support/moto";
import { VPC_IP_PLUGIN, type VpcIpWorld } from "../../tests/vpc-ip/world";
import { markdownTable, percentile } from "./report-format";

const TIME = "/usr/bin/time";
export const DAEMON_CPU_MILLICORES = 100;
export const DAEMON_MEMORY_MIB = 50;

export interface CostSample {
  maxRssKb: number;
  cpuSeconds: number;
  wallSeconds: number;
  ok: boolean;
}

interface Limits {
  enter: string[];
  cleanup(): void;
}

/** A cgroup v1 pair (cpu quota, memory limit) to run commands in, or undefined when not allowed. */
function daemonLimits(): Limits | undefined {
  const memoryOwn = /:memory:(.*)$/m.exec(fs.readFileSync("/proc/self/cgroup", "utf8"))?.[1] ?? "/";
  const cpu = `/sys/fs/cgroup/cpu/ipam-bench-${process.pid}`;
  const memory = path.join("/sys/fs/cgroup/memory", memoryOwn, `ipam-bench-${process.pid}`);
  try {
    fs.mkdirSync(cpu);
    fs.writeFileSync(path.join(cpu, "cpu.cfs_period_us"), "100000");
    fs.writeFileSync(path.join(cpu, "cpu.cfs_quota_us"), String(DAEMON_CPU_MILLICORES * 100));
    fs.mkdirSync(memory);
    fs.writeFileSync(path.join(memory, "memory.limit_in_bytes"), String(DAEMON_MEMORY_MIB * 1024 * 1024));
  } catch {
    for (const dir of [memory, cpu]) fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const script = `echo $$ > ${cpu}/cgroup.procs && echo $$ > ${memory}/cgroup.procs && exec "$@"`;
  return {
    enter: ["sh", "-c", script, "sh"],
    cleanup: () => {
      for (const dir of [memory, cpu]) {
        try {
          fs.rmdirSync(dir);
        } catch {
          // still busy: the kernel removes it with its last process
        }
      }
    },
  };
}

/** Asynchronous on purpose: the chaos proxy the command talks to lives in this process. */
async function measured(
  command: string[],
  env: Record<string, string>,
  input: string,
  limits?: Limits,
): Promise<CostSample> {
  const reportFile = path.join(fs.mkdtempSync("/tmp/ipam-cost-"), "time");
  const argv = [...(limits?.enter ?? []), TIME, "-o", reportFile, "-f", "%M %U %S %e", ...command];
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ["pipe", "ignore", "ignore"] });
  const status = new Promise<number | null>((done) => child.once("close", done));
  child.stdin.end(input);
  const run = { status: await status };
  const [rss, user, system, wall] = fs.readFileSync(reportFile, "utf8").trim().split("\n").pop()!.split(" ");
  fs.rmSync(path.dirname(reportFile), { recursive: true, force: true });
  return {
    maxRssKb: Number(rss),
    cpuSeconds: Number(user) + Number(system),
    wallSeconds: Number(wall),
    ok: run.status === 0,
  };
}

export interface CostReport {
  table: string;
  limited: boolean;
}

/** Measures `rounds` plugin ADD+DEL pairs and CLI assign+unassign pairs on node 0 of the world. */
export async function measureCost(world: VpcIpWorld, rounds: number): Promise<CostReport> {
  const node = world.nodes[0];
  const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...world.nodeEnv(node) };
  const cli = path.join(REPO_ROOT, ".venv", "bin", "aws");
  const cliEnv = {
    PATH: base.PATH,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_DEFAULT_REGION: "cn-northwest-1",
    AWS_ENDPOINT_URL_EC2: world.proxy.endpoint,
  };
  const limits = daemonLimits();
  const samples: Record<string, CostSample[]> = {};
  const add = (key: string, sample: CostSample): void => {
    (samples[key] ??= []).push(sample);
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [label, lim] of [
        ["", undefined],
        [" (100m CPU, 50 MiB)", limits],
      ] as const) {
        if (label && !lim) continue;
        const cni = (command: string, id: string) => ({
          ...base,
          CNI_COMMAND: command,
          CNI_CONTAINERID: id,
          CNI_NETNS: "/var/run/netns/bench",
          CNI_IFNAME: "net1",
          CNI_PATH: "/usr/lib/cni",
        });
        const config = JSON.stringify(world.config());
        const id = `cost-${round}${label ? "-limited" : ""}`;
        add(
          `plugin VERSION${label} (interpreter start, no I/O)`,
          await measured([VPC_IP_PLUGIN], cni("VERSION", id), "{}", lim),
        );
        add(`plugin ADD${label}`, await measured([VPC_IP_PLUGIN], cni("ADD", id), config, lim));
        add(`plugin DEL${label}`, await measured([VPC_IP_PLUGIN], cni("DEL", id), config, lim));
        const address = `10.0.4.${200 + round}`;
        const target = ["--network-interface-id", node.eniId, "--private-ip-addresses", address];
        add(
          `aws ec2 assign-private-ip-addresses${label}`,
          await measured([cli, "ec2", "assign-private-ip-addresses", ...target], cliEnv, "", lim),
        );
        add(
          `aws ec2 unassign-private-ip-addresses${label}`,
          await measured([cli, "ec2", "unassign-private-ip-addresses", ...target], cliEnv, "", lim),
        );
      }
    }
  } finally {
    limits?.cleanup();
  }
  const rows = Object.entries(samples).map(([key, list]) => [
    key,
    `${list.filter((sample) => sample.ok).length}/${list.length}`,
    (
      percentile(
        list.map((sample) => sample.maxRssKb),
        50,
      ) / 1024
    ).toFixed(1),
    percentile(
      list.map((sample) => sample.cpuSeconds),
      50,
    ).toFixed(2),
    percentile(
      list.map((sample) => sample.wallSeconds),
      50,
    ).toFixed(2),
  ]);
  return {
    table: markdownTable(
      ["command (one process)", "ok", "peak RSS MiB (median)", "CPU s (median)", "wall s (median)"],
      rows,
    ),
    limited: limits !== undefined,
  };
}

export function cliVersion(): string {
  return execFileSync(path.join(REPO_ROOT, ".venv", "bin", "aws"), ["--version"], {
    encoding: "utf8",
  }).trim();
}
