/**
 * The workloads that prove the networks: Pod Security on their namespace, the blog's samples
 * (one-replica Deployments), a connectivity-check Job per node AZ and, on two or more nodes, the
 * cross-node check (a bare responder Pod, its RBAC and a Job). Pulumi waits for the Jobs, so a
 * failed check fails the deployment with its message.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChildOptions, MultusNetworksArgs } from "./args";
import type { Attachments } from "./attachments";
import {
  crossNodeJobSpec,
  crossNodeRole,
  crossNodeRoleBinding,
  crossNodeServiceAccount,
  type CrossNodePlan,
  planCrossNodeCheck,
} from "./cross-node-check";
import type { MultusInstall } from "./install";
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

export interface Workloads {
  /** The samples, then the cross-node responder. */
  readonly sampleNames: string[];
  /** One check Job per node AZ, then the cross-node check. */
  readonly checkJobNames: string[];
  /** Why some attachments are not pinged. */
  readonly notes: string[];
}

/** A sample: a Deployment whose pod attaches to its Multus networks by annotation. */
function deployment(
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
function responderPod(
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
function checkJob(
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

/** Responder, the check's RBAC and the Job; returns the Job's name. */
function crossNodeCheck(
  name: string,
  namespace: string,
  plan: CrossNodePlan,
  image: pulumi.Output<string>,
  networksReady: pulumi.Resource[],
  child: ChildOptions,
): string {
  const { responder, check } = plan;
  const responderResource = responderPod(name, namespace, responder, image, {
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
  checkJob(
    name,
    namespace,
    check,
    image.apply(
      (reference) => crossNodeJobSpec(check, reference) as unknown as k8s.types.input.batch.v1.JobSpec,
    ),
    { ...child, dependsOn: [responderResource, binding], deleteBeforeReplace: true },
  );
  return check.name;
}

/** Pod Security `baseline` on the workloads' namespace, in force before their first pod. */
function podSecurity(name: string, namespace: string, child: ChildOptions): pulumi.Resource {
  return new k8s.core.v1.NamespacePatch(
    `${name}-pod-security`,
    podSecurityNamespacePatch(namespace) as k8s.core.v1.NamespacePatchArgs,
    child,
  );
}

export function declareWorkloads(
  name: string,
  namespace: string,
  args: MultusNetworksArgs,
  multus: MultusInstall,
  attachments: Attachments,
  child: ChildOptions,
): Workloads {
  const { networks, nodeZones, samples: settings } = args;
  const plan = settings.enabled
    ? planSamples(networks, nodeZones, attachments.plan, { connectivityCheck: settings.connectivityCheck })
    : { samples: [], checks: [], notes: [] };
  const image = pulumi.output(settings.image);
  const guarded = settings.enabled ? [podSecurity(name, namespace, child)] : [];
  // Samples need Multus running on the node as well as their NADs.
  const networksReady = [...attachments.resources, ...multus.all, ...guarded];
  const samples = plan.samples.map((pod) =>
    // Fixed names and pinned addresses: the old Deployment must be gone before its successor starts.
    deployment(name, namespace, pod, image, {
      ...child,
      dependsOn: networksReady,
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
    checkJob(
      name,
      namespace,
      check,
      image.apply(
        (reference) => checkJobSpec(check, reference) as unknown as k8s.types.input.batch.v1.JobSpec,
      ),
      { ...child, dependsOn: samples, deleteBeforeReplace: true },
    ),
  );

  const crossNode = settings.enabled
    ? planCrossNodeCheck(networks, nodeZones, attachments.plan, {
        connectivityCheck: settings.connectivityCheck,
        nodeCount: settings.nodeCount ?? 1,
      })
    : { notes: [] };
  // vpc-ip: the cross-node pods take any free address of the range, so they start once the
  // pods with pinned addresses (samples, per-AZ checks) hold theirs.
  const pinnedFirst = networks.some((network) => network.ipam === "vpc-ip") ? [...samples, ...checkJobs] : [];
  const crossNodeJobs = crossNode.plan
    ? [crossNodeCheck(name, namespace, crossNode.plan, image, [...networksReady, ...pinnedFirst], child)]
    : [];

  return {
    sampleNames: [
      ...plan.samples.map((pod) => pod.name),
      ...(crossNode.plan ? [crossNode.plan.responder.name] : []),
    ],
    checkJobNames: [...plan.checks.map((check) => check.name), ...crossNodeJobs],
    notes: [...plan.notes, ...crossNode.notes],
  };
}
