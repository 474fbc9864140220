/**
 * The parent side of tests/engine/networks-driver.ts: one child process that holds a real Pulumi
 * engine with the stack's Kubernetes half, answering `up`, `preview` and `destroy` one at a time.
 * The child runs asynchronously, so this process (the token webhook, a fake kubelet) keeps serving
 * the API server while the engine works.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../../support/moto";
import { RESULT_PREFIX, type EngineCommand, type EngineResult } from "../../engine/networks-driver";

export interface NetworksEngine {
  run(command: EngineCommand): Promise<EngineResult>;
  /** Ends the child (its engine directory is removed) and waits for it. */
  stop(): Promise<void>;
}

export function startNetworksEngine(kubeconfigFile: string, stack: string): NetworksEngine {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      join("tests", "engine", "networks-driver.ts"),
      kubeconfigFile,
      stack,
    ],
    { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: ((result: EngineResult) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith(RESULT_PREFIX)) waiting.shift()?.(JSON.parse(line.slice(RESULT_PREFIX.length)));
  });
  const exited = new Promise<number | null>((done) => child.on("close", done));

  return {
    run: (command) =>
      new Promise((resolve, reject) => {
        waiting.push(resolve);
        void exited.then((code) => reject(new Error(`the engine process exited (${code}):\n${stderr}`)));
        child.stdin.write(`${JSON.stringify(command)}\n`);
      }),
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
