/**
 * The deploying machine: the Pulumi provider plugins the program needs are already in the plugin
 * cache (a machine in China often cannot download them from their global hosts when `pulumi up`
 * starts), and the AWS CLI the kubeconfig calls (`aws eks get-token`) is there, in a version
 * @pulumi/eks accepts.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Check, fail, pass } from "../types";

export interface PluginRequirement {
  readonly name: string;
  readonly version: string;
  /** Who asks for it. */
  readonly neededBy: string;
}

/** The resource plugin an installed @pulumi/<package> asks the engine for. */
function packagePlugin(packageName: string): PluginRequirement {
  const manifest = JSON.parse(readFileSync(require.resolve(`${packageName}/package.json`), "utf8")) as {
    version: string;
    pulumi?: { name?: string; version?: string };
  };
  return {
    name: manifest.pulumi?.name ?? packageName.replace("@pulumi/", ""),
    version: manifest.pulumi?.version ?? manifest.version,
    neededBy: `${packageName} ${manifest.version}`,
  };
}

/**
 * The eks provider's own children ask for their plugins at the versions its build pins (read from
 * pulumi-eks at tag v4.3.0): not visible in node_modules, so listed here per eks version.
 */
export const EKS_CHILD_PLUGINS: Readonly<Record<string, readonly { name: string; version: string }[]>> = {
  "4.3.0": [
    { name: "aws", version: "7.25.0" },
    { name: "kubernetes", version: "4.19.0" },
  ],
};

export function requiredPlugins(): PluginRequirement[] {
  const direct = ["@pulumi/aws", "@pulumi/eks", "@pulumi/kubernetes"].map(packagePlugin);
  const eks = direct.find((plugin) => plugin.name === "eks")!;
  const children = (EKS_CHILD_PLUGINS[eks.version] ?? []).map((child) => ({
    ...child,
    neededBy: `the eks ${eks.version} provider's children`,
  }));
  return [...direct, ...children];
}

export function pluginDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.PULUMI_HOME || join(homedir(), ".pulumi"), "plugins");
}

/**
 * Installed the way the CLI leaves a finished install: plugins/resource-<name>-v<version>/ holding
 * pulumi-resource-<name>, with no resource-<name>-v<version>.partial marker of an interrupted one.
 */
export function pluginInstalled(directory: string, plugin: { name: string; version: string }): boolean {
  const base = join(directory, `resource-${plugin.name}-v${plugin.version}`);
  const binary = join(base, `pulumi-resource-${plugin.name}`);
  return existsSync(binary) && statSync(binary).isFile() && !existsSync(`${base}.partial`);
}

/** The CLI versions @pulumi/eks accepts for `aws eks get-token`: v1 ≥ 1.24.0, v2 ≥ 2.7.0. */
const AWS_CLI_MINIMUM: Readonly<Record<number, [number, number]>> = { 1: [24, 0], 2: [7, 0] };

export function awsCliVersionProblem(output: string): string | undefined {
  const match = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!match)
    return `could not read a version from \`aws --version\`: ${output.trim().slice(0, 80) || "(no output)"}`;
  const [major, minor, patch] = match.slice(1).map(Number);
  const minimum = AWS_CLI_MINIMUM[major];
  if (!minimum) return `aws-cli ${major}.${minor}.${patch} is not a major version @pulumi/eks knows (1 or 2)`;
  if (minor < minimum[0] || (minor === minimum[0] && patch < minimum[1])) {
    return `aws-cli ${major}.${minor}.${patch} is older than ${major}.${minimum[0]}.${minimum[1]}, the oldest @pulumi/eks accepts`;
  }
  return undefined;
}

/**
 * "name version" of the resource plugins `pulumi plugin ls --json` lists; undefined when there is
 * no Pulumi CLI on PATH (or it cannot answer), and the cache directory decides instead.
 */
function pluginsListedByCli(timeoutMs: number): Promise<Set<string> | undefined> {
  return new Promise((resolve) => {
    execFile("pulumi", ["plugin", "ls", "--json"], { timeout: timeoutMs }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const listed = JSON.parse(stdout) as { name?: string; kind?: string; version?: string }[];
        resolve(
          new Set(
            listed
              .filter((plugin) => plugin.kind === "resource")
              .map((plugin) => `${plugin.name} ${(plugin.version ?? "").replace(/^v/, "")}`),
          ),
        );
      } catch {
        resolve(undefined);
      }
    });
  });
}

function runAwsVersion(timeoutMs: number): Promise<{ output: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile("aws", ["--version"], { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ output: `${stdout}${stderr}`, missing: error?.code === "ENOENT" });
    });
  });
}

export const machineChecks: readonly Check[] = [
  {
    family: "machine",
    name: "Pulumi plugins",
    async run(context) {
      // An explicit directory is what the caller wants read; otherwise the CLI's own list, if any.
      const listed = context.options.pluginDirectory
        ? undefined
        : await pluginsListedByCli(context.timeoutMs);
      const directory = context.options.pluginDirectory ?? pluginDirectory();
      const where = listed ? "`pulumi plugin ls`" : directory;
      const plugins = requiredPlugins();
      const missing = plugins.filter((plugin) =>
        listed ? !listed.has(`${plugin.name} ${plugin.version}`) : !pluginInstalled(directory, plugin),
      );
      if (missing.length > 0) {
        return fail(
          `missing from ${where}: ${missing.map((plugin) => `${plugin.name} ${plugin.version} (${plugin.neededBy})`).join(", ")}`,
          `install them before \`pulumi up\`: ${missing.map((plugin) => `pulumi plugin install resource ${plugin.name} ${plugin.version}`).join("; ")} ` +
            "(add --file <tarball> for an offline copy, or set PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES to a mirror; docs/deploying.md, step 2)",
        );
      }
      return pass(`${plugins.map((plugin) => `${plugin.name} ${plugin.version}`).join(", ")} in ${where}`);
    },
  },
  {
    family: "machine",
    name: "AWS CLI",
    async run(context) {
      const { output, missing } = await runAwsVersion(context.timeoutMs);
      if (missing) {
        return fail(
          "`aws` is not on PATH: the cluster's kubeconfig runs `aws eks get-token`",
          "install the AWS CLI v2 (2.7.0 or later), e.g. from the awscli package of your OS or `pip install awscli`, and put `aws` on PATH",
        );
      }
      const problem = awsCliVersionProblem(output);
      if (problem)
        return fail(
          problem,
          "install AWS CLI v2 2.7.0 or later (or v1 1.24.0 or later) and put it first on PATH",
        );
      return pass(output.trim().split(/\s+/)[0]);
    },
  },
];
