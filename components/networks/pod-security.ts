/**
 * Pod Security Admission on the namespace the program runs its workloads in (the samples, the
 * checks, the cross-node responder): `baseline`, enforced, and also warned and audited so that a
 * Deployment or Job whose pods would be refused says so when it is applied (enforcement alone acts
 * on pods, which the controllers create later). Baseline refuses hostNetwork, hostPID, privileged
 * and host paths, and so keeps pods in that namespace away from the node role's credentials (a
 * hostNetwork pod reaches IMDS whatever the hop limit). The Multus DaemonSet is privileged and runs
 * in kube-system, which the program does not label.
 * Pure: data in, documents out.
 */
export const POD_SECURITY_LEVEL = "baseline";

/** The namespace labels of Pod Security Admission (Kubernetes docs, "Pod Security Admission"). */
export function podSecurityLabels(): Record<string, string> {
  return Object.fromEntries(
    ["enforce", "warn", "audit"].map((mode) => [`pod-security.kubernetes.io/${mode}`, POD_SECURITY_LEVEL]),
  );
}

/** The fields the program sets on an existing namespace (server-side apply: only these labels). */
export function podSecurityNamespacePatch(namespace: string): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: podSecurityLabels() } };
}
