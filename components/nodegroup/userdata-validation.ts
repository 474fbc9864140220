/**
 * Checks for NodeUserDataArgs. Every problem is collected so that one run shows them all; each
 * message names the setting and says how to fix it.
 */

import { isIPv4, isIPv6 } from "node:net";
import { interfaceNameProblem } from "../model/interfaces";
import { MIME_BOUNDARY } from "./userdata-mime";
import type { NodeUserDataArgs } from "./userdata";

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

/** kubelet refuses to start with --node-labels in these namespaces, except the ones below. */
const RESTRICTED_LABEL_DOMAINS = ["kubernetes.io", "k8s.io"];
const ALLOWED_RESTRICTED_PREFIXES = ["kubelet.kubernetes.io", "node.kubernetes.io"];
const ALLOWED_RESTRICTED_KEYS = new Set([
  "kubernetes.io/hostname",
  "kubernetes.io/instance-type",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
]);

/** Largest maxPods EKS recommends for any instance size. */
export const MAX_PODS_LIMIT = 250;

function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split(".").every((part) => DNS_LABEL.test(part));
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) {
    return "its prefix must be a lower-case DNS subdomain of at most 253 characters (e.g. example.com/role)";
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return "its name must be 1 to 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit";
  }
  if (prefix !== undefined) {
    const restricted = RESTRICTED_LABEL_DOMAINS.some((d) => prefix === d || prefix.endsWith(`.${d}`));
    const allowed =
      ALLOWED_RESTRICTED_KEYS.has(key) ||
      ALLOWED_RESTRICTED_PREFIXES.some((p) => prefix === p || prefix.endsWith(`.${p}`));
    if (restricted && !allowed) {
      return "kubelet may not set labels in the kubernetes.io / k8s.io namespaces (except node.kubernetes.io/ and kubelet.kubernetes.io/); use your own prefix";
    }
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || (value.length > 0 && !LABEL_NAME.test(value))) {
    return "must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit";
  }
  return undefined;
}

function cidrProblem(cidr: string): string | undefined {
  const [address, prefix, ...rest] = cidr.split("/");
  const bits = isIPv4(address) ? 32 : isIPv6(address) ? 128 : undefined;
  if (
    rest.length > 0 ||
    bits === undefined ||
    prefix === undefined ||
    !/^\d{1,3}$/.test(prefix) ||
    Number(prefix) > bits
  ) {
    return `must be a CIDR block such as 172.20.0.0/16 (got "${cidr}")`;
  }
  return undefined;
}

function certificateAuthorityProblem(ca: string): string | undefined {
  const compact = ca.replace(/\s+/g, "");
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    return "must be the cluster's base64-encoded CA bundle (the EKS cluster's certificateAuthority.data)";
  }
  if (!Buffer.from(compact, "base64").toString("utf8").includes("-----BEGIN CERTIFICATE-----")) {
    return "must be base64 of a PEM certificate (-----BEGIN CERTIFICATE-----); pass certificateAuthority.data as is, not decoded or re-encoded";
  }
  return undefined;
}

/**
 * What kubelet would refuse in one node label (it does not start with such --node-labels), or
 * undefined. The stack settings check their labels with this before anything is declared.
 */
export function nodeLabelProblem(key: string, value: string): string | undefined {
  const keyProblem = labelKeyProblem(key);
  if (keyProblem !== undefined) return `key ${keyProblem}`;
  const valueProblem = labelValueProblem(value);
  return valueProblem === undefined ? undefined : `value "${value}" ${valueProblem}`;
}

/** The user data arguments that come from the stack's settings, not from the cloud. */
export type NodeUserDataSettings = Omit<
  NodeUserDataArgs,
  "apiServerEndpoint" | "certificateAuthority" | "nodeFiles"
>;

/** Returns every problem in `args`; an empty list means valid. */
export function nodeUserDataProblems(args: NodeUserDataArgs): string[] {
  return [...nodeUserDataSettingsProblems(args), ...clusterValueProblems(args)];
}

/**
 * Problems of the arguments known before anything is declared: the node group checks these in its
 * constructor (and the stack settings validation before that), so a deployment never stops on
 * them inside the apply that renders the user data.
 */
