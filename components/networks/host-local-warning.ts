/**
 * host-local keeps its allocation state on each node: with more than one node, every node hands out
 * the same addresses of a network's range, and the VPC routes none of them to a pod, so pods on
 * different nodes cannot reach each other on that network. Nothing fails; it is only silent. The
 * plan and `pulumi up` warn, and the policy host-local-single-node reports it.
 */
import type { MultusNetwork } from "../model/network";

/** The IPAM mode whose pod addresses the VPC routes to the right node. */
export const ROUTABLE_IPAM_MODE = "eni-prefix";

export function hostLocalCrossNodeWarnings(
  networks: readonly MultusNetwork[],
  nodeMaxSize: number,
): string[] {
  if (nodeMaxSize <= 1) return [];
  return networks
    .filter((network) => network.ipam === "host-local")
    .map(
      (network) =>
        `network "${network.name}" uses ipam host-local with nodeMaxSize ${nodeMaxSize}: each node hands out the ` +
        `same addresses and the VPC routes none of them, so pods on different nodes cannot reach each other on it. ` +
        `Use ipam: ${ROUTABLE_IPAM_MODE} for this network (routable across nodes), or nodeMaxSize: 1.`,
    );
}
