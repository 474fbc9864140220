/**
 * The `multus-eni-prefix` IPAM plugin: its source (installed on every node into the CNI
 * bin directory) and the IPAM object a NetworkAttachmentDefinition of an `eni-prefix`
 * network carries. Pod addresses come from the /28 prefix the ENI-attach Lambda gives the
 * network's ENI, so the VPC routes them to the right node without any controller.
 */
import * as fs from "fs";
import * as path from "path";
import { Netmask } from "netmask";

/** CNI `type` of the plugin, and its file name in the node's CNI bin directory. */
export const ENI_PREFIX_IPAM_PLUGIN = "multus-eni-prefix";

/** Where the node's container runtime and Multus look for CNI plugins. */
export const NODE_CNI_BIN_DIRECTORY = "/opt/cni/bin";

/** Path of the plugin's source file (python3, standard library only). */
export const eniPrefixIpamPluginPath = path.join(__dirname, `${ENI_PREFIX_IPAM_PLUGIN}.py`);

/** The plugin's source text, to write into the node's CNI bin directory. */
export const eniPrefixIpamPluginSource: string = fs.readFileSync(eniPrefixIpamPluginPath, "utf8");

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface EniPrefixIpamOptions {
  /** Device index the ENI-attach Lambda attaches this network's ENI at (1, 2, ...). */
  deviceIndex: number;
  /** host-local state directory on the node; default /var/lib/cni/networks/multus-eni-prefix-<deviceIndex>. */
  stateDirectory?: string;
  /** Routes to put in the pod (the gateway defaults to the subnet's VPC router). */
  routes?: CniRoute[];
  /** Instance metadata endpoint; default http://169.254.169.254 (set only for tests). */
  imdsEndpoint?: string;
}

export interface EniPrefixIpamConfig {
  type: typeof ENI_PREFIX_IPAM_PLUGIN;
  deviceIndex: number;
  dataDir?: string;
  routes?: CniRoute[];
  imdsEndpoint?: string;
}

/** The `ipam` object of an eni-prefix network's CNI config. Throws on settings the plugin would reject. */
export function eniPrefixIpamConfig(options: EniPrefixIpamOptions): EniPrefixIpamConfig {
  const { deviceIndex, stateDirectory, routes, imdsEndpoint } = options;
  if (!Number.isInteger(deviceIndex) || deviceIndex < 1) {
    throw new Error(
      `eniPrefixIpamConfig: deviceIndex must be the Multus ENI's device index (an integer >= 1; 0 is the ` +
        `primary ENI of the VPC CNI), got ${deviceIndex}`,
    );
  }
  const config: EniPrefixIpamConfig = { type: ENI_PREFIX_IPAM_PLUGIN, deviceIndex };
  if (stateDirectory !== undefined) {
    if (!path.posix.isAbsolute(stateDirectory)) {
      throw new Error(
        `eniPrefixIpamConfig: stateDirectory must be an absolute path on the node, got "${stateDirectory}"`,
      );
    }
    config.dataDir = stateDirectory;
  }
  if (routes !== undefined) {
    config.routes = routes.map((route, index) => validatedRoute(route, index));
  }
  if (imdsEndpoint !== undefined) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(imdsEndpoint)) {
      throw new Error(
        `eniPrefixIpamConfig: imdsEndpoint must be an http(s) URL such as http://169.254.169.254, got "${imdsEndpoint}"`,
      );
    }
    config.imdsEndpoint = imdsEndpoint;
  }
  return config;
}

function validatedRoute(route: CniRoute, index: number): CniRoute {
  try {
    new Netmask(route.dst);
  } catch {
    throw new Error(`eniPrefixIpamConfig: routes[${index}].dst must be an IPv4 CIDR, got "${route.dst}"`);
  }
  if (route.gw !== undefined && !isIpv4Address(route.gw)) {
    throw new Error(`eniPrefixIpamConfig: routes[${index}].gw must be an IPv4 address, got "${route.gw}"`);
  }
  return route.gw === undefined ? { dst: route.dst } : { dst: route.dst, gw: route.gw };
}

function isIpv4Address(text: string): boolean {
  const octets = text.split(".");
  return octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
}

/**
 * Bash for node user data that installs the plugin as `<binDirectory>/multus-eni-prefix`
 * (mode 0755). Base64 keeps the source byte-exact whatever it contains.
 */
export function eniPrefixIpamInstallScript(binDirectory: string = NODE_CNI_BIN_DIRECTORY): string {
  if (!path.posix.isAbsolute(binDirectory) || /[\s'"$`\\]/.test(binDirectory)) {
    throw new Error(
      `eniPrefixIpamInstallScript: binDirectory must be an absolute path without quotes or spaces, got "${binDirectory}"`,
    );
  }
  const target = `${binDirectory}/${ENI_PREFIX_IPAM_PLUGIN}`;
  const encoded = Buffer.from(eniPrefixIpamPluginSource, "utf8").toString("base64");
  // Base64 lines never equal the marker, so the here-document cannot end early.
  const marker = "MULTUS_ENI_PREFIX_B64";
  return [
    `mkdir -p '${binDirectory}'`,
    `base64 -d > '${target}.tmp' <<'${marker}'`,
    ...(encoded.match(/.{1,76}/g) ?? []),
    marker,
    `chmod 0755 '${target}.tmp'`,
    `mv -f '${target}.tmp' '${target}'`,
    "",
  ].join("\n");
}
