/**
 * ebs-encryption: EBS volumes are encrypted: launch template block device mappings, instance root
 * and extra volumes, and standalone volumes.
 */
import * as aws from "@pulumi/aws";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { configWithDefaults } from "../support/config";

export const EBS_ENCRYPTION = "ebs-encryption";

export interface EbsConfig {
  /**
   * Accept launch templates and instances that leave encryption unset (the account has EBS
   * encryption by default turned on). Explicit `encrypted: false` is reported either way.
   */
  accountDefaultEncryption: boolean;
}

const DEFAULTS: EbsConfig = { accountDefaultEncryption: false };

/** Launch templates take "true"/"false" strings; instances and volumes take booleans. */
function isOn(value: unknown): boolean {
  return value === true || value === "true";
}

function unsetProblem(encrypted: unknown, config: EbsConfig): boolean {
  return encrypted === undefined ? !config.accountDefaultEncryption : !isOn(encrypted);
}

const FIX =
  "Set encrypted: true (a KMS key optional), or turn on EBS encryption by default and the policy's accountDefaultEncryption.";

export const ebsEncryption: ResourceValidationPolicy = {
  name: EBS_ENCRYPTION,
  description: "EBS volumes of launch templates, instances and standalone volumes are encrypted.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      accountDefaultEncryption: {
        type: "boolean",
        default: false,
        description: "The account encrypts new EBS volumes by default, so unset `encrypted` is fine.",
      },
    },
  },
  validateResource: [
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, args, report) => {
      const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<EbsConfig>>());
      const mappings = (template.blockDeviceMappings ?? []).filter((mapping) => mapping.ebs !== undefined);
      if (mappings.length === 0 && !config.accountDefaultEncryption) {
        report(
          `Launch template ${args.name} declares no EBS block device mapping, so the root volume is encrypted only if ` +
            `the AMI's snapshot is. Add blockDeviceMappings with ebs.encrypted "true". ${FIX}`,
        );
      }
      for (const mapping of mappings) {
        if (unsetProblem(mapping.ebs?.encrypted, config)) {
          report(
            `Launch template ${args.name}: the EBS volume at ${mapping.deviceName ?? "(no device name)"} is not encrypted. ${FIX}`,
          );
        }
      }
    }),
    validateResourceOfType(aws.ec2.Instance, (instance, args, report) => {
      const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<EbsConfig>>());
      if (unsetProblem(instance.rootBlockDevice?.encrypted, config)) {
        report(`Instance ${args.name}: the root volume is not encrypted (rootBlockDevice.encrypted). ${FIX}`);
      }
      for (const device of instance.ebsBlockDevices ?? []) {
        if (unsetProblem(device.encrypted, config)) {
          report(`Instance ${args.name}: the EBS volume at ${device.deviceName} is not encrypted. ${FIX}`);
        }
      }
    }),
    validateResourceOfType(aws.ebs.Volume, (volume, args, report) => {
      const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<EbsConfig>>());
      if (unsetProblem(volume.encrypted, config)) report(`EBS volume ${args.name} is not encrypted. ${FIX}`);
    }),
  ],
};
