/**
 * Benchmark: a burst of N concurrent delegate ADDs, as multus-daemon runs them when N pods with a
 * Multus network start on one node at once (thick plugin: delegates are the daemon's children,
 * inside its CPU and memory limits). Each ADD is the real eni-prefix IPAM plugin (installed as node
 * user data does) against a fake IMDSv2, delegating to the real host-local, then a DEL of each.
 *
 * Prints the peak of the summed RSS of every plugin process alive at once (sampled from /proc every
 * few milliseconds, so a shorter peak can be missed), the CPU-seconds the ADDs used (this process's
 * reaped children, /proc/self/stat cutime+cstime) and the wall time.
 *
 *   npm run bench:multus-adds -- [--adds 10] [--rounds 3]
 */
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { eniPrefixIpamConfig } from "../../components/networks/ipam";
import { eniMetadataTree, startFakeImds } from "../support/fake-imds";
import { CNI_PLUGIN_DIRECTORY, hostLocalAvailable } from "./netns";
import { installPlugin, PLUGIN_SOURCE, removeDirectory, writeNodeConfig } from "./support";

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
const PAGE_BYTES = 4096;
const SAMPLE_EVERY_MS = 10;
const MIB = 1024 * 1024;

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** utime, stime, cutime, cstime of this process, in seconds. */
function childCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/** Summed RSS (bytes) of every descendant of this process now alive. */
function descendantsRss(): number {
  const parentOf = new Map<number, number>();
  const rssOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
      parentOf.set(Number(entry), Number(fields[1]));
      rssOf.set(Number(entry), Number(fields[21]) * PAGE_BYTES);
    } catch {
      // exited between the listing and the read
    }
  }
  let total = 0;
  for (const [pid, rss] of rssOf) {
    let ancestor = parentOf.get(pid);
    while (ancestor !== undefined && ancestor > 1 && ancestor !== process.pid)
      ancestor = parentOf.get(ancestor);
    if (ancestor === process.pid) total += rss;
  }
  return total;
}

function runPlugin(plugin: string, env: Record<string, string>, config: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(plugin, [], { env, stdio: ["pipe", "ignore", "ignore"] });
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? -1));
    child.stdin.end(JSON.stringify(config));
  });
}

async function main(): Promise<void> {
  const adds = argument("adds", 10);
  const rounds = argument("rounds", 3);
  if (!hostLocalAvailable())
    throw new Error(
      `${CNI_PLUGIN_DIRECTORY}/host-local is missing (apt-get install containernetworking-plugins)`,
    );
  const installed = installPlugin();
  // One /28 holds 16 pod addresses: give the ENI enough prefixes for the burst.
  const prefixes = Array.from({ length: Math.ceil(adds / 16) }, (_, i) => `10.0.4.${32 + 16 * i}/28`);
  const imds = await startFakeImds({
    tree: eniMetadataTree([
      { mac: "02:00:00:00:00:01", deviceNumber: 0, subnetIpv4CidrBlock: "10.0.2.0/24" },
      { mac: "02:00:00:00:00:02", deviceNumber: 1, subnetIpv4CidrBlock: "10.0.4.0/24", ipv4Prefix: prefixes },
    ]),
  });
  const results: { peakMiB: number; cpuSeconds: number; wallSeconds: number }[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const stateDirectory = path.join(installed.workDirectory, `state-${round}`);
      // As on a node: the plugin reads the network's device index and subnets from the node config.
      const nodeConfig = writeNodeConfig(path.join(installed.workDirectory, `node-config-${round}.json`), [
        { name: "ipvlan-conf-1", deviceIndex: 1, subnetCidrs: ["10.0.4.0/24", "10.0.5.0/24"] },
      ]);
      const config = {
        cniVersion: "1.0.0",
        name: "multus-1",
        type: "ipvlan",
        ipam: eniPrefixIpamConfig({ network: "ipvlan-conf-1" }),
      };
      const env = (command: string, id: number): Record<string, string> => ({
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        CNI_COMMAND: command,
        CNI_CONTAINERID: `bench-${round}-${id}`,
        CNI_NETNS: `/var/run/netns/bench-${id}`,
        CNI_IFNAME: "net1",
        CNI_PATH: CNI_PLUGIN_DIRECTORY,
        MULTUS_IMDS_ENDPOINT: imds.endpoint,
        MULTUS_NODE_CONFIG: nodeConfig,
        MULTUS_ENI_PREFIX_DATA_DIR: stateDirectory,
      });
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, descendantsRss());
      }, SAMPLE_EVERY_MS);
      const cpuBefore = childCpuSeconds();
      const started = process.hrtime.bigint();
      const codes = await Promise.all(
        Array.from({ length: adds }, (_, id) => runPlugin(installed.plugin, env("ADD", id), config)),
      );
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(sampler);
      const cpuSeconds = childCpuSeconds() - cpuBefore;
      const failed = codes.filter((code) => code !== 0).length;
      if (failed > 0) throw new Error(`${failed} of ${adds} ADDs failed in round ${round}`);
      await Promise.all(
        Array.from({ length: adds }, (_, id) => runPlugin(installed.plugin, env("DEL", id), config)),
      );
      results.push({ peakMiB: peak / MIB, cpuSeconds, wallSeconds });
    }
  } finally {
    await imds.close();
    removeDirectory(installed.workDirectory);
  }
  const worst = {
    peakMiB: Math.max(...results.map((r) => r.peakMiB)),
    cpuSeconds: Math.max(...results.map((r) => r.cpuSeconds)),
  };
  console.log(
    `multus delegate ADD burst: ${adds} concurrent eni-prefix ADDs (python3 + host-local), ${rounds} rounds`,
  );
  // The plugin's own interpreter, from its #! line (e.g. /usr/bin/python3 -I).
  const interpreter = readFileSync(PLUGIN_SOURCE, "utf8")
    .split("\n")[0]
    .replace(/^#!\s*/, "")
    .split(/\s+/)[0];
  console.log(
    `interpreter: ${interpreter}, ${execFileSync(interpreter, ["--version"], { encoding: "utf8" }).trim()}`,
  );
  for (const [i, r] of results.entries()) {
    console.log(
      `  round ${i + 1}: peak summed RSS ${r.peakMiB.toFixed(1)} MiB, CPU ${r.cpuSeconds.toFixed(2)} s, wall ${r.wallSeconds.toFixed(2)} s`,
    );
  }
  console.log(
    `worst: peak summed RSS ${worst.peakMiB.toFixed(1)} MiB (${(worst.peakMiB / adds).toFixed(1)} MiB per ADD), ` +
      `CPU ${worst.cpuSeconds.toFixed(2)} s (${(worst.cpuSeconds / adds).toFixed(3)} s per ADD; ` +
      `at a ${100}m CPU limit the burst needs about ${(worst.cpuSeconds / 0.1).toFixed(0)} s)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
