/**
 * The Multus thick-plugin install as plain Kubernetes objects (pure: no Pulumi), written for this
 * project after the layout of the upstream thick daemonset and the EKS build of it: a daemon per
 * node (`multus-daemon`) serving the `multus-shim` CNI binary that the init container copies into
 * the node's CNI bin directory. The VPC CNI's `10-aws.conflist` stays the default delegate.
 */

import { INIT_CNI_BIN_DIRECTORY, type MultusVersion } from "./multus-versions";

export const MULTUS_NAMESPACE = "kube-system";
export const MULTUS_NAME = "multus";
export const MULTUS_DAEMONSET_NAME = "kube-multus-ds";
export const MULTUS_CONFIGMAP_NAME = "multus-daemon-config";
export const NAD_GROUP = "k8s.cni.cncf.io";
export const NAD_CRD_NAME = `network-attachment-definitions.${NAD_GROUP}`;

/** The EKS build of Multus (thick plugin), as published with the Amazon VPC CNI. */
export const DEFAULT_MULTUS_IMAGE_REPOSITORY = "eks/multus-cni";
export const DEFAULT_MULTUS_IMAGE_TAG = "v4.1.4-eksbuild.3_thick";
/** The VPC CNI's config file on EKS nodes: Multus delegates a pod's eth0 to it. */
export const VPC_CNI_CONFLIST = "10-aws.conflist";
/** The node's CNI config directory as the daemon sees it (mounted from /etc/cni/net.d). */
const DAEMON_CNI_CONFIG_DIRECTORY = "/host/etc/cni/net.d";

/**
 * The daemon's requests and limits. Delegates (IPAM plugins) run as its children, inside these
 * limits: the defaults (stacks/config/schema.ts) are sized from `npm run bench:multus-adds` (docs/multus-daemon.md).
 */
export interface MultusDaemonResources {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

/** What the DaemonSet is built from. */
export interface MultusDaemonSetOptions {
  /** Full image reference of the Multus thick plugin. */
  readonly image: string;
  /** What the image's published manifest needs (multus-versions.ts). */
  readonly version: MultusVersion;
  readonly resources: MultusDaemonResources;
}

/** multus-daemon's default config path; the ConfigMap is mounted there. */
const DAEMON_CONFIG_DIRECTORY = "/etc/cni/net.d/multus.d";

export type KubernetesObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, unknown>;

export interface MultusImage {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
}

export function multusImageReference(image: MultusImage): string {
  return `${image.registry.replace(/\/+$/, "")}/${image.repository.replace(/^\/+/, "")}:${image.tag}`;
}

const labels = { app: MULTUS_NAME, name: MULTUS_NAME, tier: "node" };

/**
 * Multus must run on every node, tainted or not (among others the startup taint
 * multus-eks/not-ready, which is lifted only once Multus runs), or its pods get no network at all.
 */
export const MULTUS_TOLERATIONS = [{ operator: "Exists" }];

/** Chart values with Multus's tolerations, unless the user chose their own. */
export function multusHelmValues(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return "tolerations" in values ? { ...values } : { ...values, tolerations: MULTUS_TOLERATIONS };
}

export function networkAttachmentDefinitionCrd(): KubernetesObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: NAD_CRD_NAME },
    spec: {
      group: NAD_GROUP,
      scope: "Namespaced",
      names: {
        plural: "network-attachment-definitions",
        singular: "network-attachment-definition",
        kind: "NetworkAttachmentDefinition",
        shortNames: ["net-attach-def"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              description:
                "A network a pod can attach to through Multus; spec.config is a CNI config (JSON).",
              type: "object",
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: {
                  type: "object",
                  properties: { config: { type: "string" } },
                },
              },
            },
          },
        },
      ],
    },
  };
}

export function multusServiceAccount(): KubernetesObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: MULTUS_NAME, namespace: MULTUS_NAMESPACE },
  };
}

/** What multus-daemon does with the API: read NADs and pods, write the network-status annotation, report events. */
export function multusClusterRole(): KubernetesObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: MULTUS_NAME },
    rules: [
      { apiGroups: [NAD_GROUP], resources: ["*"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "update"] },
      { apiGroups: [""], resources: ["pods/status"], verbs: ["get", "update", "patch"] },
      { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    ],
  };
}

export function multusClusterRoleBinding(): KubernetesObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: MULTUS_NAME },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: MULTUS_NAME },
    subjects: [{ kind: "ServiceAccount", name: MULTUS_NAME, namespace: MULTUS_NAMESPACE }],
  };
}

/**
 * multus-daemon's config. Paths starting with /host are the node's, as mounted in the daemon;
 * `multusConfigFile: auto` makes the daemon write 00-multus.conf from the master CNI file, so it
 * sorts before (and wraps) the VPC CNI's 10-aws.conflist. `readinessindicatorfile` (the daemon
 * checks it with a plain stat, so it is the path inside the daemon's container) makes the daemon
 * wait for the VPC CNI's conflist (v4.1.4: up to 45 s at start) instead of exiting at once while it
 * is missing, and makes it exit when the file goes away.
 */
