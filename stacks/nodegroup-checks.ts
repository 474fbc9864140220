/**
 * Each node group's instance type against its Multus networks and max pods: run with EC2's facts
 * before anything is declared at `pulumi preview`/`up` (stacks/instance-type/provider.ts); the
 * offline plan runs the same checks with this program's table in the settings validation.
 */
import type { ConfigProblem } from "./config/problems";
import { DEFAULT_NODE_GROUP_NAME } from "./config/nodegroup";
import { settingKey } from "./config/schema";
import type { StackSettings } from "./config/settings";
import { InstanceFactsByType, instanceTypeProblems } from "./instance-type/facts";

/**
 * The setting a group's problem names: `nodeInstanceType` / `nodeMaxPods` for the blog's single
 * group, `nodeGroups[i].instanceType` / `.maxPods` when the stack lists its groups.
 */
export function groupSettingKey(settings: StackSettings, index: number, setting: string): string {
  const group = settings.nodeGroups[index];
  const listed = settings.nodeGroups.length > 1 || group.name !== DEFAULT_NODE_GROUP_NAME;
  if (!listed) return settingKey(setting);
  return settingKey(`nodeGroups[${index}].${setting === "nodeMaxPods" ? "maxPods" : "instanceType"}`);
}

export function nodeGroupProblems(
  settings: StackSettings,
  factsByType: InstanceFactsByType,
): ConfigProblem[] {
  return settings.nodeGroups.flatMap((group, index) => {
    const use = {
      instanceType: group.instanceType,
      maxPods: group.maxPods,
      networks: settings.networks.filter((network) => group.networks.includes(network.name)),
    };
    return instanceTypeProblems(use, factsByType[group.instanceType]).map((problem) => ({
      setting: groupSettingKey(settings, index, problem.setting),
      message: problem.message,
    }));
  });
}
