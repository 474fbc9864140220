/**
 * The cross-node check of routable networks (eni-prefix and vpc-ip), planned without Pulumi.
 * Below, "eni-prefix" stands for both: vpc-ip addresses are routed to their node the same way
 * (assigned to its ENI), and its one NAD also serves every AZ.
 *
 * The per-AZ check (samples.ts) keeps its pods on one node and cannot ping eni-prefix
 * attachments: their addresses come from each node's /28 prefix at run time. Yet routing pod
 * addresses between nodes is the point of eni-prefix. So, when the stack has an eni-prefix network
 * and the node group's desired size is 2 or more, a responder pod attaches to every eni-prefix
 * network and a check Job, kept off the responder's node by pod anti-affinity, attaches to the same
 * networks, reads the responder's addresses from its k8s.v1.cni.cncf.io/network-status annotation
 * (written by Multus) through the Kubernetes API, and pings each from its own interface on that
 * network. A failure fails the Job and so `pulumi up`.
 *
 * The desired size, not the minimum, decides: the Job runs during `pulumi up`, when a managed node
 * group holds its desired size; with one node the Job could never be scheduled.
 *
 * API access: the Job's ServiceAccount is bound to a Role that allows `get` on the responder pod
 * only (resourceNames), nothing else. The downward API cannot help: it shows a pod its own
 * annotations, not another pod's. busybox wget has no option to trust the cluster's CA: builds
 * with busybox's own TLS code check no certificate at all, builds that call openssl check against
 * the image's system store, which lacks the cluster CA. So the script passes
 * --no-check-certificate. A party able to intercept the in-cluster API service could at worst take
 * a token bound to this pod that can read that one pod: all the Role grants.
 *
 * Routing: one NAD serves every AZ, so a pod's Multus subnet is its node's ENI subnet. When the two
 * pods land in different AZs, each reaches the other AZ's subnet through its own VPC router: the
 * NAD routes every subnet of the network (nad.ts) and the IPAM plugin fills in the router and drops
 * the route to the pod's own, connected subnet.
 */
import * as fs from "fs";
import * as path from "path";
import { isRoutable, type MultusNetwork } from "../model/network";
import { attachmentFor, NetworkAttachmentPlan } from "./nad";
import {
  CHECK_BACKOFF_LIMIT,
  CHECK_DEADLINE_SECONDS,
  HOSTNAME_LABEL,
  containerResources,
  PodAttachment,
  PodPlan,
  SAMPLE_LABEL,
} from "./samples";

export const CROSS_NODE_RESPONDER = "multus-cross-node-responder";
export const CROSS_NODE_CHECK = "multus-cross-node-check";
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";
/** Smallest desired node count that gets the cross-node check. */
export const CROSS_NODE_MIN_NODES = 2;

/** The check Job's shell script (busybox sh); its arguments are NAD=INTERFACE pairs. */
export const crossNodeCheckScript: string = fs.readFileSync(
  path.join(__dirname, "cross-node-check.sh"),
  "utf8",
);

export interface CrossNodeTarget {
  readonly nad: string;
  readonly network: string;
  /** The check pod's interface on the network, which the ping leaves from. */
  readonly fromInterface: string;
}

export interface CrossNodeCheckPlan {
  readonly name: string;
  readonly attachments: readonly PodAttachment[];
  readonly networksAnnotation: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pod (by name) this Job's pod must not share a node with. */
  readonly otherNodeThan: string;
  readonly serviceAccount: string;
  readonly role: string;
  readonly roleBinding: string;
  readonly targets: readonly CrossNodeTarget[];
  /** Arguments of the script: NAD=INTERFACE per target. */
  readonly scriptArguments: readonly string[];
}

export interface CrossNodePlan {
  readonly responder: PodPlan;
  readonly check: CrossNodeCheckPlan;
}

export interface CrossNodeOptions {
  readonly connectivityCheck: boolean;
  /** Desired node count of the node group. */
  readonly nodeCount: number;
}

export interface CrossNodeResult {
  readonly plan?: CrossNodePlan;
  readonly notes: readonly string[];
}

function attachmentsOf(
  networks: readonly MultusNetwork[],
  nads: readonly NetworkAttachmentPlan[],
  zone: string,
): PodAttachment[] {
  return networks.map((network, index) => ({
    nad: attachmentFor(nads, network, zone).name,
    network: network.name,
    ipam: network.ipam,
    interface: `net${index + 1}`,
  }));
}

/** Interfaces named explicitly, so the script knows which one faces which network. */
function annotationOf(attachments: readonly PodAttachment[]): string {
  return JSON.stringify(
    attachments.map((attachment) => ({ name: attachment.nad, interface: attachment.interface })),
  );
}

