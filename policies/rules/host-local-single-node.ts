/**
 * host-local-single-node: a NetworkAttachmentDefinition with host-local IPAM on a node group that
 * can have more than one node. host-local keeps its state per node, so every node hands out the
 * same addresses of the range and the VPC routes none of them: pods on different nodes cannot reach
 * each other on that network, silently. Advisory by default (one node is a valid lab setup, and
 * some users only need pod-to-pod traffic on one node); set its enforcementLevel to "mandatory" in
 * the policy config to block such stacks.
 */
import type { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { ROUTABLE_IPAM_MODE } from "../../components/networks/host-local-warning";
import { isUnknown } from "./support/known";
import { NAD_TYPE, nadIpam } from "./support/nad-config";
import { StackView, label } from "./support/stack";

export const HOST_LOCAL_SINGLE_NODE = "host-local-single-node";

const AUTO_SCALING_GROUP = "aws:autoscaling/group:Group";

function checkStack(args: StackValidationArgs, report: ReportViolation): void {
  const view = new StackView(args.resources);
  const groups = view
    .ofType(AUTO_SCALING_GROUP)
    .map((group) => ({ group, maxSize: view.props(group).maxSize }))
    .filter(
      (entry): entry is { group: typeof entry.group; maxSize: number } => typeof entry.maxSize === "number",
    )
    .filter((entry) => entry.maxSize > 1);
  if (groups.length === 0) return;
  const largest = groups.reduce((a, b) => (b.maxSize > a.maxSize ? b : a));
  for (const nad of view.ofType(NAD_TYPE)) {
    const ipam = nadIpam(view.props(nad));
    if (isUnknown(ipam) || typeof ipam === "string" || ipam.hostLocal.length === 0) continue;
    const metadata = view.props(nad).metadata as { name?: unknown } | undefined;
    const network = typeof metadata?.name === "string" ? metadata.name : nad.name;
    report(
      `NetworkAttachmentDefinition ${network} (${label(nad)}) uses host-local IPAM, but node group ` +
        `${largest.group.name} has maxSize ${largest.maxSize} (nodeMaxSize): every node hands out the same addresses ` +
        `and the VPC routes none of them, so pods on different nodes cannot reach each other on this network. ` +
        `Use ipam: ${ROUTABLE_IPAM_MODE} for the network, or nodeMaxSize: 1.`,
      nad.urn,
    );
  }
}

export const hostLocalSingleNode: StackValidationPolicy = {
  name: HOST_LOCAL_SINGLE_NODE,
  description:
    "host-local NetworkAttachmentDefinitions only on single-node groups: with more nodes their pod addresses collide and are not routed.",
  enforcementLevel: "advisory",
  validateStack: checkStack,
};
