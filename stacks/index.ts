/**
 * Pulumi entry point: `pulumi up --stack ningxia` (or beijing, or any stack file).
 * Validates the whole configuration, then reads the node instance type's facts from EC2 through
 * the provider, before declaring anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config";
import { loadSettings } from "./config/load";
import { buildLiveStack } from "./live";

/** RunError prints the message alone: the problems list, not a stack trace. */
function explained(error: unknown): unknown {
  return error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
}

export = async (): Promise<Record<string, unknown>> => {
  try {
    return (await buildLiveStack(loadSettings({ instanceTypeFacts: "ec2" }))).outputs;
  } catch (error) {
    throw explained(error);
  }
};
