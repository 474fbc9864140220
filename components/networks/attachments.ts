/** One NetworkAttachmentDefinition per planned attachment (nad.ts), once the CRD exists. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildOptions, MultusNetworksArgs } from "./args";
import type { MultusInstall } from "./install";
import { NAD_GROUP } from "./multus-manifests";
import {
  attachmentFor,
  nadConfigDocument,
  nadMetadata,
  type NetworkAttachmentPlan,
  planNetworkAttachments,
} from "./nad";

export interface Attachments {
  readonly plan: NetworkAttachmentPlan[];
  readonly resources: pulumi.Resource[];
}

export function declareAttachments(
  name: string,
  namespace: string,
  args: MultusNetworksArgs,
  multus: MultusInstall,
  child: ChildOptions,
): Attachments {
  const crdReady: pulumi.Resource[] = multus.crd ? [multus.crd] : multus.all;
  const plan = planNetworkAttachments(args.networks, args.nodeZones);
  const resources = plan.map(
    (nad) =>
      new k8s.apiextensions.CustomResource(
        `${name}-nad-${nad.name}`,
        {
          apiVersion: `${NAD_GROUP}/v1`,
          kind: "NetworkAttachmentDefinition",
          metadata: nadMetadata(nad, namespace),
          spec: { config: JSON.stringify(nadConfigDocument(nad)) },
        },
        { ...child, dependsOn: crdReady },
      ),
  );
  return { plan, resources };
}

/** NAD name by network, then by node AZ (an eni-prefix network's one NAD appears under every AZ). */
export function nadNamesByZone(
  args: MultusNetworksArgs,
  plan: readonly NetworkAttachmentPlan[],
): Record<string, Record<string, string>> {
  return Object.fromEntries(
    args.networks.map((network) => [
      network.name,
      Object.fromEntries(args.nodeZones.map((zone) => [zone, attachmentFor(plan, network, zone).name])),
    ]),
  );
}
