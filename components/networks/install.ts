/**
 * Multus on the cluster: the thick plugin from the published YAML (CRD, RBAC, config, DaemonSet),
 * or the Helm chart the user names. Everything waits for the caller's dependsOn (nodes, VPC CNI).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildOptions, MultusHelmInstall, MultusNetworksArgs } from "./args";
import {
  multusClusterRole,
  multusClusterRoleBinding,
  multusConfigMap,
  multusDaemonSet,
  multusHelmValues,
  MULTUS_NAMESPACE,
  multusServiceAccount,
  networkAttachmentDefinitionCrd,
} from "./multus-manifests";

export interface MultusInstall {
  /** The NAD CRD; undefined for Helm, whose release carries it. */
  readonly crd?: pulumi.Resource;
  readonly all: pulumi.Resource[];
}

function helmRelease(
  name: string,
  install: MultusHelmInstall,
  after: pulumi.CustomResourceOptions,
): MultusInstall {
  const { chart, repository, version, values } = install;
  const release = new k8s.helm.v3.Release(
    `${name}-multus`,
    {
      name: "multus",
      namespace: MULTUS_NAMESPACE,
      chart,
      ...(version ? { version } : {}),
      ...(repository ? { repositoryOpts: { repo: repository } } : {}),
      values: multusHelmValues(values),
    },
    after,
  );
  return { all: [release] };
}

export function installMultus(name: string, args: MultusNetworksArgs, child: ChildOptions): MultusInstall {
  const after = { ...child, dependsOn: args.dependsOn ?? [] };
  if (args.install.method === "helm") return helmRelease(name, args.install, after);
  const crd = new k8s.apiextensions.v1.CustomResourceDefinition(
    `${name}-nad-crd`,
    networkAttachmentDefinitionCrd() as unknown as k8s.apiextensions.v1.CustomResourceDefinitionArgs,
    after,
  );
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${name}-multus-sa`,
    multusServiceAccount() as k8s.core.v1.ServiceAccountArgs,
    after,
  );
  const role = new k8s.rbac.v1.ClusterRole(
    `${name}-multus-role`,
    multusClusterRole() as k8s.rbac.v1.ClusterRoleArgs,
    after,
  );
  const binding = new k8s.rbac.v1.ClusterRoleBinding(
    `${name}-multus-binding`,
    multusClusterRoleBinding() as unknown as k8s.rbac.v1.ClusterRoleBindingArgs,
    { ...child, dependsOn: [role, serviceAccount] },
  );
  const config = new k8s.core.v1.ConfigMap(
    `${name}-multus-config`,
    multusConfigMap() as k8s.core.v1.ConfigMapArgs,
    after,
  );
  const daemonSet = new k8s.apps.v1.DaemonSet(
    `${name}-multus-ds`,
    multusDaemonSet(args.install) as unknown as k8s.apps.v1.DaemonSetArgs,
    { ...child, dependsOn: [...(args.dependsOn ?? []), crd, binding, config] },
  );
  return { crd, all: [crd, serviceAccount, role, binding, config, daemonSet] };
}
