/** Shared set-up for the IPAM plugin tests: the plugin is the node file of the rootfs tree. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENI_PREFIX_IPAM_PLUGIN, NODE_CNI_BIN_DIRECTORY } from "../../components/networks/ipam";
import { rootfsSource } from "../../components/nodegroup/rootfs";
import { hostLocalAvailable, HOST_LOCAL } from "./netns";

/** Skips the suite, loudly, only when the Debian CNI plugins are not installed. */
export function requireHostLocal(context: Mocha.Context): void {
  if (!hostLocalAvailable()) {
    console.warn(
      `\n  !!! SKIPPING IPAM plugin tests: ${HOST_LOCAL} is missing. ` +
        `Install it with: apt-get install -y containernetworking-plugins !!!\n`,
    );
    context.skip();
  }
}

export interface InstalledPlugin {
  workDirectory: string;
  binDirectory: string;
  plugin: string;
}

/** The plugin as it lands on a node (rootfs/opt/cni/bin/multus-eni-prefix). */
export const PLUGIN_SOURCE = rootfsSource(`${NODE_CNI_BIN_DIRECTORY}/${ENI_PREFIX_IPAM_PLUGIN}`);

/** Copies the node file into a temporary bin directory, mode 0755 as the node files get it. */
export function installPlugin(): InstalledPlugin {
  const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "eni-prefix-ipam-"));
  const binDirectory = path.join(workDirectory, "bin");
  fs.mkdirSync(binDirectory);
  const plugin = path.join(binDirectory, ENI_PREFIX_IPAM_PLUGIN);
  fs.copyFileSync(PLUGIN_SOURCE, plugin);
  fs.chmodSync(plugin, 0o755);
  return { workDirectory, binDirectory, plugin };
}

export interface NodeNetworkEntry {
  name: string;
  deviceIndex: number;
  subnetCidrs: string[];
  ipam?: string;
}

/** Writes a node config (the shape of /etc/multus-eks/node-config.json) and returns its path. */
export function writeNodeConfig(file: string, networks: NodeNetworkEntry[]): string {
  const config = {
    clusterName: "test",
    region: "cn-northwest-1",
    networks: networks.map((network) => ({
      name: network.name,
      deviceIndex: network.deviceIndex,
      interfaceName: `multus${network.deviceIndex}`,
      ipam: network.ipam ?? "eni-prefix",
      subnetCidrs: network.subnetCidrs,
    })),
  };
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

export function removeDirectory(directory: string | undefined): void {
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
}

/** Every address host-local has reserved under a state directory (its files are named by address). */
export function reservedAddresses(dataDir: string): string[] {
  if (!fs.existsSync(dataDir)) return [];
  return fs
    .readdirSync(dataDir, { recursive: true, encoding: "utf8" })
    .map((entry) => path.basename(entry))
    .filter((name) => /^\d+\.\d+\.\d+\.\d+$/.test(name))
    .sort();
}

/** 10.0.4.33/24 -> 10.0.4.33 */
export function addressOnly(cidr: string): string {
  return cidr.split("/")[0];
}

export function addressesOfPrefix(prefix: string): string[] {
  const [base, length] = prefix.split("/");
  const octets = base.split(".").map(Number);
  const start = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return Array.from({ length: 2 ** (32 - Number(length)) }, (_, offset) => {
    const value = start + offset;
    return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
  });
}
