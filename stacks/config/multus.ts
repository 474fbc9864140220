/**
 * Reads the Multus install, image, sample and check settings, and checks the NADs and samples the
 * networks will give on the node AZs. Problems name the setting and the fix.
 */
import type { MultusNetwork } from "../../components/model/network";
import type { MultusHelmInstall } from "../../components/networks";
import { multusImageReference, type MultusDaemonResources } from "../../components/networks/multus-manifests";
import {
  KNOWN_MULTUS_VERSIONS,
  multusVersionFor,
  type MultusVersion,
} from "../../components/networks/multus-versions";
import { quantityProblem, type QuantityKind } from "./quantity";
import { nadNameProblems, planNetworkAttachments } from "../../components/networks/nad";
import { planSamples } from "../../components/networks/samples";
import { eksImageRegistry, RegionInfo } from "../regions";
import { Problems } from "./problems";
import { SettingReader } from "./reader";
import { SETTINGS, SettingName } from "./schema";

export type MultusInstallSettings =
  | {
      readonly method: "yaml";
      readonly registry: string;
      readonly repository: string;
      readonly tag: string;
      /** registry/repository:tag */
      readonly image: string;
      /** What the tag's published manifest needs (init and daemon commands). */
      readonly version: MultusVersion;
      readonly resources: MultusDaemonResources;
    }
  | MultusHelmInstall;

export interface MultusSettings {
  readonly install: MultusInstallSettings;
  readonly samplesEnabled: boolean;
  /** Explicit sample image; undefined means the account's own ECR mirror (resolved at deploy time). */
  readonly sampleImage?: string;
  /** Only true when the samples are enabled too. */
  readonly connectivityCheckEnabled: boolean;
}

export interface MultusContext {
  readonly region?: RegionInfo;
  readonly networks: readonly MultusNetwork[];
  readonly nodeZones: readonly string[];
}

const IMAGE_SETTINGS = [
  "multusImageRegistry",
  "multusImageRepository",
  "multusImageTag",
  "multusInitCommand",
  "multusDaemonCpuRequest",
  "multusDaemonCpuLimit",
  "multusDaemonMemoryRequest",
  "multusDaemonMemoryLimit",
] as const;
const HELM_SETTINGS = [
  "multusHelmChart",
  "multusHelmRepository",
  "multusHelmVersion",
  "multusHelmValues",
] as const;

/**
 * Registries a node in the China regions cannot pull from reliably (or at all). An image name
 * without a registry host means Docker Hub.
 */
const UNREACHABLE_FROM_CHINA = [
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "ghcr.io",
  "public.ecr.aws",
  "gcr.io",
  "registry.k8s.io",
  "k8s.gcr.io",
];

const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The registry host of an image reference; docker.io when the first part is not a host. */
export function imageRegistry(image: string): string {
  const first = image.split("/")[0];
  const isHost = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? first.toLowerCase() : "docker.io";
}

function unreachableFromChina(registry: string): boolean {
  return UNREACHABLE_FROM_CHINA.includes(registry.replace(/:\d+$/, ""));
}

function isChanged(read: SettingReader, name: SettingName): boolean {
  return JSON.stringify(read.get(name)) !== JSON.stringify(SETTINGS[name].default);
}

export function readMultusSettings(
  read: SettingReader,
  problems: Problems,
  context: MultusContext,
): MultusSettings {
  const china = context.region?.partition === "aws-cn";
  const method = read.get("multusInstall");
  if (method !== "yaml" && method !== "helm") {
    problems.add("multusInstall", `"${method}" is not an install method: use "yaml" (default) or "helm"`);
  }
  const install =
    method === "helm" ? readHelm(read, problems) : readYaml(read, problems, context.region, china);

  const samplesEnabled = read.get("samplesEnabled");
  const connectivityCheckEnabled = samplesEnabled && read.get("connectivityCheckEnabled");
  const sampleImage = read.get("sampleImage");
  if (sampleImage) {
    if (/\s/.test(sampleImage) || !/^[^:/]/.test(sampleImage)) {
      problems.add(
        "sampleImage",
        `"${sampleImage}" is not an image reference such as registry/repository:tag`,
      );
    } else if (china && unreachableFromChina(imageRegistry(sampleImage))) {
      problems.add(
        "sampleImage",
        `"${sampleImage}" comes from ${imageRegistry(sampleImage)}, which nodes in ${context.region!.name} cannot pull from: ` +
          "copy the image into your own ECR in the region and name that, or leave sampleImage empty for <account>.dkr.ecr mirror",
      );
    }
  }

  nadProblems(problems, context, samplesEnabled, connectivityCheckEnabled);
  return {
    install,
    samplesEnabled,
    ...(sampleImage ? { sampleImage } : {}),
    connectivityCheckEnabled,
  };
}

