/**
 * A real moto server (the AWS emulator) for tests and benchmarks: installs it into .venv when
 * missing (pinned in moto-requirements.txt), starts `moto_server` on a free 127.0.0.1 port, resets
 * its state between tests and stops it at the end.
 *
 * Region: cn-northwest-1. moto serves EC2 there (VPCs, subnets, ENIs, instances placed by their
 * subnet), but RunInstances with a Placement argument fails in China regions (moto 5.2.5 has no
 * instance-type-offering data for them: KeyError 'cn-northwest-1', HTTP 500). Tests therefore place
 * instances through the subnet of the wanted AZ, as an Auto Scaling group does.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export const MOTO_REGION = "cn-northwest-1";
export const REPO_ROOT = resolve(__dirname, "..", "..");
const VENV = join(REPO_ROOT, ".venv");
const REQUIREMENTS = join(__dirname, "moto-requirements.txt");
const STAMP = join(VENV, ".moto-requirements.sha256");
const MOTO_SERVER = join(VENV, "bin", "moto_server");
const START_TIMEOUT_MS = 30_000;

export const DUMMY_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal}); moto is needed for these tests`,
    );
  }
}

/** Creates .venv with the pinned moto unless it is already there (then this costs one file read). */
export function ensureMotoInstalled(): string {
  const wanted = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
  if (existsSync(MOTO_SERVER) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === wanted)
    return MOTO_SERVER;
  if (!existsSync(join(VENV, "bin", "python"))) run("python3", ["-m", "venv", VENV]);
  run(join(VENV, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS]);
  writeFileSync(STAMP, wanted);
  return MOTO_SERVER;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface MotoServer {
  endpoint: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with ${child.exitCode}; see ${logFile}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms; see ${logFile}`);
}

export async function startMoto(): Promise<MotoServer> {
  const binary = ensureMotoInstalled();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = join(tmpdir(), `moto-${port}.log`);
  const log = openSync(logFile, "w");
  const child = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", log, log],
    detached: false,
  });
  // The test runner must not wait for the server to exit; stop() and the exit hook end it.
  child.unref();
  closeSync(log);
  const killOnExit = (): void => {
    child.kill("SIGTERM");
  };
  process.on("exit", killOnExit);
  try {
    await waitUntilAnswering(endpoint, child, logFile);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The log is kept only when the server died on its own (see waitUntilAnswering's errors).
      await new Promise<void>((done) => {
        child.once("exit", () => done());
        child.kill("SIGTERM");
      });
      rmSync(logFile, { force: true });
    },
  };
}

/** Client settings for the emulator: explicit endpoint, region and dummy credentials. */
export function motoClientConfig(endpoint: string): {
  region: string;
  endpoint: string;
  credentials: typeof DUMMY_CREDENTIALS;
} {
  return { region: MOTO_REGION, endpoint, credentials: DUMMY_CREDENTIALS };
}

/**
 * Points the SDK's standard environment at the emulator (AWS_ENDPOINT_URL and friends), as the
 * deployed Lambda would read it. Returns a function that restores the previous values.
 */
export function useMotoEnvironment(endpoint: string): () => void {
  const values: Record<string, string> = {
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
    AWS_ENDPOINT_URL: endpoint,
  };
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/**
 * Mocha helper: one moto server for the calling describe block, reset before each test.
 * Returns a handle whose `endpoint` is valid inside the tests.
 */
export function useMoto(): { readonly endpoint: string } {
  let server: MotoServer | undefined;
  before(async function () {
    this.timeout(180_000); // a first run installs moto
    server = await startMoto();
  });
  beforeEach(async () => {
    await server?.reset();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get endpoint(): string {
      if (!server) throw new Error("moto is not running: call useMoto() inside a describe block");
      return server.endpoint;
    },
  };
}
