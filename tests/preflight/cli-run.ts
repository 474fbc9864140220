/** Runs `npm run preflight` the way a user does, in a world's environment, and times it. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { TEST_REGISTRY_ENV } from "../../stacks/preflight/context";
import { REPO_ROOT } from "../support/moto";
import type { World } from "./harness";

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/**
 * A copy of a shipped stack file with the one line the README's deploy step adds
 * (`deployFrom: vpc`), under the same name: what a user runs preflight on before `pulumi up`.
 */
export function deployableStackFile(stack: string): string {
  const directory = mkdtempSync(join(tmpdir(), "preflight-deployable-"));
  const file = join(directory, `Pulumi.${stack}.yaml`);
  const text = readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
  writeFileSync(file, `${text.trimEnd()}\n  multus-eks:deployFrom: vpc\n`);
  return file;
}

export function runPreflightCli(world: World, stack: string): Promise<CliRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", "preflight", "--", stack], {
      cwd: REPO_ROOT,
      env: {
        HOME: process.env.HOME ?? "/root",
        ...world.environment,
        // npm and node themselves come from the caller's PATH; `aws` from the world's bin first.
        PATH: `${world.binDirectory}:${dirname(process.execPath)}:/usr/bin:/bin`,
        PULUMI_HOME: join(world.pluginDirectory, ".."),
        [TEST_REGISTRY_ENV]: world.registry.baseUrl,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
    );
  });
}
