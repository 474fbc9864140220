/**
 * The real Pulumi engine for tests: the CLI and the Kubernetes provider plugin built from the Go
 * module proxy (tests/engine/build.sh, cached), a `file://` backend and a PULUMI_HOME of their
 * own in a temporary directory, driven through the Automation API with an inline program.
 *
 * No plugin is ever downloaded (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION): a program that needs
 * one that is not installed here (the AWS provider cannot be had) stops at its first resource.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "../support/moto";

export interface EngineBuild {
  /** Directory holding the `pulumi` CLI. */
  readonly cliDirectory: string;
  /** Directory holding `pulumi-resource-kubernetes`. */
  readonly kubernetesPluginDirectory: string;
}

/** Builds the CLI and the plugin on a fresh machine (minutes), or finds them in the cache. */
export function buildEngine(): EngineBuild {
  const output = execFileSync("bash", [join(REPO_ROOT, "tests", "engine", "build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [cliDirectory, kubernetesPluginDirectory] = output.trim().split("\n");
  return { cliDirectory, kubernetesPluginDirectory };
}

export interface RealEngine {
  readonly command: PulumiCommand;
  readonly envVars: Record<string, string>;
  readonly backendUrl: string;
  /** An inline-program stack of `project` in this engine's backend. */
  stack(project: string, stackName: string, program: PulumiFn): Promise<Stack>;
  dispose(): void;
}

export async function startEngine(build: EngineBuild = buildEngine()): Promise<RealEngine> {
  const root = mkdtempSync(join(tmpdir(), "real-engine-"));
  // PulumiCommand looks for <root>/bin/pulumi.
  mkdirSync(join(root, "cli", "bin"), { recursive: true });
  symlinkSync(join(build.cliDirectory, "pulumi"), join(root, "cli", "bin", "pulumi"));
  const backend = join(root, "state");
  mkdirSync(backend);
  const backendUrl = `file://${backend}`;
  const envVars = {
    PULUMI_HOME: join(root, "home"),
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_CONFIG_PASSPHRASE: "real-engine-tests",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
  const command = await PulumiCommand.get({ root: join(root, "cli") });
  return {
    command,
    envVars,
    backendUrl,
    stack: (project, stackName, program) =>
      LocalWorkspace.createOrSelectStack(
        { projectName: project, stackName, program },
        {
          pulumiCommand: command,
          envVars,
          workDir: mkdtempSync(join(root, "work-")),
          projectSettings: { name: project, runtime: "nodejs", backend: { url: backendUrl } },
        },
      ),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
