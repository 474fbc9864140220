/**
 * `npm run policy -- <stack | path/to/Pulumi.<stack>.yaml> [--config policy-config.json] [--preview]`:
 * the policy pack's verdict on a stack with no Pulumi CLI and no cloud. Runs the stack program under
 * the mock engine (engine.ts), then the pack's own policy objects (policies/rules) on the recorded
 * resources, the way `pulumi preview --policy-pack policies` would, and prints the violations in
 * preview's layout. Exits 1 when a mandatory policy is violated.
 *
 * --preview makes every input that comes from another resource unknown, as in a first preview of a
 * new stack, so the run shows which checks still hold without resource IDs.
 */
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfig, PolicyProviderResource } from "@pulumi/policy";
import {
  Evaluation,
  ResourceRecord,
  Violation,
  evaluatePolicies,
  renderViolations,
} from "../../policies/runner/evaluate";
import { POLICY_PACK_NAME, policies } from "../../policies/rules";
import { runCommand, UsageError } from "../cli";
import { OfflineOptions, OfflineRun, RecordedResource, runOffline } from "./engine";
import { PROJECT_ROOT, StackFile, readStackFile } from "./stack-file";

export interface GateOptions extends OfflineOptions {
  /** Per-policy config, as for `pulumi preview --policy-pack-config`. */
  readonly policyConfig?: PolicyPackConfig;
  /** Treat inputs computed from other resources as unknown, as a first preview does. */
  readonly preview?: boolean;
}

export interface GateResult extends Evaluation {
  readonly run: OfflineRun;
  readonly mandatory: Violation[];
  readonly report: string;
}

function packVersion(): string {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(PROJECT_ROOT, "policies", "package.json"), "utf8"),
  ) as {
    version: string;
  };
  return manifest.version;
}

/** What the engine would send for each resource: URN, inputs as props, links, provider. */
export function policyRecords(run: OfflineRun, preview = false): ResourceRecord[] {
  const byUrn = new Map<string, RecordedResource>();
  for (const resource of run.resources) if (resource.engine?.urn) byUrn.set(resource.engine.urn, resource);
  const defaultAws: PolicyProviderResource = {
    type: "pulumi:providers:aws",
    name: "default",
    urn: `urn:pulumi:${run.settings.stack}::offline::pulumi:providers:aws::default`,
    props: { region: run.settings.region.name },
  };
  const providerOf = (resource: RecordedResource): PolicyProviderResource | undefined => {
    const urn = resource.provider?.split("::").slice(0, -1).join("::");
    const explicit = urn ? byUrn.get(urn) : undefined;
    if (explicit) return { type: explicit.type, name: explicit.name, urn: urn!, props: explicit.inputs };
    return resource.type.startsWith("aws:") ? defaultAws : undefined;
  };
  const customUrns = new Set(
    run.resources.filter((r) => r.custom && r.engine?.urn).map((r) => r.engine!.urn!),
  );
  return run.resources.map((resource) => {
    const engine = resource.engine;
    const propertyDependencies = engine?.propertyDependencies ?? {};
    const unknown = preview
      ? new Set(
          Object.entries(propertyDependencies)
            .filter(([, urns]) => urns.some((urn) => customUrns.has(urn)))
            .map(([key]) => key),
        )
      : undefined;
    const provider = providerOf(resource);
    return {
      urn: engine?.urn ?? `urn:pulumi:${run.settings.stack}::offline::${resource.type}::${resource.name}`,
      type: resource.type,
      name: resource.name,
      props: resource.inputs,
      ...(engine?.parentUrn ? { parentUrn: engine.parentUrn } : {}),
      dependencies: engine?.dependencies ?? [],
      propertyDependencies,
      ...(provider ? { provider } : {}),
      ...(unknown ? { unknownProperties: unknown } : {}),
    };
  });
}

export async function runGate(file: StackFile, options: GateOptions = {}): Promise<GateResult> {
  const run = await runOffline(file, options);
  const evaluation = await evaluatePolicies(policyRecords(run, options.preview), policies, {
    ...(options.policyConfig ? { config: options.policyConfig } : {}),
  });
  const mandatory = evaluation.violations.filter((violation) => violation.enforcementLevel === "mandatory");
  return {
    ...evaluation,
    run,
    mandatory,
    report: renderViolations(evaluation.violations, { name: POLICY_PACK_NAME, version: packVersion() }),
  };
}

interface CliArguments {
  target: string;
  configPath?: string;
  preview: boolean;
}

function parseArguments(argv: string[]): CliArguments {
  const result: CliArguments = { target: "ningxia", preview: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === "--preview") result.preview = true;
    else if (argument === "--config") {
      result.configPath = argv[++index];
      if (!result.configPath) throw new UsageError("--config needs the path of a policy config JSON file");
    } else if (argument.startsWith("--")) {
      throw new UsageError(`Unknown option ${argument}; use --config <file.json>, --preview or --trace`);
    } else result.target = argument;
  }
  return result;
}

async function main(argv: string[]): Promise<number> {
  const cli = parseArguments(argv);
  const file = readStackFile(cli.target);
  const policyConfig = cli.configPath
    ? (JSON.parse(fs.readFileSync(cli.configPath, "utf8")) as PolicyPackConfig)
    : undefined;
  const result = await runGate(file, { ...(policyConfig ? { policyConfig } : {}), preview: cli.preview });
  const advisory = result.violations.length - result.mandatory.length;
  console.log(
    `Policy pack ${POLICY_PACK_NAME} v${packVersion()} on stack "${file.stack}" (${file.path})${cli.preview ? ", preview mode" : ""}`,
  );
  console.log(`${result.run.resources.length} resources, ${policies.length} policies`);
  console.log("");
  console.log(result.report);
  console.log("");
  console.log(`${result.mandatory.length} mandatory, ${advisory} advisory violation(s).`);
  return result.mandatory.length > 0 ? 1 : 0;
}

if (require.main === module) runCommand("npm run policy", main);
