/**
 * Runs the node file multus-eni-setup (rootfs/usr/local/sbin) with bash in a sandbox: a temp
 * directory stands in for /sys/class/net, /etc and /run, a node config file for
 * /etc/multus-eks/node-config.json, and `ip` and `networkctl` are replaced by a recorder that
 * appends its command line to a file (the script's dry mode).
 */

import { spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootfsSource } from "../../components/nodegroup/rootfs";

/** The setup script as it lands on a node. */
export const SETUP_SCRIPT = rootfsSource("/usr/local/sbin/multus-eni-setup");

/** A node config's networks (the shape of /etc/multus-eks/node-config.json). */
export interface SandboxNetwork {
  name: string;
  deviceIndex: number;
  interfaceName: string;
  subnetCidrs: string[];
}

/** Writes a node config with these networks (host-local) to `path`. */
export function writeSetupNodeConfig(path: string, networks: readonly SandboxNetwork[]): void {
  writeFileSync(
    path,
    JSON.stringify({
      clusterName: "multus-cn",
      region: "cn-northwest-1",
      networks: networks.map((network) => ({ ...network, ipam: "host-local" })),
    }),
  );
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (the fake IMDS shares this process's event loop). */
export function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30000,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Writes an executable that logs "<tool> <args...>" to `logFile` and succeeds. */
export function writeRecorder(path: string, logFile: string): void {
  writeFileSync(path, `#!/bin/bash\nprintf '%s\\n' "$*" >>"${logFile}"\n`);
  chmodSync(path, 0o755);
}

export interface ScriptRun extends ProcessResult {
  /** Recorded ip/networkctl command lines, in order. */
  commands: string[];
}

export class ScriptSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), "multus-eni-setup-"));
  readonly sysfs = join(this.dir, "sys-class-net");
  readonly configRoot = join(this.dir, "etc");
  readonly nodeConfig = join(this.dir, "node-config.json");
  readonly scriptPath = join(this.dir, "multus-eni-setup");
  private readonly recorder = join(this.dir, "record");
  private readonly commandLog = join(this.dir, "commands.log");
  private readonly runDir = join(this.dir, "run");
  private readonly lockDir = join(this.runDir, "multus-eni-setup.lock");

  constructor(networks: readonly SandboxNetwork[]) {
    mkdirSync(this.sysfs);
    writeSetupNodeConfig(this.nodeConfig, networks);
    copyFileSync(SETUP_SCRIPT, this.scriptPath);
    chmodSync(this.scriptPath, 0o755);
    writeRecorder(this.recorder, this.commandLog);
  }

  /** A fake /sys/class/net/<name>/address, as the kernel writes it. */
  addLink(name: string, mac: string): void {
    mkdirSync(join(this.sysfs, name), { recursive: true });
    writeFileSync(join(this.sysfs, name, "address"), `${mac}\n`);
  }

  cleanupLink(name: string): void {
    rmSync(join(this.sysfs, name), { recursive: true, force: true });
  }

  /** Creates the script's lock as another live (or dead) run would hold it. */
  holdLock(pid: number): void {
    mkdirSync(this.lockDir, { recursive: true });
    writeFileSync(join(this.lockDir, "pid"), `${pid}\n`);
  }

  releaseLock(): void {
    rmSync(this.lockDir, { recursive: true, force: true });
  }

  configFile(relative: string): string | undefined {
    const path = join(this.configRoot, relative);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  }

  async run(
    args: readonly string[],
    imdsEndpoint: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<ScriptRun> {
    rmSync(this.commandLog, { force: true });
    const result = await runProcess("bash", [this.scriptPath, ...args], {
      PATH: process.env.PATH,
      MULTUS_NODE_CONFIG: this.nodeConfig,
      MULTUS_IMDS_ENDPOINT: imdsEndpoint,
      MULTUS_SYSFS_NET: this.sysfs,
      MULTUS_CONFIG_ROOT: this.configRoot,
      MULTUS_RUN_DIR: this.runDir,
      MULTUS_IP_CMD: `${this.recorder} ip`,
      MULTUS_NETWORKCTL_CMD: `${this.recorder} networkctl`,
      MULTUS_IMDS_RETRIES: "5",
      MULTUS_IMDS_RETRY_DELAY: "0.05",
      ...extraEnv,
    });
    const commands = existsSync(this.commandLog)
      ? readFileSync(this.commandLog, "utf8")
          .split("\n")
          .filter((line) => line.length > 0)
      : [];
    return { ...result, commands };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Parses a systemd unit/.network file into section -> key -> values (comments dropped). */
export function parseIni(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]) ?? new Map();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current === undefined || eq === -1) throw new Error(`not an INI line: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}
