/**
 * Reads a stack's configuration the way the Pulumi CLI would for `pulumi up`: the project defaults
 * from Pulumi.yaml, overlaid with the stack file's values. Used by the offline plan and gate.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { UsageError } from "../cli";
import { PROJECT_NAME } from "../config/schema";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface StackFile {
  readonly stack: string;
  readonly path: string;
  /** Fully qualified keys (`multus-eks:vpcCidr`, `aws:region`) to values. */
  readonly config: Record<string, unknown>;
}

interface ProjectFile {
  config?: Record<string, { default?: unknown } | string | number | boolean>;
}

/** `ningxia` → Pulumi.ningxia.yaml in the project; anything with a slash or .yaml is a path. */
export function resolveStackFile(nameOrPath: string): { stack: string; path: string } {
  const isPath = nameOrPath.includes("/") || /\.ya?ml$/.test(nameOrPath);
  const file = isPath ? path.resolve(nameOrPath) : path.join(PROJECT_ROOT, `Pulumi.${nameOrPath}.yaml`);
  const base = path.basename(file).replace(/\.ya?ml$/, "");
  const stack = base.startsWith("Pulumi.") ? base.slice("Pulumi.".length) : base;
  return { stack, path: file };
}

export function projectDefaults(): Record<string, unknown> {
  const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
  const defaults: Record<string, unknown> = {};
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const value = typeof declaration === "object" && declaration !== null ? declaration.default : declaration;
    if (value !== undefined) defaults[key.includes(":") ? key : `${PROJECT_NAME}:${key}`] = value;
  }
  return defaults;
}

export function readStackFile(nameOrPath: string): StackFile {
  const { stack, path: file } = resolveStackFile(nameOrPath);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `No stack file ${file}: name a stack of this project (ningxia, beijing) or the path of a Pulumi.<stack>.yaml`,
    );
  }
  let document: { config?: Record<string, unknown> };
  try {
    document = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  } catch (error) {
    throw new UsageError(`Stack file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  return { stack, path: file, config: { ...projectDefaults(), ...(document.config ?? {}) } };
}
