/**
 * MultusNetworks: Multus on the cluster (thick plugin from YAML, or a Helm chart), one
 * NetworkAttachmentDefinition per network (per node AZ for host-local networks on multi-AZ node
 * groups), the blog's samples (one-replica Deployments) and a connectivity-check Job, plus a
 * cross-node check of eni-prefix networks on node groups of two or more nodes (its responder is a
 * bare Pod). Every decision is made by the pure planners (nad.ts, multus-manifests.ts, samples.ts,
 * cross-node-check.ts); this file only declares resources, in order: caller's dependsOn (nodes, VPC
 * CNI) → Multus → NADs → samples → check, and NADs → responder → cross-node check (after its
 * ServiceAccount, Role and RoleBinding).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MultusNetwork } from "../model/network";
import {
  multusClusterRole,
  multusClusterRoleBinding,
  multusConfigMap,
  multusDaemonSet,
  MULTUS_NAMESPACE,
  multusServiceAccount,
  type MultusDaemonSetOptions,
  NAD_GROUP,
  networkAttachmentDefinitionCrd,
  multusHelmValues,
} from "./multus-manifests";
import { attachmentFor, nadConfigDocument, planNetworkAttachments } from "./nad";
import { nadReaderBindings, nadReaderClusterRole, type NadReaders } from "./nad-readers";
import { podSecurityNamespacePatch } from "./pod-security";
import {
  checkJobSpec,
  NETWORKS_ANNOTATION,
  planSamples,
  sampleDeploymentSpec,
  sampleMetadata,
  samplePodSpec,
  type PodPlan,
} from "./samples";
import {
  crossNodeJobSpec,
  crossNodeRole,
  crossNodeRoleBinding,
  crossNodeServiceAccount,
  CrossNodePlan,
  planCrossNodeCheck,
} from "./cross-node-check";

/** Multus from a Helm chart the user names (teams in China often mirror charts internally). */
export interface MultusHelmInstall {
  readonly method: "helm";
  /** Chart name in `repository`, or an `oci://` reference. */
  readonly chart: string;
  readonly repository?: string;
  readonly version?: string;
  /** Passed to the chart as they are: the chart owns the image and the daemon config. */
  readonly values: Readonly<Record<string, unknown>>;
}

export type MultusInstallArgs =
  | ({
      readonly method: "yaml";
    } & MultusDaemonSetOptions)
  | MultusHelmInstall;

export interface MultusSamplesArgs {
  readonly enabled: boolean;
  /** Image with `sh` and `ping` (busybox or similar), pullable from the cluster's nodes. */
  readonly image: pulumi.Input<string>;
  /** Run the ping Job after the samples; needs `enabled`. */
  readonly connectivityCheck: boolean;
  /** Desired node count; 2 or more adds the cross-node check of eni-prefix networks. Default 1. */
  readonly nodeCount?: number;
}

export interface MultusNetworksArgs {
  /** Provider of the target cluster; every Kubernetes object goes through it. */
  readonly provider: k8s.Provider;
  readonly networks: readonly MultusNetwork[];
  /** AZs of the nodes, in order; several AZs give host-local networks one NAD per AZ. */
  readonly nodeZones: readonly string[];
  /** Namespace of the NADs, samples and check (NADs are namespaced). Default "default", as in the blog. */
  readonly namespace?: string;
  readonly install: MultusInstallArgs;
  readonly samples: MultusSamplesArgs;
  /** What Multus must wait for: the node group and the VPC CNI (Multus delegates eth0 to it). */
  readonly dependsOn?: pulumi.Resource[];
  /** A Kubernetes group (e.g. the bastion's access entry's) that may read the NADs. */
  readonly nadReaders?: NadReaders;
}

export const MULTUS_NETWORKS_TYPE = "multus-eks:k8s:MultusNetworks";

export class MultusNetworks extends pulumi.ComponentResource {
  /** NAD name by network, then by node AZ (an eni-prefix network's one NAD appears under every AZ). */
  public readonly nadNames: pulumi.Output<Record<string, Record<string, string>>>;
  public readonly sampleNames: pulumi.Output<string[]>;
  /** One check Job per node AZ, then the cross-node check; empty when the check is off or nothing can be pinged. */
  public readonly checkJobNames: pulumi.Output<string[]>;
  /** Why some attachments are not pinged. */
  public readonly checkNotes: pulumi.Output<string[]>;

