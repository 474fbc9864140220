/**
 * imdsv2-required: launch templates and instances require IMDSv2 session tokens
 * (metadataOptions.httpTokens = "required"), and keep the hop limit low enough that pods on the
 * node network cannot reach the instance role through the metadata service.
 */
import * as aws from "@pulumi/aws";
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { configWithDefaults } from "../support/config";

export const IMDSV2_REQUIRED = "imdsv2-required";

export interface ImdsConfig {
  /** Highest accepted httpPutResponseHopLimit (2 lets containers without host networking reach IMDS). */
  maxHopLimit: number;
}

const DEFAULTS: ImdsConfig = { maxHopLimit: 2 };

interface MetadataOptions {
  httpTokens?: string;
  httpEndpoint?: string;
  httpPutResponseHopLimit?: number;
}

function check(
  kind: string,
  options: MetadataOptions | undefined,
  args: ResourceValidationArgs,
  report: ReportViolation,
): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<ImdsConfig>>());
  if (options?.httpEndpoint === "disabled") return;
  if (options?.httpTokens !== "required") {
    report(
      `${kind} ${args.name} allows IMDSv1 (metadataOptions.httpTokens is ${JSON.stringify(options?.httpTokens ?? "not set")}): ` +
        `set metadataOptions: { httpTokens: "required" } so credentials need a session token.`,
    );
  }
  const hops = options?.httpPutResponseHopLimit;
  if (hops !== undefined && hops > config.maxHopLimit) {
    report(
      `${kind} ${args.name} sets metadataOptions.httpPutResponseHopLimit ${hops}, above ${config.maxHopLimit}: ` +
        `containers could reach the instance role. Lower it (or raise the policy's maxHopLimit).`,
    );
  }
}

export const imdsv2Required: ResourceValidationPolicy = {
  name: IMDSV2_REQUIRED,
  description:
    "Launch templates and EC2 instances require IMDSv2 (httpTokens = required) with a low hop limit.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      maxHopLimit: {
        type: "integer",
        minimum: 1,
        maximum: 64,
        default: DEFAULTS.maxHopLimit,
        description: "Highest accepted httpPutResponseHopLimit.",
      },
    },
  },
  validateResource: [
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, args, report) =>
      check("Launch template", template.metadataOptions, args, report),
    ),
    validateResourceOfType(aws.ec2.Instance, (instance, args, report) =>
      check("Instance", instance.metadataOptions, args, report),
    ),
  ],
};
