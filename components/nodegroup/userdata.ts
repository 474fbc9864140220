/**
 * User data for the self-managed AL2023 node group: a MIME multipart document with
 *   1. a nodeadm NodeConfig (application/node.eks.aws) that joins the node to the cluster, and
 *   2. a small shell script (userdata/fetch-node-files.sh) that fetches the node files from the
 *      stack's S3 object, checks them against the sha256 baked in here, extracts them and
 *      activates them before nodeadm's run phase starts kubelet;
 *   3. optionally, the caller's own script as a further shell-script part.
 * The node files themselves (scripts, units, udev rule, IPAM plugins, node config) are NOT in the
 * user data, so its size does not grow with the networks or plugins (EC2 allows 16,384 bytes).
 * Pure: the Pulumi component resolves its inputs, calls this, and base64-encodes the result.
 *
 * Interface naming scheme (shared with the NetworkAttachmentDefinitions):
 *   The ENI-attach Lambda attaches the ENI of Multus network k at device index N (1, 2, ...).
 *   The kernel names it by PCI slot (ens6, enp39s0, ...), which differs between instance families.
 *   The node looks up each new link's MAC in IMDS (device-number and subnet) and renames the link
 *   to the network's interfaceName, by default "multusN". The NADs use that name as `master`.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "zlib";
import YAML from "yaml";
import { withStartupTaint } from "./startup-taint";
import { MIME_BOUNDARY } from "./userdata-mime";
import { nodeUserDataProblems } from "./userdata-validation";

export { MIME_BOUNDARY } from "./userdata-mime";

export interface MultusNetworkInterface {
  /** The Multus network's name (documentation and logs only). */
  name: string;
  /** ENI device index the ENI-attach Lambda uses for this network (1, 2, ...). */
  deviceIndex: number;
  /** Stable node interface name; the network's NADs use it as `master`. */
  interfaceName: string;
}

/** Where the node fetches its files from (the stack's bucket and the object it uploaded). */
export interface NodeFilesLocation {
  bucket: string;
  key: string;
  /** Hex sha256 of the object: the node refuses anything else. */
  sha256: string;
  /** Region of the bucket (the stack's region). */
  region: string;
}

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
   * Max pods, always explicit: the VPC CNI derives its default from every attached ENI, but
   * no_manage ENIs give it no pod addresses. Passed as nodeadm's maxPodsExpression so that
   * kubelet's maxPods and nodeadm's kube-reserved come from the same figure.
   */
  maxPods: number;
  /** Node labels (kubelet --node-labels); kubernetes.io / k8s.io keys are mostly refused by kubelet. */
  labels: Record<string, string>;
  /** The Multus networks (validated here; the node reads them from its node config). */
  networks: MultusNetworkInterface[];
  /** The node files object. */
  nodeFiles: NodeFilesLocation;
  /** Your own shell script (with its #! line), run as a further part after the node files. */
  extraBootstrapScript?: string;
}

export const NODE_CONFIG_API_VERSION = "node.eks.aws/v1alpha1";
export const NODE_CONFIG_CONTENT_TYPE = "application/node.eks.aws";
export const SHELL_SCRIPT_CONTENT_TYPE = "text/x-shellscript";
/** EC2 limits user data to 16 KB before base64 encoding. */
export const MAX_USER_DATA_BYTES = 16384;

/** The fetch script, a real file (shellcheck runs on it); the stack prepends its variables. */
export const FETCH_SCRIPT_SOURCE = join(__dirname, "userdata", "fetch-node-files.sh");
const fetchScriptBody = readFileSync(FETCH_SCRIPT_SOURCE, "utf8").replace(/^#![^\n]*\n/, "");

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
        // Not kubelet config.maxPods: nodeadm would size kube-reserved from its own ENI-based
        // figure then. A CEL integer literal gives both kubelet and kube-reserved this value.
        maxPodsExpression: String(args.maxPods),
        ...(labels.length > 0 ? { flags: [`--node-labels=${labels.join(",")}`] } : {}),
      },
    },
  };
  return `---\n${YAML.stringify(withStartupTaint(nodeConfig), { lineWidth: 0 })}`;
}

/** The fetch part: the node-files location as shell assignments, then the script file. */
export function renderFetchScript(location: NodeFilesLocation): string {
  return [
    "#!/bin/bash",
    `MULTUS_NODE_FILES_BUCKET='${location.bucket}'`,
    `MULTUS_NODE_FILES_KEY='${location.key}'`,
    `MULTUS_NODE_FILES_SHA256='${location.sha256}'`,
    `MULTUS_NODE_FILES_REGION='${location.region}'`,
    fetchScriptBody,
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
    mimePart(SHELL_SCRIPT_CONTENT_TYPE, renderFetchScript(args.nodeFiles)),
  ];
  const extra = args.extraBootstrapScript;
  if (extra !== undefined && extra.trim().length > 0) {
    parts.push(mimePart(SHELL_SCRIPT_CONTENT_TYPE, extra));
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
    const extraBytes = extra === undefined ? 0 : Buffer.byteLength(extra);
    throw new Error(
      `Invalid node user data settings:\n  - extraBootstrapScript: the user data would be ${size} bytes even gzip-compressed, over EC2's ` +
        `${MAX_USER_DATA_BYTES}-byte limit (your script is ${extraBytes} bytes of it); shorten the script or have it download the rest`,
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
