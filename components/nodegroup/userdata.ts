/**
 * User data for the self-managed AL2023 node group: a MIME multipart document with
 *   1. a nodeadm NodeConfig (application/node.eks.aws) that joins the node to the cluster, and
 *   2. a shell script that installs the Multus ENI setup (udev rule, systemd units, the script),
 *   3. optionally, the caller's own script as a further shell-script part.
 * Pure: the Pulumi component resolves its inputs, calls this, and base64-encodes the result.
 *
 * Interface naming scheme (shared with the NetworkAttachmentDefinitions):
 *   The ENI-attach Lambda attaches the ENI of Multus network k at device index N (1, 2, ...).
 *   The kernel names it by PCI slot (ens6, enp39s0, ...), which differs between instance families.
 *   The node looks up each new link's MAC in IMDS (network/interfaces/macs/<mac>/device-number)
 *   and renames the link to the network's interfaceName, by default defaultInterfaceName(N) =
 *   "multusN". The NADs use that name as `master`, so pods find the same ENI on every node.
 *   Device index 0 (the primary ENI) and device indexes of no Multus network are never touched.
 */

import { gzipSync } from "zlib";
import YAML from "yaml";
import {
  MultusNetworkInterface,
  renderInterfaceSetupScript,
  renderScanService,
  renderScanTimer,
  renderTemplateService,
  renderUdevRule,
  SCAN_SERVICE_NAME,
  SCAN_TIMER_NAME,
  SETUP_SCRIPT_PATH,
  TEMPLATE_SERVICE_NAME,
  UDEV_RULE_PATH,
} from "./node-network-script";
import { MIME_BOUNDARY } from "./userdata-mime";
import { nodeUserDataProblems } from "./userdata-validation";

export { MIME_BOUNDARY } from "./userdata-mime";

export { renderInterfaceSetupScript } from "./node-network-script";
export type { MultusNetworkInterface } from "./node-network-script";

export interface NodeUserDataArgs {
  /** EKS cluster name (spec.cluster.name). */
  clusterName: string;
  /** The cluster's API server URL, https://... (spec.cluster.apiServerEndpoint). */
  apiServerEndpoint: string;
  /** Base64 CA bundle exactly as EKS returns it in certificateAuthority.data. */
  certificateAuthority: string;
  /** The cluster's Kubernetes service CIDR (spec.cluster.cidr), e.g. 172.20.0.0/16. */
  serviceCidr: string;
  /**
   * kubelet maxPods, always explicit: the VPC CNI derives its default from every attached ENI,
   * but no_manage ENIs give it no pod addresses, so the computed value would be too high.
   */
  maxPods: number;
  /** Node labels (kubelet --node-labels); kubernetes.io / k8s.io keys are mostly refused by kubelet. */
  labels: Record<string, string>;
  /** The Multus networks: which ENI device index gets which stable interface name. */
  networks: MultusNetworkInterface[];
  /** Your own shell script (with its #! line), run as a further part after the Multus setup. */
  extraBootstrapScript?: string;
}

export const NODE_CONFIG_API_VERSION = "node.eks.aws/v1alpha1";
export const NODE_CONFIG_CONTENT_TYPE = "application/node.eks.aws";
export const SHELL_SCRIPT_CONTENT_TYPE = "text/x-shellscript";
const HEREDOC_END = "MULTUS_USER_DATA_EOF";
/** EC2 limits user data to 16 KB before base64 encoding. */
export const MAX_USER_DATA_BYTES = 16384;

