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

/** One plugin of the chain, given the chain's version and name and the previous result. */
function runPlugin(
  call: ChainCall,
  command: "ADD" | "DEL",
  plugin: PluginConfig,
  chain: { version: string; name: string },
  previous: CniResult | undefined,
): Promise<CniResult> {
  return cniResult({
    plugin: `${CNI_PLUGIN_DIRECTORY}/${plugin.type}`,
    command,
    config: {
      ...plugin,
      cniVersion: chain.version,
      name: chain.name,
      ...(previous ? { prevResult: previous } : {}),
    },
    containerId: call.containerId,
    netns: call.netns,
    ifname: call.ifname,
    cniPath: call.cniPath,
    extraEnv: call.extraEnv,
  });
}

export async function chainAdd(call: ChainCall): Promise<CniResult> {
  const { plugins, ...chain } = pluginsOf(call.document);
  let previous: CniResult | undefined;
  for (const plugin of plugins) previous = await runPlugin(call, "ADD", plugin, chain, previous);
  return previous as CniResult;
}

export async function chainDel(call: ChainCall, previous?: CniResult): Promise<void> {
  const { plugins, ...chain } = pluginsOf(call.document);
  for (const plugin of [...plugins].reverse()) await runPlugin(call, "DEL", plugin, chain, previous);
}
