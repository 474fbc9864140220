/**
 * The `pulumi preview`/`up` program after validation: the node instance type's facts from EC2
 * through the provider, then the stack. Shared by the entry point and the offline engine's
 * "provider" mode, so the tests run this very path.
 */
import type { StackSettings } from "./config/settings";
import type { InstanceFactsByType } from "./instance-type/facts";
import { providerInstanceFacts } from "./instance-type/provider";
import { buildStack } from "./program";

export async function buildLiveStack(
  settings: StackSettings,
): Promise<{ facts: InstanceFactsByType; outputs: Record<string, unknown> }> {
  const facts = await providerInstanceFacts(settings);
  return { facts, outputs: buildStack(settings, facts) };
}
