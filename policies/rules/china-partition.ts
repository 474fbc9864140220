/**
 * china-partition: in an aws-cn stack, nothing may point at the global partition. No ARN of the
 * global partition in any input, no global-only service principal (ec2/s3 use the China DNS suffix there), and
 * container images only from registries reachable from China (by default Amazon ECR in the China
 * regions; Docker Hub, GHCR, ECR Public, Quay, GCR and registry.k8s.io are refused).
 *
 * The partition comes from the policy config, else from the AWS provider's region, else from ARNs
 * and availability zone names in the stack. Outside aws-cn the policy does not apply.
 */
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { CHINA_DNS_SUFFIX, globalOnlyPrincipals } from "../../components/model/partition";
import { configWithDefaults, stringListSchema } from "./support/config";
import { imagesOf, registryMatches, registryOf } from "./support/images";
import { isRecord, isUnknown, readKnown } from "./support/known";
import { StackView, label } from "./support/stack";

export const CHINA_PARTITION = "china-partition";

export interface ChinaPartitionConfig {
  /** "auto" (detect), "aws-cn" (always check) or "aws" (never). */
  partition: "auto" | "aws-cn" | "aws";
  /** Registry host patterns (`*` = any characters) images may come from. */
  allowedRegistries: string[];
  /** Registries refused even if an allowed pattern matches them. */
  deniedRegistries: string[];
}

export const DEFAULT_ALLOWED_REGISTRIES = [
  `*.dkr.ecr.cn-north-1.${CHINA_DNS_SUFFIX}`,
  `*.dkr.ecr.cn-northwest-1.${CHINA_DNS_SUFFIX}`,
];
export const DEFAULT_DENIED_REGISTRIES = [
  "docker.io",
  "ghcr.io",
  "public.ecr.aws",
  "quay.io",
  "gcr.io",
  "*.gcr.io",
  "registry.k8s.io",
  "k8s.gcr.io",
];

const DEFAULTS: ChinaPartitionConfig = {
  partition: "auto",
  allowedRegistries: DEFAULT_ALLOWED_REGISTRIES,
  deniedRegistries: DEFAULT_DENIED_REGISTRIES,
};

/** Assembled, so that no global-partition literal appears in the program's sources. */
const GLOBAL_ARN_PREFIX = ["arn", "aws", ""].join(":");
const CHINA_ARN_PREFIX = ["arn", "aws-cn", ""].join(":");
const CHINA_ZONE = /^cn-[a-z]+-\d[a-z]$/;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
const GLOBAL_PRINCIPAL = new RegExp(
  `(?<![\\w.-])(${globalOnlyPrincipals().map(escape).join("|")})(?![\\w.-])`,
  "g",
);

interface StringAt {
  readonly path: string;
  readonly text: string;
}

function stringsOf(value: unknown, path: string, found: StringAt[], depth = 0): StringAt[] {
  if (depth > 40) return found;
  if (typeof value === "string") found.push({ path: path || "(value)", text: value });
  else if (Array.isArray(value))
    value.forEach((item, index) => stringsOf(item, `${path}[${index}]`, found, depth + 1));
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value))
      stringsOf(item, path ? `${path}.${key}` : key, found, depth + 1);
  }
  return found;
}

function providerRegion(resource: PolicyResource): string | undefined {
  const region = readKnown(() => resource.provider?.props?.region as unknown);
  return typeof region === "string" ? region : undefined;
}

/** "aws-cn", "aws", or undefined when the stack gives no evidence. */
export function detectPartition(
  view: StackView,
  configured: ChinaPartitionConfig["partition"],
): "aws-cn" | "aws" | undefined {
  if (configured !== "auto") return configured;
  const regions = view.resources
    .map(providerRegion)
    .filter((region): region is string => region !== undefined);
  if (regions.length > 0) return regions.some((region) => region.startsWith("cn-")) ? "aws-cn" : "aws";
  for (const resource of view.resources) {
    for (const { path, text } of stringsOf(view.props(resource), "", [])) {
      if (text.startsWith(CHINA_ARN_PREFIX)) return "aws-cn";
      if (/availabilityZone$/i.test(path) && CHINA_ZONE.test(text)) return "aws-cn";
    }
  }
  return undefined;
}

function checkResource(
  resource: PolicyResource,
  props: Record<string, unknown>,
  config: ChinaPartitionConfig,
  report: ReportViolation,
): void {
  const where = `${resource.name} (${label(resource)})`;
  for (const { path, text } of stringsOf(props, "", [])) {
    if (text.includes(GLOBAL_ARN_PREFIX)) {
      const arn = text.slice(text.indexOf(GLOBAL_ARN_PREFIX)).split(/["\s,]/)[0];
      report(
        `${where}: ${path} holds the global-partition ARN ${arn}, which does not exist in aws-cn. Build the ARN ` +
          `from the partition (arn:aws-cn:... in China), e.g. with components/model/partition.ts.`,
        resource.urn,
      );
    }
    for (const match of text.matchAll(GLOBAL_PRINCIPAL)) {
      report(
        `${where}: ${path} names the service principal ${match[1]}, which is wrong in aws-cn (use ` +
          `${match[1]}.cn, e.g. servicePrincipal(partition, "${match[1].split(".")[0]}")).`,
        resource.urn,
      );
    }
  }
  for (const { image, path } of imagesOf(resource.type, props)) {
    const registry = registryOf(image);
    const denied = config.deniedRegistries.some((pattern) => registryMatches(registry, pattern));
    const allowed = config.allowedRegistries.some((pattern) => registryMatches(registry, pattern));
    if (!denied && allowed) continue;
    report(
      `${where}: ${path} uses image "${image}" from ${registry}, ${
        denied
          ? "which is not reliably reachable from the China regions"
          : "which is not in allowedRegistries"
      }. Mirror the image into Amazon ECR in the stack's China region and reference it there, or add the ` +
        `registry to the policy's allowedRegistries (and remove it from deniedRegistries).`,
      resource.urn,
    );
  }
}

function checkStack(args: StackValidationArgs, report: ReportViolation): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<ChinaPartitionConfig>>());
  const view = new StackView(args.resources);
  const partition = detectPartition(view, config.partition);
  if (partition !== "aws-cn") {
    args.notApplicable(
      partition === "aws"
        ? "the stack is in the global partition"
        : "the stack's partition could not be determined; set config partition",
    );
  }
  for (const resource of view.resources) {
    const props = view.props(resource);
    if (!isUnknown(props)) checkResource(resource, props, config, report);
  }
}

export const chinaPartition: StackValidationPolicy = {
  name: CHINA_PARTITION,
  description:
    "In aws-cn stacks: no global-partition ARNs, no global-only service principals, container images only from allowed registries.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      partition: {
        type: "string",
        enum: ["auto", "aws-cn", "aws"],
        default: "auto",
        description: "auto detects the partition from the AWS provider's region, ARNs and AZ names.",
      },
      allowedRegistries: stringListSchema(
        "Registry host patterns images may come from (* = any characters).",
        DEFAULT_ALLOWED_REGISTRIES,
      ),
      deniedRegistries: stringListSchema("Registries always refused.", DEFAULT_DENIED_REGISTRIES),
    },
  },
  validateStack: checkStack,
};