function readYaml(
  read: SettingReader,
  problems: Problems,
  region: RegionInfo | undefined,
  china: boolean,
): MultusInstallSettings {
  for (const name of HELM_SETTINGS) {
    if (isChanged(read, name)) {
      problems.add(
        name,
        'is a Helm setting but multusInstall is "yaml": Multus is installed either with Helm or from YAML, ' +
          'never both; set multusInstall to "helm" or remove the Helm settings',
      );
    }
  }
  const explicitRegistry = read.get("multusImageRegistry");
  const registry = explicitRegistry || (region ? eksImageRegistry(region) : "");
  const repository = read.get("multusImageRepository");
  const tag = read.get("multusImageTag");
  if (explicitRegistry && !REGISTRY.test(explicitRegistry)) {
    problems.add(
      "multusImageRegistry",
      `"${explicitRegistry}" is not a registry host such as 123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn`,
    );
  } else if (explicitRegistry && china && unreachableFromChina(explicitRegistry)) {
    problems.add(
      "multusImageRegistry",
      `${explicitRegistry} cannot be pulled from in ${region!.name}: leave it empty for the region's EKS registry or mirror the image into your ECR`,
    );
  }
  if (!REPOSITORY.test(repository)) {
    problems.add("multusImageRepository", `"${repository}" is not a repository path such as eks/multus-cni`);
  }
  if (!TAG.test(tag))
    problems.add("multusImageTag", `"${tag}" is not an image tag such as v4.1.4-eksbuild.3_thick`);
  const initCommand = read.get("multusInitCommand");
  const commandOk =
    Array.isArray(initCommand) && initCommand.every((part) => typeof part === "string" && part.length > 0);
  if (!commandOk) {
    problems.add(
      "multusInitCommand",
      'must be a list of strings (exec form), e.g. ["cp", "/usr/src/multus-cni/bin/multus-shim", "/host/opt/cni/bin/multus-shim"]',
    );
  }
  const version = multusVersionFor(tag, commandOk ? (initCommand as string[]) : undefined);
  if (!version && commandOk) {
    problems.add(
      "multusImageTag",
      `"${tag}" is not a Multus version this program knows (${Object.keys(KNOWN_MULTUS_VERSIONS).join(", ")}): ` +
        "use one of them, or also set multusInitCommand to the init container command of that tag's published " +
        "manifest (exec form; a binary the image lacks makes the init container fail on every node)",
    );
  }
  return {
    method: "yaml",
    registry,
    repository,
    tag,
    image: multusImageReference({ registry, repository, tag }),
    version: version ?? { binaries: [], initCommand: [], daemonCommand: [] },
    resources: readDaemonResources(read, problems),
  };
}

function readDaemonResources(read: SettingReader, problems: Problems): MultusDaemonResources {
  const quantity = (name: SettingName, kind: QuantityKind): { text: string; value?: number } => {
    const text = read.get(name) as string;
    const checked = quantityProblem(text, kind);
    if (checked.problem) problems.add(name, checked.problem);
    return { text, value: checked.value };
  };
  const pair = (request: SettingName, limit: SettingName, kind: QuantityKind): [string, string] => {
    const wanted = quantity(request, kind);
    const cap = quantity(limit, kind);
    if (wanted.value !== undefined && cap.value !== undefined && wanted.value > cap.value) {
      problems.add(
        request,
        `${wanted.text} is more than ${limit} (${cap.text}): a request cannot exceed its limit`,
      );
    }
    return [wanted.text, cap.text];
  };
  const [cpuRequest, cpuLimit] = pair("multusDaemonCpuRequest", "multusDaemonCpuLimit", "cpu");
  const [memoryRequest, memoryLimit] = pair("multusDaemonMemoryRequest", "multusDaemonMemoryLimit", "memory");
  return { cpuRequest, cpuLimit, memoryRequest, memoryLimit };
}

function readHelm(read: SettingReader, problems: Problems): MultusInstallSettings {
  for (const name of IMAGE_SETTINGS) {
    if (isChanged(read, name)) {
      problems.add(
        name,
        'is a YAML-install setting but multusInstall is "helm": Multus is installed either with Helm or from YAML, ' +
          'never both; put the image in multusHelmValues, or set multusInstall to "yaml"',
      );
    }
  }
  const chart = read.get("multusHelmChart");
  const repository = read.get("multusHelmRepository");
  const version = read.get("multusHelmVersion");
  const values = read.get("multusHelmValues");
  if (!chart) {
    problems.add(
      "multusHelmChart",
      'is empty but multusInstall is "helm": name the chart (with multusHelmRepository) or an oci:// chart, or set multusInstall to "yaml"',
    );
  } else if (chart.startsWith("oci://") && repository) {
    problems.add(
      "multusHelmRepository",
      `must be empty for the OCI chart ${chart} (the reference names its registry)`,
    );
  }
  if (repository && !/^(https?|oci):\/\/\S+$/.test(repository)) {
    problems.add(
      "multusHelmRepository",
      `"${repository}" is not a chart repository URL (https://... or oci://...)`,
    );
  }
  const isObject = typeof values === "object" && values !== null && !Array.isArray(values);
  if (!isObject)
    problems.add("multusHelmValues", "must be a map of chart values, e.g. {image: {repository: ...}}");
  return {
    method: "helm",
    chart,
    ...(repository ? { repository } : {}),
    ...(version ? { version } : {}),
    values: isObject ? (values as Record<string, unknown>) : {},
  };
}

function nadProblems(
  problems: Problems,
  context: MultusContext,
  samplesEnabled: boolean,
  connectivityCheck: boolean,
): void {
  const covered = context.networks.every((network) =>
    context.nodeZones.every((zone) => network.subnets.some((subnet) => subnet.availabilityZone === zone)),
  );
  // Without subnets in every node AZ, nodeAvailabilityZones already has its own problem.
  if (context.networks.length === 0 || context.nodeZones.length === 0 || !covered) return;
  const nameProblems = nadNameProblems(context.networks, context.nodeZones);
  for (const problem of nameProblems) {
    const index = context.networks.findIndex((network) => problem.startsWith(`network "${network.name}"`));
    problems.add(`networks[${index}].name`, problem);
  }
  if (nameProblems.length > 0 || !samplesEnabled) return;
  try {
    planSamples(
      context.networks,
      context.nodeZones,
      planNetworkAttachments(context.networks, context.nodeZones),
      {
        connectivityCheck,
      },
    );
  } catch (error) {
    problems.add("connectivityCheckEnabled", (error as Error).message);
  }
}
