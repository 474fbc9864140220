/**
 * multus-eni-no-manage: every ENI on a Multus subnet must carry the VPC CNI's no_manage=true tag,
 * or the Amazon VPC CNI takes it over and hands its addresses to ordinary pods. Three places make
 * Multus ENIs: NetworkInterface resources, launch templates (interfaces at device index > 0) and the
 * ENI-attach Lambda (its MULTUS_ENI_CONFIG). The Lambda always writes no_manage=true itself
 * (lambda/src/eni-plan.ts) and refuses a config whose `tags` names a key it owns.
 */
import * as aws from "@pulumi/aws";
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { NETWORK_TAG_KEY, NO_MANAGE_TAG_KEY, NO_MANAGE_TAG_VALUE } from "../../components/model/tags";
import { LAMBDA_CONFIG_ENV } from "../../lambda/src/config";
import { configWithDefaults, stringListSchema } from "./support/config";
import { isRecord, isUnknown, parseJson, tagsOf } from "./support/known";
import { StackView, label, linkedThrough } from "./support/stack";

export const MULTUS_ENI_NO_MANAGE = "multus-eni-no-manage";

export const SUBNET_TYPE = "aws:ec2/subnet:Subnet";
export const NETWORK_INTERFACE_TYPE = "aws:ec2/networkInterface:NetworkInterface";

export interface MultusEniNoManageConfig {
  /** IDs of existing Multus subnets that are not in the stack (ENIs given these IDs are checked too). */
  multusSubnetIds: string[];
}

const DEFAULTS: MultusEniNoManageConfig = { multusSubnetIds: [] };

const TAG = `${NO_MANAGE_TAG_KEY}=${NO_MANAGE_TAG_VALUE}`;

function hasNoManage(tags: Record<string, unknown>): boolean {
  return tags[NO_MANAGE_TAG_KEY] === NO_MANAGE_TAG_VALUE;
}

/** A subnet is a Multus subnet when it carries the network tag (components/vpc sets it). */
export function isMultusSubnet(props: Record<string, unknown>): boolean {
  const tags = tagsOf(props);
  return !isUnknown(tags) && typeof tags[NETWORK_TAG_KEY] === "string";
}

const checkLaunchTemplate = validateResourceOfType(aws.ec2.LaunchTemplate, (template, args, report) => {
  const extra = (template.networkInterfaces ?? []).filter((entry) => Number(entry.deviceIndex ?? 0) > 0);
  if (extra.length === 0) return;
  const indexes = extra.map((entry) => entry.deviceIndex).join(", ");
  const eniTags = (template.tagSpecifications ?? [])
    .filter((spec) => spec.resourceType === "network-interface")
    .map((spec) => spec.tags ?? {});
  if (!eniTags.some((tags) => hasNoManage(tags))) {
    report(
      `Launch template ${args.name} declares network interfaces at device index ${indexes} (Multus ENIs) ` +
        `but does not tag network interfaces with ${TAG}: the VPC CNI would manage them. Add ` +
        `tagSpecifications: [{ resourceType: "network-interface", tags: { "${NO_MANAGE_TAG_KEY}": "${NO_MANAGE_TAG_VALUE}" } }].`,
    );
  }
});

function checkEniLambda(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== "aws:lambda/function:Function") return;
  const variables = (args.props.environment as { variables?: Record<string, unknown> } | undefined)
    ?.variables;
  const text = variables?.[LAMBDA_CONFIG_ENV];
  if (text === undefined) return;
  const fix = `Fix the node group settings that build ${LAMBDA_CONFIG_ENV}.`;
  const document = typeof text === "string" ? parseJson(text) : undefined;
  if (!isRecord(document)) {
    report(
      `Lambda ${args.name}: ${LAMBDA_CONFIG_ENV} is not a JSON object, so no ENI would be created or tagged. ${fix}`,
    );
    return;
  }
  const tags = document.tags;
  if (tags === undefined) return;
  if (!isRecord(tags)) {
    report(`Lambda ${args.name}: ${LAMBDA_CONFIG_ENV}.tags must be an object of tag keys to values. ${fix}`);
    return;
  }
  const value = tags[NO_MANAGE_TAG_KEY];
  if (value === undefined) return;
  report(
    value === NO_MANAGE_TAG_VALUE
      ? `Lambda ${args.name}: ${LAMBDA_CONFIG_ENV}.tags sets ${NO_MANAGE_TAG_KEY}, a key the Lambda writes itself ` +
          `(always "${NO_MANAGE_TAG_VALUE}"); it refuses such a config at run time. Remove the key from tags.`
      : `Lambda ${args.name}: ${LAMBDA_CONFIG_ENV}.tags sets ${NO_MANAGE_TAG_KEY}=${JSON.stringify(value)}, overriding ` +
          `the required "${NO_MANAGE_TAG_VALUE}" (and the Lambda refuses the config at run time). Remove the key from tags.`,
  );
}

function checkDeclaredEnis(args: StackValidationArgs, report: ReportViolation): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<MultusEniNoManageConfig>>());
  const view = new StackView(args.resources);
  const existingMultus = new Set(config.multusSubnetIds);
  for (const eni of view.ofType(NETWORK_INTERFACE_TYPE)) {
    const props = view.props(eni);
    const subnets = linkedThrough(eni, "subnetId", SUBNET_TYPE);
    const multusSubnet = subnets.find((subnet: PolicyResource) => isMultusSubnet(view.props(subnet)));
    const subnetId = props.subnetId;
    const onExistingMultus = typeof subnetId === "string" && existingMultus.has(subnetId);
    const tags = tagsOf(props);
    const taggedAsMultus = !isUnknown(tags) && typeof tags[NETWORK_TAG_KEY] === "string";
    if (!multusSubnet && !onExistingMultus && !taggedAsMultus) continue;
    if (isUnknown(tags)) {
      report(
        `ENI ${eni.name} is on a Multus subnet but its tags are unknown in this preview; set ` +
          `${TAG} as a literal tag so it can be checked before the ENI exists.`,
        eni.urn,
      );
      continue;
    }
    if (!hasNoManage(tags)) {
      const where = multusSubnet
        ? `Multus subnet ${label(multusSubnet)}`
        : onExistingMultus
          ? `existing Multus subnet ${String(subnetId)}`
          : `Multus network ${String(tags[NETWORK_TAG_KEY])}`;
      const found = tags[NO_MANAGE_TAG_KEY];
      report(
        `ENI ${eni.name} (${label(eni)}) is on ${where} but ${
          found === undefined ? `lacks the tag ${TAG}` : `has ${NO_MANAGE_TAG_KEY}=${JSON.stringify(found)}`
        }: the VPC CNI would manage it. Add tags: { "${NO_MANAGE_TAG_KEY}": "${NO_MANAGE_TAG_VALUE}" } to the ENI.`,
        eni.urn,
      );
    }
  }
}

export const multusEniNoManage: ResourceValidationPolicy & StackValidationPolicy = {
  name: MULTUS_ENI_NO_MANAGE,
  description: `Multus ENIs (on Multus subnets, at device index > 0 in launch templates, made by the ENI-attach Lambda) carry ${TAG}.`,
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      multusSubnetIds: stringListSchema(
        "IDs of existing Multus subnets outside the stack; ENIs declared on them must carry the tag too.",
        DEFAULTS.multusSubnetIds,
      ),
    },
  },
  validateResource: [checkLaunchTemplate, checkEniLambda],
  validateStack: checkDeclaredEnis,
};