export function nodeUserDataSettingsProblems(args: NodeUserDataSettings): string[] {
  const problems: string[] = [];
  const add = (setting: string, problem: string) => problems.push(`${setting}: ${problem}`);

  if (!EKS_CLUSTER_NAME.test(args.clusterName)) {
    add(
      "clusterName",
      `"${args.clusterName}" must be 1 to 100 characters of [A-Za-z0-9-_], starting with a letter or digit`,
    );
  }
  const serviceCidrProblem = cidrProblem(args.serviceCidr);
  if (serviceCidrProblem !== undefined) add("serviceCidr", serviceCidrProblem);
  if (!Number.isInteger(args.maxPods) || args.maxPods < 1 || args.maxPods > MAX_PODS_LIMIT) {
    add(
      "maxPods",
      `${args.maxPods} must be a whole number from 1 to ${MAX_PODS_LIMIT}; set it explicitly from the primary ENI's capacity, because no_manage ENIs make the VPC CNI's computed value wrong`,
    );
  }

  for (const [key, value] of Object.entries(args.labels)) {
    const labelProblem = nodeLabelProblem(key, value);
    if (labelProblem !== undefined) add(`labels["${key}"]`, labelProblem);
  }

  const networkByIndex = new Map<number, string>();
  const networkByInterface = new Map<string, string>();
  args.networks.forEach((network, position) => {
    const setting = `networks[${position}] ("${network.name}")`;
    if (network.name.length === 0) add(`networks[${position}].name`, "must not be empty");
    if (!Number.isInteger(network.deviceIndex) || network.deviceIndex < 1) {
      add(
        `${setting}.deviceIndex`,
        `${network.deviceIndex} must be a whole number >= 1: device index 0 is the primary ENI, which the VPC CNI owns`,
      );
    } else {
      const other = networkByIndex.get(network.deviceIndex);
      if (other !== undefined) {
        add(
          `${setting}.deviceIndex`,
          `${network.deviceIndex} is already used by network "${other}"; give each network its own device index`,
        );
      } else {
        networkByIndex.set(network.deviceIndex, network.name);
      }
    }
    const nameProblem = interfaceNameProblem(network.interfaceName);
    if (nameProblem !== undefined) {
      add(`${setting}.interfaceName`, `"${network.interfaceName}" ${nameProblem}`);
    } else {
      const other = networkByInterface.get(network.interfaceName);
      if (other !== undefined) {
        add(
          `${setting}.interfaceName`,
          `"${network.interfaceName}" is already used by network "${other}"; names must be unique`,
        );
      } else {
        networkByInterface.set(network.interfaceName, network.name);
      }
    }
  });
  const extra = args.extraBootstrapScript;
  if (extra !== undefined && extra.trim().length > 0) {
    if (!extra.startsWith("#!")) add("extraBootstrapScript", 'must start with a "#!" line, e.g. #!/bin/bash');
    if (extra.includes(`--${MIME_BOUNDARY}`))
      add("extraBootstrapScript", `must not contain the MIME boundary --${MIME_BOUNDARY}`);
  }
  return problems;
}

/** Problems of what EKS and S3 return (endpoint, CA, the node files bucket), checked in the apply. */
function clusterValueProblems(args: NodeUserDataArgs): string[] {
  const problems: string[] = [];
  const add = (setting: string, problem: string) => problems.push(`${setting}: ${problem}`);
  if (!/^https:\/\/[^\s/]+/.test(args.apiServerEndpoint)) {
    add("apiServerEndpoint", `"${args.apiServerEndpoint}" must be the cluster's https:// endpoint`);
  }
  const caProblem = certificateAuthorityProblem(args.certificateAuthority);
  if (caProblem !== undefined) add("certificateAuthority", caProblem);
  // These go into the fetch script between single quotes: refuse anything a shell could misread.
  const files = args.nodeFiles;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(files.bucket)) {
    add("nodeFiles.bucket", `"${files.bucket}" must be an S3 bucket name (3-63 characters of [a-z0-9.-])`);
  }
  if (!/^[A-Za-z0-9/._-]{1,1024}$/.test(files.key)) {
    add("nodeFiles.key", `"${files.key}" must be an object key of [A-Za-z0-9/._-]`);
  }
  if (!/^[0-9a-f]{64}$/.test(files.sha256)) {
    add("nodeFiles.sha256", `"${files.sha256}" must be a hex sha256 digest (64 characters)`);
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(files.region)) {
    add("nodeFiles.region", `"${files.region}" must be a region name such as cn-northwest-1`);
  }
  return problems;
}
