/**
 * Runs a NAD's `spec.config` the way a container runtime (libcni) does: a single plugin config as
 * it is, a conflist plugin by plugin (ADD in order with the previous result, DEL in reverse order).
 */
import { cniResult, type CniResult } from "../ipam/cni";
import { CNI_PLUGIN_DIRECTORY } from "../ipam/netns";

export interface ChainCall {
  document: Record<string, unknown>;
  containerId: string;
  netns: string;
  ifname: string;
  /** Directories with the plugins (the project's node CNI bin first). */
  cniPath: string[];
  extraEnv: Record<string, string>;
}

type PluginConfig = Record<string, unknown> & { type: string };

function pluginsOf(document: Record<string, unknown>): {
  version: string;
  name: string;
  plugins: PluginConfig[];
} {
  const version = String(document.cniVersion);
  const name = String(document.name);
  const plugins = Array.isArray(document.plugins)
    ? (document.plugins as PluginConfig[])
    : [document as PluginConfig];
  return { version, name, plugins };
}

export async function chainAdd(call: ChainCall): Promise<CniResult> {
  const { version, name, plugins } = pluginsOf(call.document);
  let previous: CniResult | undefined;
  for (const plugin of plugins) {
    previous = await cniResult({
      plugin: `${CNI_PLUGIN_DIRECTORY}/${plugin.type}`,
      command: "ADD",
      config: { ...plugin, cniVersion: version, name, ...(previous ? { prevResult: previous } : {}) },
      containerId: call.containerId,
      netns: call.netns,
      ifname: call.ifname,
      cniPath: call.cniPath,
      extraEnv: call.extraEnv,
    });
  }
  return previous as CniResult;
}

export async function chainDel(call: ChainCall, previous?: CniResult): Promise<void> {
  const { version, name, plugins } = pluginsOf(call.document);
  for (const plugin of [...plugins].reverse()) {
    await cniResult({
      plugin: `${CNI_PLUGIN_DIRECTORY}/${plugin.type}`,
      command: "DEL",
      config: { ...plugin, cniVersion: version, name, ...(previous ? { prevResult: previous } : {}) },
      containerId: call.containerId,
      netns: call.netns,
      ifname: call.ifname,
      cniPath: call.cniPath,
      extraEnv: call.extraEnv,
    });
  }
}
