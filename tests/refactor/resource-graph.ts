/**
 * The offline engine's whole resource graph of a stack, in a canonical form that two runs of the
 * same program produce byte for byte: each resource's type, name, parent, provider, inputs and the
 * URNs it depends on (overall and per property), sorted by `type::name`.
 *
 * A refactoring that must not change behaviour compares this graph before and after
 * (`tests/refactor/graph-unchanged.test.ts`; record with `npm run graph:record`).
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { runStack } from "../support/offline";
import { PROJECT_ROOT } from "../../stacks/offline/stack-file";

/** Every stack this project ships or documents: the two China stacks and every example stack file. */
export function graphStacks(): string[] {
  const examples = (dir: string): string[] =>
    readdirSync(join(PROJECT_ROOT, dir))
      .filter((file) => /^Pulumi\..+\.ya?ml$/.test(file))
      .sort()
      .map((file) => join(dir, file));
  return ["ningxia", "beijing", ...examples("stacks/examples"), ...examples("examples")];
}

export interface GraphNode {
  readonly key: string;
  readonly parent: string | null;
  readonly custom: boolean;
  readonly provider: string | null;
  readonly inputs: unknown;
  readonly dependencies: string[];
  readonly propertyDependencies: Record<string, string[]>;
  /** ignoreChanges and the other resource options the engine acts on. */
  readonly options: unknown;
}

/** Longer strings (bundles, archives) are recorded by digest: equal exactly when the text is. */
const LONGEST_KEPT = 2000;

/** Objects with their keys sorted, so that the JSON text does not depend on insertion order. */
function canonical(value: unknown): unknown {
  if (typeof value === "string" && value.length > LONGEST_KEPT) {
    return `sha256:${createHash("sha256").update(value).digest("hex")} (${value.length} characters)`;
  }
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export async function resourceGraph(stack: string): Promise<GraphNode[]> {
  const run = await runStack(stack.includes("/") ? join(PROJECT_ROOT, stack) : stack);
  return run.resources
    .map((resource) => ({
      key: `${resource.type}::${resource.name}`,
      parent: resource.parent ?? null,
      custom: resource.custom,
      provider: resource.provider ?? null,
      inputs: canonical(resource.inputs),
      dependencies: [...(resource.engine?.dependencies ?? [])].sort(),
      options: canonical({
        ignoreChanges: resource.engine?.ignoreChanges ?? [],
        ...(resource.engine?.options ?? {}),
      }),
      propertyDependencies: canonical(
        Object.fromEntries(
          Object.entries(resource.engine?.propertyDependencies ?? {}).map(([name, urns]) => [
            name,
            [...urns].sort(),
          ]),
        ),
      ) as Record<string, string[]>,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The fixture file of a stack's recorded graph. */
export function graphFixture(stack: string): string {
  const name = stack.includes("/")
    ? relative(PROJECT_ROOT, join(PROJECT_ROOT, stack)).replace(/\//g, "_")
    : stack;
  return join(__dirname, "fixtures", `${name.replace(/\.ya?ml$/, "")}.graph.json`);
}
