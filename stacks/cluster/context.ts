/** What every step of the cluster reads from the settings. */
import type { StackSettings } from "../config";
import type { RegionInfo } from "../regions";

export interface ClusterContext {
  readonly name: string;
  /** The stack's region; ARNs and principals come from its partition. */
  readonly partition: RegionInfo;
  readonly tags: Readonly<Record<string, string>>;
  readonly settings: StackSettings;
}

export function clusterContext(settings: StackSettings): ClusterContext {
  return { name: settings.clusterName, partition: settings.region, tags: settings.tags, settings };
}
