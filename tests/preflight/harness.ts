/**
 * One world for the preflight tests: a moto server behind the gap-filling fake (fake-aws-gaps.ts),
 * a fake registry, a plugin cache directory and an `aws` executable on PATH, all reset to a healthy
 * account before each test. Tests then break one thing and read the line the user would see.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSettings } from "../../stacks/config/parse";
import { PROJECT_NAME } from "../../stacks/config/schema";
import type { StackSettings } from "../../stacks/config/settings";
import { rawConfig } from "../../stacks/offline/raw-config";
import { ALL_CHECKS } from "../../stacks/preflight/checks";
import { requiredPlugins } from "../../stacks/preflight/checks/machine";
import { createClients, PreflightContext } from "../../stacks/preflight/context";
import { CheckOutcome, runChecks } from "../../stacks/preflight/runner";
import { DUMMY_CREDENTIALS, startMoto, type MotoServer } from "../support/moto";
import { ConfigValues, stackFile } from "../support/offline";
import { FakeAwsGaps, startFakeAwsGaps } from "./fake-aws-gaps";
import { FakeRegistry, startFakeRegistry } from "./fake-registry";

export const NINGXIA_ZONES = ["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"];
export const ON_DEMAND_VCPUS = "ec2/L-1216C47A";
export const AMI_PARAMETER_135 =
  "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id";
/** The default Multus image's repository and tag (Pulumi.yaml defaults), and the sample mirror's. */
export const MULTUS_IMAGE = "eks/multus-cni:v4.1.4-eksbuild.3_thick";
export const SAMPLE_IMAGE = "multus-samples/busybox:1.36.1";
/** moto's account and the token its GetAuthorizationToken hands out ("AWS:<account>-auth-token"). */
export const MOTO_ACCOUNT = "123456789012";
export const MOTO_ECR_AUTHORIZATION = `Basic ${Buffer.from(`AWS:${MOTO_ACCOUNT}-auth-token`).toString("base64")}`;

export interface World {
  readonly moto: MotoServer;
  readonly gaps: FakeAwsGaps;
  readonly registry: FakeRegistry;
  readonly pluginDirectory: string;
  readonly binDirectory: string;
  readonly environment: Record<string, string>;
  /** Writes a `pulumi` whose `plugin ls --json` prints `plugins`. */
  installPulumiCli(plugins: readonly { name: string; kind: string; version: string }[]): void;
  /** Writes an `aws` that prints `versionLine` for --version. */
  installAwsCli(versionLine: string): void;
  removeAwsCli(): void;
  installPlugins(): void;
}

function awsScript(versionLine: string): string {
  return `#!/bin/sh\necho "${versionLine}"\n`;
}

/** The environment a user's shell would have, pointed at the fakes. */
function environmentFor(gaps: FakeAwsGaps, binDirectory: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: gaps.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    PATH: `${binDirectory}:/usr/bin:/bin`,
  };
}