export function planCrossNodeCheck(
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  nads: readonly NetworkAttachmentPlan[],
  options: CrossNodeOptions,
): CrossNodeResult {
  const prefixNetworks = networks.filter((network) => isRoutable(network.ipam));
  if (!options.connectivityCheck || prefixNetworks.length === 0) return { notes: [] };
  const names = prefixNetworks.map((network) => `"${network.name}"`).join(", ");
  if (options.nodeCount < CROSS_NODE_MIN_NODES) {
    return {
      notes: [
        `routable network(s) ${names}: not pinged across nodes (the node group's desired size is ` +
          `${options.nodeCount}; set nodeDesiredSize to ${CROSS_NODE_MIN_NODES} or more for the cross-node check)`,
      ],
    };
  }
  // eni-prefix networks have one NAD for all AZs, so any node AZ names the same NADs.
  const attachments = attachmentsOf(prefixNetworks, nads, nodeZones[0]);
  const responder: PodPlan = {
    name: CROSS_NODE_RESPONDER,
    availabilityZone: nodeZones[0],
    attachments,
    networksAnnotation: annotationOf(attachments),
    labels: { app: "multus-sample", [SAMPLE_LABEL]: CROSS_NODE_RESPONDER },
  };
  const targets = attachments.map((attachment) => ({
    nad: attachment.nad,
    network: attachment.network,
    fromInterface: attachment.interface,
  }));
  const check: CrossNodeCheckPlan = {
    name: CROSS_NODE_CHECK,
    attachments,
    networksAnnotation: annotationOf(attachments),
    labels: { app: "multus-connectivity-check", [SAMPLE_LABEL]: CROSS_NODE_CHECK },
    otherNodeThan: CROSS_NODE_RESPONDER,
    serviceAccount: CROSS_NODE_CHECK,
    role: `${CROSS_NODE_CHECK}-read-responder`,
    roleBinding: `${CROSS_NODE_CHECK}-read-responder`,
    targets,
    scriptArguments: targets.map((target) => `${target.nad}=${target.fromInterface}`),
  };
  return { plan: { responder, check }, notes: [] };
}

export function crossNodeServiceAccount(
  check: CrossNodeCheckPlan,
  namespace: string,
): Record<string, unknown> {
  return {
    metadata: { name: check.serviceAccount, namespace },
    // Only the check pod mounts a token (its spec asks for one).
    automountServiceAccountToken: false,
  };
}

/** Least privilege: `get` on the one responder pod. */
export function crossNodeRole(check: CrossNodeCheckPlan, namespace: string): Record<string, unknown> {
  return {
    metadata: { name: check.role, namespace },
    rules: [{ apiGroups: [""], resources: ["pods"], resourceNames: [check.otherNodeThan], verbs: ["get"] }],
  };
}

export function crossNodeRoleBinding(check: CrossNodeCheckPlan, namespace: string): Record<string, unknown> {
  return {
    metadata: { name: check.roleBinding, namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: check.role },
    subjects: [{ kind: "ServiceAccount", name: check.serviceAccount, namespace }],
  };
}

/** Required anti-affinity: never on the node of the pod labelled `name`. */
export function otherNodeAntiAffinity(name: string): Record<string, unknown> {
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { [SAMPLE_LABEL]: name } }, topologyKey: HOSTNAME_LABEL },
      ],
    },
  };
}

export function crossNodeJobSpec(check: CrossNodeCheckPlan, image: string): Record<string, unknown> {
  const fromPod = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  return {
    backoffLimit: CHECK_BACKOFF_LIMIT,
    activeDeadlineSeconds: CHECK_DEADLINE_SECONDS,
    template: {
      metadata: {
        labels: { ...check.labels },
        annotations: { "k8s.v1.cni.cncf.io/networks": check.networksAnnotation },
      },
      spec: {
        restartPolicy: "Never",
        serviceAccountName: check.serviceAccount,
        automountServiceAccountToken: true,
        containers: [
          {
            name: "ping",
            image,
            command: ["sh", "-c", crossNodeCheckScript, CROSS_NODE_CHECK, ...check.scriptArguments],
            env: [
              { name: "POD_NAMESPACE", ...fromPod("metadata.namespace") },
              { name: "NODE_NAME", ...fromPod("spec.nodeName") },
              { name: "RESPONDER_POD", value: check.otherNodeThan },
            ],
            // The log tail becomes the failure message Pulumi shows.
            terminationMessagePolicy: "FallbackToLogsOnError",
            ...containerResources(check.attachments),
          },
        ],
        affinity: otherNodeAntiAffinity(check.otherNodeThan),
      },
    },
  };
}
