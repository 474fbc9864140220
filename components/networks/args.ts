/** The arguments of MultusNetworks, and what each resource step receives. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { MultusNetwork } from "../model/network";
import type { MultusDaemonSetOptions } from "./multus-manifests";
import type { NadReaders } from "./nad-readers";

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

/** Options every child of the component gets: its parent and the cluster's provider. */
export interface ChildOptions {
  readonly parent: pulumi.Resource;
  readonly provider: k8s.Provider;
}