export interface RunningWorld extends World {
  /** A healthy account: offerings, versions, AMI parameter, images, plugins and an aws CLI v2. */
  resetHealthy(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<RunningWorld> {
  const root = mkdtempSync(join(tmpdir(), "preflight-"));
  const pluginDirectory = join(root, "pulumi", "plugins");
  const binDirectory = join(root, "bin");
  const moto = await startMoto();
  const gaps = await startFakeAwsGaps(moto.endpoint);
  const registry = await startFakeRegistry();
  const world: RunningWorld = {
    moto,
    gaps,
    registry,
    pluginDirectory,
    binDirectory,
    environment: environmentFor(gaps, binDirectory),
    installAwsCli(versionLine) {
      mkdirSync(binDirectory, { recursive: true });
      writeFileSync(join(binDirectory, "aws"), awsScript(versionLine));
      chmodSync(join(binDirectory, "aws"), 0o755);
    },
    removeAwsCli() {
      rmSync(join(binDirectory, "aws"), { force: true });
    },
    installPulumiCli(plugins) {
      mkdirSync(binDirectory, { recursive: true });
      const script = `#!/bin/sh\n[ "$*" = "plugin ls --json" ] || exit 2\ncat <<'JSON'\n${JSON.stringify(plugins)}\nJSON\n`;
      writeFileSync(join(binDirectory, "pulumi"), script);
      chmodSync(join(binDirectory, "pulumi"), 0o755);
    },
    installPlugins() {
      rmSync(pluginDirectory, { recursive: true, force: true });
      for (const plugin of requiredPlugins()) {
        const directory = join(pluginDirectory, `resource-${plugin.name}-v${plugin.version}`);
        mkdirSync(directory, { recursive: true });
        writeFileSync(join(directory, `pulumi-resource-${plugin.name}`), "");
      }
    },
    async resetHealthy() {
      await moto.reset();
      gaps.reset();
      const answers = gaps.answers;
      answers.offerings["c5.large"] = [...NINGXIA_ZONES];
      answers.offerings["t3.medium"] = [...NINGXIA_ZONES];
      answers.clusterVersions.push(
        { clusterVersion: "1.33", versionStatus: "EXTENDED_SUPPORT" },
        { clusterVersion: "1.34", versionStatus: "STANDARD_SUPPORT" },
        { clusterVersion: "1.35", versionStatus: "STANDARD_SUPPORT" },
      );
      answers.parameters[AMI_PARAMETER_135] = "ami-0123456789abcdef0";
      answers.addonVersions["vpc-cni"] = [
        {
          addonVersion: "v1.20.4-eksbuild.1",
          compatibilities: [{ clusterVersion: "1.35", defaultVersion: false }],
        },
        {
          addonVersion: "v1.19.2-eksbuild.1",
          compatibilities: [{ clusterVersion: "1.35", defaultVersion: true }],
        },
        {
          addonVersion: "v1.18.1-eksbuild.3",
          compatibilities: [{ clusterVersion: "1.34", defaultVersion: true }],
        },
      ];
      // moto has no EC2 quotas in Service Quotas (and no default for this one).
      answers.quotas[ON_DEMAND_VCPUS] = 32;
      registry.images.clear();
      registry.images.add(MULTUS_IMAGE).add(SAMPLE_IMAGE);
      registry.expectedAuthorization = MOTO_ECR_AUTHORIZATION;
      registry.outageStatus = undefined;
      registry.requests.length = 0;
      world.installPlugins();
      world.installAwsCli("aws-cli/2.17.0 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12");
      rmSync(join(binDirectory, "pulumi"), { force: true });
    },
    async stop() {
      await registry.stop();
      await gaps.stop();
      await moto.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return world;
}

/** Mocha: one world for the describe block, healthy again before each test, its environment set. */
export function useWorld(): World {
  let running: RunningWorld | undefined;
  const saved: Record<string, string | undefined> = {};
  before(async function () {
    this.timeout(180_000);
    running = await startWorld();
    for (const [key, value] of Object.entries(running.environment)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  beforeEach(async () => {
    await running!.resetHealthy();
  });
  after(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await running?.stop();
  });
  const get = (): RunningWorld => {
    if (!running) throw new Error("the preflight world runs only inside its describe block");
    return running;
  };
  return {
    get moto() {
      return get().moto;
    },
    get gaps() {
      return get().gaps;
    },
    get registry() {
      return get().registry;
    },
    get pluginDirectory() {
      return get().pluginDirectory;
    },
    get binDirectory() {
      return get().binDirectory;
    },
    get environment() {
      return get().environment;
    },
    installAwsCli: (line) => get().installAwsCli(line),
    installPulumiCli: (plugins) => get().installPulumiCli(plugins),
    removeAwsCli: () => get().removeAwsCli(),
    installPlugins: () => get().installPlugins(),
  };
}

export function settingsOf(stack: string, overrides: ConfigValues = {}): StackSettings {
  return parseSettings(rawConfig(stackFile(stack, overrides)), {
    project: PROJECT_NAME,
    stack,
    instanceTypeFacts: "ec2",
  });
}

export interface Preflight {
  readonly outcomes: CheckOutcome[];
  /** The result of the check called `name` (e.g. "EKS version"). */
  line(name: string): CheckOutcome["result"];
}

export async function preflight(
  world: World,
  stack: string,
  overrides: ConfigValues = {},
  options: { registryBaseUrl?: string; pluginDirectory?: string | null } = {},
): Promise<Preflight> {
  const settings = settingsOf(stack, overrides);
  const context = new PreflightContext(settings, createClients(settings.region.name), {
    ...(options.pluginDirectory === null
      ? {}
      : { pluginDirectory: options.pluginDirectory ?? world.pluginDirectory }),
    registryBaseUrl: options.registryBaseUrl ?? world.registry.baseUrl,
    timeoutMs: 5_000,
  });
  const outcomes = await runChecks(context, ALL_CHECKS);
  return {
    outcomes,
    line(name) {
      const found = outcomes.find((outcome) => outcome.check.name === name);
      if (!found)
        throw new Error(`no check "${name}"; there are ${outcomes.map((o) => o.check.name).join(", ")}`);
      return found.result;
    },
  };
}
