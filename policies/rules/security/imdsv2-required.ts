/**
 * imdsv2-required: launch templates and instances require IMDSv2 session tokens
 * (metadataOptions.httpTokens = "required") and a hop limit of 1, so only the host network reaches
 * the metadata service and no pod can take the instance role's credentials. A launch template must
 * set the hop limit explicitly: left unset, the AMI decides (the EKS AL2023 AMIs ask for 2).
 */
import * as aws from "@pulumi/aws";
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { configWithDefaults } from "../support/config";

export const IMDSV2_REQUIRED = "imdsv2-required";

export interface ImdsConfig {
  /** Highest accepted httpPutResponseHopLimit (1: only the host network reaches IMDS). */
  maxHopLimit: number;
}

const DEFAULTS: ImdsConfig = { maxHopLimit: 1 };

interface MetadataOptions {
  httpTokens?: string;
  httpEndpoint?: string;
  httpPutResponseHopLimit?: number;
}

function check(
  kind: "Launch template" | "Instance",
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
  if (hops === undefined && kind === "Launch template") {
    report(
      `Launch template ${args.name} leaves metadataOptions.httpPutResponseHopLimit unset, so the AMI decides ` +
        `(EKS AL2023 AMIs ask for 2, which lets pods reach the node role): set it to ${config.maxHopLimit}.`,
    );
  } else if (hops !== undefined && hops > config.maxHopLimit) {
    report(
      `${kind} ${args.name} sets metadataOptions.httpPutResponseHopLimit ${hops}, above ${config.maxHopLimit}: ` +
        `pods could reach the instance role through IMDS. Set it to ${config.maxHopLimit} (run what needs IMDS in the host network).`,
    );
  }
}

export const imdsv2Required: ResourceValidationPolicy = {
  name: IMDSV2_REQUIRED,
  description:
    "Launch templates and EC2 instances require IMDSv2 (httpTokens = required) with hop limit 1 (set explicitly on launch templates).",
  enforcementLevel: "mandatory",
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
