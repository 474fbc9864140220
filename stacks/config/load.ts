/**
 * Reads the running stack's configuration from the Pulumi engine into `StackSettings`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ParseContext, parseSettings, REGION_KEY } from "./parse";
import { RawConfig } from "./reader";
import { PROJECT_NAME } from "./schema";
import { StackSettings } from "./settings";

/** The engine's config for this project, keyed by setting name, plus `aws:region`. */
export function rawConfigFromEngine(): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, ...rest] = key.split(":");
    if (namespace === PROJECT_NAME) raw[rest.join(":")] = value;
  }
  const region = pulumi.runtime.allConfig()[REGION_KEY] ?? process.env.AWS_REGION;
  if (region !== undefined) raw[REGION_KEY] = region;
  return raw;
}

/** The settings of the stack being deployed: deployment blockers are problems here. */
export function loadSettings(options: Pick<ParseContext, "instanceTypeFacts"> = {}): StackSettings {
  return parseSettings(rawConfigFromEngine(), {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    deploying: true,
    ...options,
  });
}
