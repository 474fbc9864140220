/**
 * Pulumi entry point: `pulumi up --stack ningxia` (or beijing, or any stack file).
 * Validates the whole configuration, then reads the node instance type's facts from EC2 through
 * the provider, before declaring anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config";
import { loadSettings } from "./config/load";
import { providerInstanceFacts } from "./instance-type/provider";
import { buildStack } from "./program";

/** RunError prints the message alone: the problems list, not a stack trace. */
function explained(error: unknown): unknown {
  return error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
}

export = async (): Promise<Record<string, unknown>> => {
  try {
    const settings = loadSettings({ instanceTypeFacts: "ec2" });
    return buildStack(settings, await providerInstanceFacts(settings));
  } catch (error) {
    throw explained(error);
  }
};
