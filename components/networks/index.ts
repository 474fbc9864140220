/**
 * MultusNetworks: Multus on the cluster (thick plugin from YAML, or a Helm chart), one
 * NetworkAttachmentDefinition per network (per node AZ for host-local networks on multi-AZ node
 * groups), the blog's samples (one-replica Deployments) and a connectivity-check Job, plus a
 * cross-node check of eni-prefix networks on node groups of two or more nodes (its responder is a
 * bare Pod). Every decision is made by the pure planners (nad.ts, multus-manifests.ts, samples.ts,
 * cross-node-check.ts); the steps (install.ts, attachments.ts, nad-reader-grant.ts, workloads.ts)
 * only declare resources, in order: caller's dependsOn (nodes, VPC CNI) → Multus → NADs → samples
 * → check, and NADs → responder → cross-node check (after its ServiceAccount, Role and RoleBinding).
 */
import * as pulumi from "@pulumi/pulumi";
import type { MultusNetworksArgs } from "./args";
import { declareAttachments, nadNamesByZone } from "./attachments";
import { installMultus } from "./install";
import { grantNadReaders } from "./nad-reader-grant";
import { declareWorkloads } from "./workloads";

export type { MultusHelmInstall, MultusInstallArgs, MultusNetworksArgs, MultusSamplesArgs } from "./args";

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

    const multus = installMultus(name, args, child);
    const attachments = declareAttachments(name, namespace, args, multus, child);
    if (args.nadReaders) grantNadReaders(name, args.nadReaders, child);
    const workloads = declareWorkloads(name, namespace, args, multus, attachments, child);

    this.nadNames = pulumi.output(nadNamesByZone(args, attachments.plan));
    this.sampleNames = pulumi.output(workloads.sampleNames);
    this.checkJobNames = pulumi.output(workloads.checkJobNames);
    this.checkNotes = pulumi.output(workloads.notes);
    this.registerOutputs({
      nadNames: this.nadNames,
      sampleNames: this.sampleNames,
      checkJobNames: this.checkJobNames,
      checkNotes: this.checkNotes,
    });
  }
}