export function multusDaemonConfig(): Record<string, unknown> {
  return {
    chrootDir: "/hostroot",
    cniVersion: "0.3.1",
    logLevel: "verbose",
    logToStderr: true,
    cniConfigDir: DAEMON_CNI_CONFIG_DIRECTORY,
    multusAutoconfigDir: DAEMON_CNI_CONFIG_DIRECTORY,
    multusConfigFile: "auto",
    socketDir: "/host/run/multus/",
    multusMasterCNI: VPC_CNI_CONFLIST,
    readinessindicatorfile: `${DAEMON_CNI_CONFIG_DIRECTORY}/${VPC_CNI_CONFLIST}`,
  };
}

export function multusConfigMap(): KubernetesObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: MULTUS_CONFIGMAP_NAME, namespace: MULTUS_NAMESPACE, labels },
    data: { "daemon-config.json": JSON.stringify(multusDaemonConfig(), null, 2) },
  };
}

function hostPathVolume(name: string, path: string): Record<string, unknown> {
  return { name, hostPath: { path } };
}

export function multusDaemonSet(options: MultusDaemonSetOptions): KubernetesObject {
  const { image, version, resources } = options;
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: MULTUS_DAEMONSET_NAME, namespace: MULTUS_NAMESPACE, labels },
    spec: {
      selector: { matchLabels: { name: MULTUS_NAME } },
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          hostPID: true,
          priorityClassName: "system-node-critical",
          serviceAccountName: MULTUS_NAME,
          terminationGracePeriodSeconds: 10,
          tolerations: MULTUS_TOLERATIONS,
          nodeSelector: { "kubernetes.io/os": "linux" },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] },
                      { key: "eks.amazonaws.com/compute-type", operator: "NotIn", values: ["fargate"] },
                    ],
                  },
                ],
              },
            },
          },
          initContainers: [
            {
              name: "install-multus-binary",
              image,
              // Exec form, as published: the image may have no shell.
              command: [...version.initCommand],
              resources: { requests: { cpu: "10m", memory: "15Mi" } },
              securityContext: { privileged: true },
              terminationMessagePolicy: "FallbackToLogsOnError",
              volumeMounts: [
                { name: "cnibin", mountPath: INIT_CNI_BIN_DIRECTORY, mountPropagation: "Bidirectional" },
              ],
            },
          ],
          containers: [
            {
              name: "kube-multus",
              image,
              command: [...version.daemonCommand],
              resources: {
                requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
                limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
              },
              securityContext: { privileged: true },
              terminationMessagePolicy: "FallbackToLogsOnError",
              env: [{ name: "MULTUS_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              volumeMounts: [
                { name: "cni", mountPath: "/host/etc/cni/net.d" },
                // The daemon execs delegates by their node path, so the bin directory keeps its path.
                { name: "cnibin", mountPath: "/opt/cni/bin" },
                { name: "host-run", mountPath: "/host/run" },
                { name: "host-var-lib-cni-multus", mountPath: "/var/lib/cni/multus" },
                {
                  name: "host-var-lib-kubelet",
                  mountPath: "/var/lib/kubelet",
                  mountPropagation: "HostToContainer",
                },
                { name: "host-run-k8s-cni-cncf-io", mountPath: "/run/k8s.cni.cncf.io" },
                { name: "host-run-netns", mountPath: "/run/netns", mountPropagation: "HostToContainer" },
                { name: "multus-daemon-config", mountPath: DAEMON_CONFIG_DIRECTORY, readOnly: true },
                { name: "hostroot", mountPath: "/hostroot", mountPropagation: "HostToContainer" },
              ],
            },
          ],
          volumes: [
            hostPathVolume("cni", "/etc/cni/net.d"),
            hostPathVolume("cnibin", "/opt/cni/bin"),
            hostPathVolume("hostroot", "/"),
            hostPathVolume("host-run", "/run"),
            hostPathVolume("host-var-lib-cni-multus", "/var/lib/cni/multus"),
            hostPathVolume("host-var-lib-kubelet", "/var/lib/kubelet"),
            hostPathVolume("host-run-k8s-cni-cncf-io", "/run/k8s.cni.cncf.io"),
            hostPathVolume("host-run-netns", "/run/netns/"),
            {
              name: "multus-daemon-config",
              configMap: {
                name: MULTUS_CONFIGMAP_NAME,
                items: [{ key: "daemon-config.json", path: "daemon-config.json" }],
              },
            },
          ],
        },
      },
    },
  };
}

/** The whole install, in apply order (the CRD first: the daemon watches NADs). */
export function multusManifests(options: MultusDaemonSetOptions): KubernetesObject[] {
  return [
    networkAttachmentDefinitionCrd(),
    multusServiceAccount(),
    multusClusterRole(),
    multusClusterRoleBinding(),
    multusConfigMap(),
    multusDaemonSet(options),
  ];
}
