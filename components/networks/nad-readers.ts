/**
 * Read access to the NetworkAttachmentDefinitions for an access-entry group (the bastion's): EKS's
 * access policies (AmazonEKSViewPolicy, AmazonEKSEditPolicy) and Kubernetes' `view` and `edit` do
 * not cover custom resources such as NADs, so an operator with `view` could not see the Multus
 * networks. EKS maps an access entry's `kubernetesGroups` to Kubernetes groups that RBAC binds
 * (EKS user guide, "Create access entries"): this ClusterRole, bound to the group for the whole
 * cluster, or per namespace when the entry's access is scoped to namespaces.
 * Pure: data in, documents out.
 */
import { NAD_CRD_NAME, NAD_GROUP } from "./multus-manifests";

/** The Kubernetes group of access entries that may read NADs, and the ClusterRole it is bound to. */
export const NAD_READERS_GROUP = "multus-eks:nad-readers";
export const NAD_READER_ROLE = "multus-eks:nad-reader";

export interface NadReaders {
  readonly group: string;
  /** Namespaces to grant it in; empty means the whole cluster. */
  readonly namespaces: readonly string[];
}

type KubernetesObject = Record<string, unknown>;

export function nadReaderClusterRole(): KubernetesObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: NAD_READER_ROLE },
    rules: [
      {
        apiGroups: [NAD_GROUP],
        resources: [NAD_CRD_NAME.slice(0, NAD_CRD_NAME.indexOf("."))],
        verbs: ["get", "list", "watch"],
      },
    ],
  };
}

/** A ClusterRoleBinding, or one RoleBinding per namespace, of the ClusterRole to the group. */
export function nadReaderBindings(readers: NadReaders): KubernetesObject[] {
  const binding = {
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAD_READER_ROLE },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: readers.group }],
  };
  if (readers.namespaces.length === 0) {
    return [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: NAD_READER_ROLE },
        ...binding,
      },
    ];
  }
  return readers.namespaces.map((namespace) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: NAD_READER_ROLE, namespace },
    ...binding,
  }));
}
