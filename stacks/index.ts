/**
 * Pulumi entry point: `pulumi up --stack ningxia` (or beijing, or any stack file).
 * Validates the whole configuration before declaring anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config";
import { loadSettings } from "./config/load";
import { buildStack } from "./program";

function settingsOrExplain(): ReturnType<typeof loadSettings> {
  try {
    return loadSettings();
  } catch (error) {
    // RunError prints the message alone: the problems list, not a stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

export = buildStack(settingsOrExplain());
