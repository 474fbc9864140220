/**
 * Policy config with defaults. The Pulumi CLI applies a config schema's defaults, but the offline
 * gate and direct callers may pass partial config, so every policy merges its defaults itself.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

export function configWithDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value !== undefined && key !== "enforcementLevel") merged[key] = value;
  }
  return merged as T;
}

export function stringListSchema(
  description: string,
  defaults: readonly string[],
): PolicyConfigSchema["properties"][string] {
  return { type: "array", items: { type: "string" }, default: [...defaults], description };
}