/** Throws one Error listing every invalid setting; returns normally when all are valid. */
export function validateNodeUserDataArgs(args: NodeUserDataArgs): void {
  const problems = nodeUserDataProblems(args);
  if (problems.length > 0) {
    throw new Error(`Invalid node user data settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** One line per Multus network: which device index gets which name (for docs and stack outputs). */
export function describeInterfaceNaming(networks: readonly MultusNetworkInterface[]): string[] {
  return [...networks]
    .sort((a, b) => a.deviceIndex - b.deviceIndex)
    .map(
      (n) =>
        `network ${n.name}: ENI device index ${n.deviceIndex} -> node interface ${n.interfaceName} (NAD master)`,
    );
}

function renderNodeConfig(args: NodeUserDataArgs): string {
  const labels = Object.keys(args.labels)
    .sort()
    .map((key) => `${key}=${args.labels[key]}`);
  const nodeConfig = {
    apiVersion: NODE_CONFIG_API_VERSION,
    kind: "NodeConfig",
    spec: {
      cluster: {
        name: args.clusterName,
        apiServerEndpoint: args.apiServerEndpoint,
        certificateAuthority: args.certificateAuthority.replace(/\s+/g, ""),
        cidr: args.serviceCidr,
      },
      kubelet: {
        config: { maxPods: args.maxPods },
        ...(labels.length > 0 ? { flags: [`--node-labels=${labels.join(",")}`] } : {}),
      },
    },
  };
  return `---\n${YAML.stringify(nodeConfig, { lineWidth: 0 })}`;
}

function fileFromHeredoc(path: string, content: string, mode: string): string {
  if (content.split("\n").includes(HEREDOC_END)) {
    throw new Error(
      `renderNodeUserData: ${path} contains the line ${HEREDOC_END}, which would end its heredoc early`,
    );
  }
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `cat >"$root${path}" <<'${HEREDOC_END}'\n${body}${HEREDOC_END}\nchmod ${mode} "$root${path}"\n`;
}

/**
 * The installer part. MULTUS_INSTALL_ROOT, MULTUS_SYSTEMCTL_CMD and MULTUS_UDEVADM_CMD exist only so
 * tests can run it; cloud-init sets none of them.
 */
function renderInstaller(networks: readonly MultusNetworkInterface[]): string {
  const unitDir = "/etc/systemd/system";
  return [
    "#!/bin/bash",
    "# Installs the Multus ENI setup. ENIs arrive whenever the ENI-attach Lambda attaches them,",
    "# possibly minutes after boot, so the work is done by udev and systemd units, not here.",
    "set -o errexit -o nounset -o pipefail",
    'root="${MULTUS_INSTALL_ROOT:-}"',
    'read -r -a systemctl_cmd <<<"${MULTUS_SYSTEMCTL_CMD:-systemctl}"',
    'read -r -a udevadm_cmd <<<"${MULTUS_UDEVADM_CMD:-udevadm}"',
    'mkdir -p "$root/usr/local/sbin" "$root/etc/udev/rules.d" "$root/etc/systemd/system" "$root/etc/systemd/network" "$root/etc/sysctl.d"',
    "",
    fileFromHeredoc(SETUP_SCRIPT_PATH, renderInterfaceSetupScript(networks), "0755"),
    fileFromHeredoc(`${unitDir}/${TEMPLATE_SERVICE_NAME}`, renderTemplateService(), "0644"),
    fileFromHeredoc(`${unitDir}/${SCAN_SERVICE_NAME}`, renderScanService(), "0644"),
    fileFromHeredoc(`${unitDir}/${SCAN_TIMER_NAME}`, renderScanTimer(), "0644"),
    fileFromHeredoc(UDEV_RULE_PATH, renderUdevRule(), "0644"),
    '"${systemctl_cmd[@]}" daemon-reload',
    '"${udevadm_cmd[@]}" control --reload',
    `"\${systemctl_cmd[@]}" enable ${SCAN_SERVICE_NAME}`,
    `"\${systemctl_cmd[@]}" enable --now ${SCAN_TIMER_NAME}`,
    "# ENIs attached before the udev rule existed: scan now, without holding up cloud-init.",
    `"\${systemctl_cmd[@]}" start --no-block ${SCAN_SERVICE_NAME}`,
    "",
  ].join("\n");
}

function mimePart(contentType: string, body: string): string {
  if (body.includes(`--${MIME_BOUNDARY}`)) {
    throw new Error(
      `renderNodeUserData: a ${contentType} part contains the MIME boundary ${MIME_BOUNDARY}; remove it`,
    );
  }
  return `--${MIME_BOUNDARY}\nContent-Type: ${contentType}\n\n${body.endsWith("\n") ? body : `${body}\n`}`;
}

/** Renders the user data; throws one Error naming every invalid setting. */
export function renderNodeUserData(args: NodeUserDataArgs): string {
  validateNodeUserDataArgs(args);
  const parts = [
    mimePart(NODE_CONFIG_CONTENT_TYPE, renderNodeConfig(args)),
    mimePart(SHELL_SCRIPT_CONTENT_TYPE, renderInstaller(args.networks)),
  ];
  if (args.extraBootstrapScript !== undefined && args.extraBootstrapScript.trim().length > 0) {
    parts.push(mimePart(SHELL_SCRIPT_CONTENT_TYPE, args.extraBootstrapScript));
  }
  const document = [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`,
    "",
    ...parts,
    `--${MIME_BOUNDARY}--`,
    "",
  ].join("\n");
  const size = userDataPayload(document).length;
  if (size > MAX_USER_DATA_BYTES) {
    throw new Error(
      `Invalid node user data settings:\n  - extraBootstrapScript: the user data would be ${size} bytes even gzip-compressed, over EC2's ` +
        `${MAX_USER_DATA_BYTES}-byte limit; shorten the script or have it download the rest`,
    );
  }
  return document;
}

/**
 * The bytes to put in the launch template (before base64): the document itself, or, when it is over
 * EC2's limit, the document gzip-compressed. nodeadm and cloud-init both read gzip'd user data.
 */
export function userDataPayload(document: string): Buffer {
  const plain = Buffer.from(document, "utf8");
  return plain.length <= MAX_USER_DATA_BYTES ? plain : gzipSync(plain, { level: 9 });
}