  constructor(name: string, args: MultusNetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MULTUS_NETWORKS_TYPE, name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const namespace = args.namespace ?? "default";

    const multus = this.installMultus(name, args, child);
    const crdReady: pulumi.Resource[] = multus.crd ? [multus.crd] : multus.all;

    const nads = planNetworkAttachments(args.networks, args.nodeZones);
    const nadResources = nads.map(
      (nad) =>
        new k8s.apiextensions.CustomResource(
          `${name}-nad-${nad.name}`,
          {
            apiVersion: `${NAD_GROUP}/v1`,
            kind: "NetworkAttachmentDefinition",
            metadata: { name: nad.name, namespace },
            spec: { config: JSON.stringify(nadConfigDocument(nad)) },
          },
          { ...child, dependsOn: crdReady },
        ),
    );

    if (args.nadReaders) this.grantNadReaders(name, args.nadReaders, child);

    const nadNames = Object.fromEntries(
      args.networks.map((network) => [
        network.name,
        Object.fromEntries(args.nodeZones.map((zone) => [zone, attachmentFor(nads, network, zone).name])),
      ]),
    );

    const plan = args.samples.enabled
      ? planSamples(args.networks, args.nodeZones, nads, {
          connectivityCheck: args.samples.connectivityCheck,
        })
      : { samples: [], checks: [], notes: [] };
    const image = pulumi.output(args.samples.image);
    // Pod Security `baseline` on the workloads' namespace, in force before their first pod.
    const podSecurity: pulumi.Resource[] = args.samples.enabled
      ? [
          new k8s.core.v1.NamespacePatch(
            `${name}-pod-security`,
            podSecurityNamespacePatch(namespace) as k8s.core.v1.NamespacePatchArgs,
            child,
          ),
        ]
      : [];
    // Samples need Multus running on the node as well as their NADs.
    const samples = plan.samples.map((pod) =>
      // Fixed names and pinned addresses: the old Deployment must be gone before its successor starts.
      this.deployment(name, namespace, pod, image, {
        ...child,
        dependsOn: [...nadResources, ...multus.all, ...podSecurity],
        deleteBeforeReplace: true,
        // Stacks deployed when the samples were bare Pods: the Pod becomes this Deployment by
        // replacement, deleted first, so its pinned addresses are free for the new pod. Likewise
        // the sample of the other zone layout, when the node AZs change (PodPlan.otherLayoutName).
        aliases: [
          { type: "kubernetes:core/v1:Pod" },
          ...(pod.otherLayoutName ? [{ name: `${name}-${pod.otherLayoutName}` }] : []),
        ],
      }),
    );
    const checkJobs = plan.checks.map((check) =>
      this.job(
        name,
        namespace,
        check,
        image.apply(
          (reference) => checkJobSpec(check, reference) as unknown as k8s.types.input.batch.v1.JobSpec,
        ),
        { ...child, dependsOn: samples, deleteBeforeReplace: true },
      ),
    );

    const crossNode = args.samples.enabled
      ? planCrossNodeCheck(args.networks, args.nodeZones, nads, {
          connectivityCheck: args.samples.connectivityCheck,
          nodeCount: args.samples.nodeCount ?? 1,
        })
      : { notes: [] };
    // vpc-ip: the cross-node pods take any free address of the range, so they start once the
    // pods with pinned addresses (samples, per-AZ checks) hold theirs.
    const pinnedFirst = args.networks.some((network) => network.ipam === "vpc-ip")
      ? [...samples, ...checkJobs]
      : [];
    const crossNodeJobs = crossNode.plan
      ? [
          this.crossNodeCheck(
            name,
            namespace,
            crossNode.plan,
            image,
            [...nadResources, ...multus.all, ...podSecurity, ...pinnedFirst],
            child,
          ),
        ]
      : [];

    this.nadNames = pulumi.output(nadNames);
    this.sampleNames = pulumi.output([
      ...plan.samples.map((pod) => pod.name),
      ...(crossNode.plan ? [crossNode.plan.responder.name] : []),
    ]);
    this.checkJobNames = pulumi.output([...plan.checks.map((check) => check.name), ...crossNodeJobs]);
    this.checkNotes = pulumi.output([...plan.notes, ...crossNode.notes]);
    this.registerOutputs({
      nadNames: this.nadNames,
      sampleNames: this.sampleNames,
      checkJobNames: this.checkJobNames,
      checkNotes: this.checkNotes,
    });
  }

