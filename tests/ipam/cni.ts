/**
 * Runs a CNI plugin binary the way a container runtime does: CNI_* environment, network
 * config on stdin, result or CNI error JSON on stdout. Asynchronous on purpose: the fake
 * IMDS the plugin talks to lives in this same Node process.
 */
import { spawn } from "child_process";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION";

export interface CniInvocation {
  /** Plugin executable. */
  plugin: string;
  command: CniCommand;
  config: object;
  containerId?: string;
  netns?: string;
  ifname?: string;
  /** Directories searched for delegated plugins (CNI_PATH). */
  cniPath: string[];
  extraEnv?: Record<string, string>;
  /** Run the plugin inside this network namespace (`ip netns exec`), as on a node. */
  inNamespace?: string;
}

export interface CniError {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export interface CniIp {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniResult {
  cniVersion: string;
  ips?: CniIp[];
  routes?: { dst: string; gw?: string }[];
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
}

export interface CniOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCni(invocation: CniInvocation): Promise<CniOutcome> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: invocation.command,
    CNI_CONTAINERID: invocation.containerId ?? "",
    CNI_NETNS: invocation.netns ?? "",
    CNI_IFNAME: invocation.ifname ?? "",
    CNI_PATH: invocation.cniPath.join(":"),
    ...invocation.extraEnv,
  };
  const [file, args] = invocation.inNamespace
    ? ["ip", ["netns", "exec", invocation.inNamespace, invocation.plugin]]
    : [invocation.plugin, []];
  const child = spawn(file, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(invocation.config));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? -1));
  });
  return { exitCode, stdout, stderr };
}

/** The plugin's result; throws with the CNI error when the plugin failed. */
export async function cniResult(invocation: CniInvocation): Promise<CniResult> {
  const outcome = await runCni(invocation);
  if (outcome.exitCode !== 0) {
    throw new Error(
      `${invocation.command} via ${invocation.plugin} failed (exit ${outcome.exitCode}): ${outcome.stdout} ${outcome.stderr}`,
    );
  }
  return outcome.stdout.trim() === "" ? { cniVersion: "" } : (JSON.parse(outcome.stdout) as CniResult);
}

/** The plugin's CNI error; throws if the plugin succeeded or printed no error JSON. */
export async function cniError(invocation: CniInvocation): Promise<CniError> {
  const outcome = await runCni(invocation);
  if (outcome.exitCode === 0) {
    throw new Error(
      `${invocation.command} via ${invocation.plugin} succeeded, expected an error: ${outcome.stdout}`,
    );
  }
  return JSON.parse(outcome.stdout) as CniError;
}
