/** The NAD reader ClusterRole and its binding(s) to the readers' group (e.g. the bastion's). */
import * as k8s from "@pulumi/kubernetes";
import type { ChildOptions } from "./args";
import { nadReaderBindings, nadReaderClusterRole, type NadReaders } from "./nad-readers";

export function grantNadReaders(name: string, readers: NadReaders, child: ChildOptions): void {
  const role = new k8s.rbac.v1.ClusterRole(
    `${name}-nad-reader`,
    nadReaderClusterRole() as k8s.rbac.v1.ClusterRoleArgs,
    child,
  );
  for (const binding of nadReaderBindings(readers)) {
    const metadata = binding.metadata as { namespace?: string };
    if (metadata.namespace === undefined) {
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-nad-reader`,
        binding as unknown as k8s.rbac.v1.ClusterRoleBindingArgs,
        { ...child, dependsOn: [role] },
      );
    } else {
      new k8s.rbac.v1.RoleBinding(
        `${name}-nad-reader-${metadata.namespace}`,
        binding as unknown as k8s.rbac.v1.RoleBindingArgs,
        { ...child, dependsOn: [role] },
      );
    }
  }
}