  /** The NAD reader ClusterRole and its binding(s) to the readers' group. */
  private grantNadReaders(
    name: string,
    readers: NadReaders,
    child: { parent: pulumi.Resource; provider: k8s.Provider },
  ): void {
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

  /** Responder, the check's RBAC and the Job; resolves to the Job's name. */
  private crossNodeCheck(
    name: string,
    namespace: string,
    plan: CrossNodePlan,
    image: pulumi.Output<string>,
    networksReady: pulumi.Resource[],
    child: { parent: pulumi.Resource; provider: k8s.Provider },
  ): string {
    const { responder, check } = plan;
    const responderPod = this.pod(name, namespace, responder, image, {
      ...child,
      dependsOn: networksReady,
      deleteBeforeReplace: true,
    });
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-${check.serviceAccount}`,
      crossNodeServiceAccount(check, namespace) as k8s.core.v1.ServiceAccountArgs,
      child,
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-${check.role}`,
      crossNodeRole(check, namespace) as k8s.rbac.v1.RoleArgs,
      child,
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-${check.roleBinding}-binding`,
      crossNodeRoleBinding(check, namespace) as unknown as k8s.rbac.v1.RoleBindingArgs,
      { ...child, dependsOn: [serviceAccount, role] },
    );
    this.job(
      name,
      namespace,
      check,
      image.apply(
        (reference) => crossNodeJobSpec(check, reference) as unknown as k8s.types.input.batch.v1.JobSpec,
      ),
      { ...child, dependsOn: [responderPod, binding], deleteBeforeReplace: true },
    );
    return check.name;
  }

  /** A sample: a Deployment whose pod attaches to its Multus networks by annotation. */
  private deployment(
    name: string,
    namespace: string,
    pod: PodPlan,
    image: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
  ): k8s.apps.v1.Deployment {
    return new k8s.apps.v1.Deployment(
      `${name}-${pod.name}`,
      {
        metadata: sampleMetadata(pod, namespace) as k8s.types.input.meta.v1.ObjectMeta,
        spec: image.apply(
          (reference) =>
            sampleDeploymentSpec(pod, reference) as unknown as k8s.types.input.apps.v1.DeploymentSpec,
        ),
      },
      opts,
    );
  }

  /**
   * The cross-node responder, a bare Pod: the check reads it by name, with a Role that may `get`
   * that one pod only; it serves the check Job, which runs right after it in `pulumi up`.
   */
  private pod(
    name: string,
    namespace: string,
    pod: PodPlan,
    image: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
  ): k8s.core.v1.Pod {
    return new k8s.core.v1.Pod(
      `${name}-${pod.name}`,
      {
        metadata: {
          name: pod.name,
          namespace,
          labels: { ...pod.labels },
          annotations: { [NETWORKS_ANNOTATION]: pod.networksAnnotation },
        },
        spec: image.apply(
          (reference) => samplePodSpec(pod, reference) as unknown as k8s.types.input.core.v1.PodSpec,
        ),
      },
      opts,
    );
  }

  /** A check Job; Pulumi waits for it, so a failed check fails the deployment with its message. */
  private job(
    name: string,
    namespace: string,
    job: { readonly name: string; readonly labels: Readonly<Record<string, string>> },
    spec: pulumi.Output<k8s.types.input.batch.v1.JobSpec>,
    opts: pulumi.CustomResourceOptions,
  ): k8s.batch.v1.Job {
    return new k8s.batch.v1.Job(
      `${name}-${job.name}`,
      {
        metadata: {
          name: job.name,
          namespace,
          labels: { ...job.labels },
          // A failed check is run again on the next `pulumi up` instead of being waited on.
          annotations: { "pulumi.com/replaceUnready": "true" },
        },
        spec,
      },
      opts,
    );
  }

  private installMultus(
    name: string,
    args: MultusNetworksArgs,
    child: { parent: pulumi.Resource; provider: k8s.Provider },
  ): { crd?: pulumi.Resource; all: pulumi.Resource[] } {
    const after = { ...child, dependsOn: args.dependsOn ?? [] };
    if (args.install.method === "helm") {
      const { chart, repository, version, values } = args.install;
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
}
