/**
 * The stack's Kubernetes half (`createMultusNetworks`, the function stacks/program.ts calls, with the
 * stack's own settings from its config) through the real Pulumi engine and the real Kubernetes
 * provider plugin, against the cluster of a kubeconfig. Run as its own process (the inline program
 * shares the Pulumi runtime with its host, which mocha's mock-engine tests also use):
 *
 *   ts-node tests/engine/networks-driver.ts <kubeconfig file> <stack: ningxia, beijing or a stack file's path>
 *
 * then one JSON command per line on stdin: `{"op": "up" | "preview" | "destroy", "changes": {...},
 * "refresh": true?}`
 * (setting changes to the shipped stack file, as tests/support/entry-point.ts takes them). Each
 * answer is one stdout line `RESULT {...}`: the engine's summary, the stack's outputs, the steps the
 * engine reported (op and resource, in the order they finished), the error if any, and the wall time.
 * One engine (CLI, PULUMI_HOME, file:// backend) serves every command; it is removed at the end of
 * stdin.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, OpMap, Stack } from "@pulumi/pulumi/automation";
import { loadSettings } from "../../stacks/config/load";
import { PROJECT_NAME } from "../../stacks/config/schema";
import { createMultusNetworks } from "../../stacks/networks";
import { readStackFile } from "../../stacks/offline/stack-file";
import { entryConfig } from "../support/entry-point";
import { REPO_ROOT } from "../support/moto";
import { buildEngine, startEngine } from "./real-engine";

export const RESULT_PREFIX = "RESULT ";

export type EngineOp = "up" | "preview" | "destroy";

export interface EngineCommand {
  readonly op: EngineOp;
  readonly changes?: Readonly<Record<string, unknown>>;
  /** `--refresh`: read every object from the cluster first, so the diff is against the live state. */
  readonly refresh?: boolean;
}

/** One resource step the engine finished: its op (create, same, update, replace, delete...) and resource. */
export interface EngineStep {
  readonly op: string;
  /** `type name`, as tests/k8s/harness/rendered.ts names a rendered object's resource. */
  readonly resource: string;
}

export interface EngineResult {
  readonly op: EngineOp;
  /** `summary.resourceChanges` of up/destroy, `changeSummary` of preview. */
  readonly changes: OpMap;
  readonly outputs: Record<string, unknown>;
  readonly steps: EngineStep[];
  /** The dependencies the engine holds in its state afterwards (`type name` of each), by resource. */
  readonly dependencies: Record<string, string[]>;
  readonly error?: string;
  readonly seconds: number;
}

/** The plugin's version: the provider/v4 pseudo-version tests/engine/build.sh builds (its go.mod). */
export function kubernetesPluginVersion(): string {
  const goMod = readFileSync(join(REPO_ROOT, "tests", "engine", "kubernetes-provider", "go.mod"), "utf8");
  const version = /^require github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4 (v\S+)$/m.exec(goMod)?.[1];
  if (!version) throw new Error("no provider/v4 requirement in tests/engine/kubernetes-provider/go.mod");
  return version.slice(1);
}

/** The stack program's Kubernetes half, on the cluster of `kubeconfig`, with the plugin built here. */
function networksProgram(kubeconfig: string, pluginVersion: string) {
  return async () => {
    const settings = loadSettings();
    const provider = new k8s.Provider(
      `${settings.clusterName}-k8s`,
      { kubeconfig },
      { version: pluginVersion },
    );
    const multus = createMultusNetworks(
      settings,
      { kubeconfigJson: pulumi.output(kubeconfig) },
      [],
      provider,
    );
    return {
      nadNames: multus.nadNames,
      sampleNames: multus.sampleNames,
      checkJobNames: multus.checkJobNames,
      checkNotes: multus.checkNotes,
    };
  };
}

function recordStep(steps: EngineStep[]) {
  return (event: EngineEvent) => {
    const metadata = event.resOutputsEvent?.metadata;
    if (!metadata) return;
    steps.push({ op: metadata.op, resource: resourceOf(metadata.urn) });
  };
}

/** `type name` of a URN (urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>). */
function resourceOf(urn: string): string {
  const [, , types, ...name] = urn.split("::");
  return `${types.split("$").pop()} ${name.join("::")}`;
}

async function dependencies(stack: Stack): Promise<Record<string, string[]>> {
  const { deployment } = await stack.exportStack();
  const resources =
    (deployment as { resources?: { urn: string; dependencies?: string[] }[] }).resources ?? [];
  return Object.fromEntries(
    resources.map((resource) => [resourceOf(resource.urn), (resource.dependencies ?? []).map(resourceOf)]),
  );
}

async function run(stack: Stack, stackFile: string, command: EngineCommand): Promise<EngineResult> {
  const config = entryConfig(stackFile, command.changes ?? {});
  await stack.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value }])),
  );
  const steps: EngineStep[] = [];
  const onEvent = recordStep(steps);
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let changes: OpMap = {};
  let error: string | undefined;
  try {
    const refresh = command.refresh ?? false;
    if (command.op === "up") changes = (await stack.up({ onEvent, refresh })).summary.resourceChanges ?? {};
    else if (command.op === "preview") changes = (await stack.preview({ onEvent, refresh })).changeSummary;
    else changes = (await stack.destroy({ onEvent })).summary.resourceChanges ?? {};
  } catch (caught) {
    error = (caught as Error).message;
  }
  const elapsed = seconds();
  const outputs = Object.fromEntries(
    Object.entries(await stack.outputs()).map(([key, output]) => [key, output.value as unknown]),
  );
  return {
    op: command.op,
    changes,
    outputs,
    steps,
    dependencies: await dependencies(stack),
    seconds: elapsed,
    ...(error ? { error } : {}),
  };
}

async function main(): Promise<void> {
  const [kubeconfigFile, stackFile] = process.argv.slice(2);
  const kubeconfig = readFileSync(kubeconfigFile, "utf8");
  const build = buildEngine();
  const engine = await startEngine(build);
  try {
    const pluginVersion = kubernetesPluginVersion();
    // Into this engine's own PULUMI_HOME; nothing is downloaded.
    execFileSync(
      engine.command.command,
      [
        "plugin",
        "install",
        "resource",
        "kubernetes",
        pluginVersion,
        "--file",
        join(build.kubernetesPluginDirectory, "pulumi-resource-kubernetes"),
      ],
      { env: { ...process.env, ...engine.envVars }, stdio: ["ignore", "ignore", "inherit"] },
    );
    const stackName = readStackFile(stackFile).stack;
    const stack = await engine.stack(PROJECT_NAME, stackName, networksProgram(kubeconfig, pluginVersion));
    for await (const line of createInterface({ input: process.stdin })) {
      if (!line.trim()) continue;
      const result = await run(stack, stackFile, JSON.parse(line) as EngineCommand);
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    }
  } finally {
    engine.dispose();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
