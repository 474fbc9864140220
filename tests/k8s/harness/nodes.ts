/**
 * Nodes for the test cluster, registered as a kubelet registers them: with the kubelet's own
 * identity (`system:node:<name>`, group system:nodes; the Node authorizer and NodeRestriction apply),
 * the taints of nodeadm's `registerWithTaints`, then a Ready status with capacity so the scheduler
 * can place pods. No kubelet runs: pods are bound, never started.
 */
import { strict as assert } from "node:assert";
import type { KubeCluster } from "./cluster";

export interface NodeRegistration {
  readonly name: string;
  readonly zone: string;
  readonly instanceId: string;
  readonly taints?: readonly { key: string; value?: string; effect: string }[];
  readonly labels?: Readonly<Record<string, string>>;
  /** Extended resources in the Node's status (the vpc-ip resources multus-eks-untaint advertises). */
  readonly extendedResources?: Readonly<Record<string, string>>;
}

/** Labels the kubelet and the AWS cloud provider give an EKS node (well-known labels). */
function nodeLabels(node: NodeRegistration): Record<string, string> {
  return {
    "kubernetes.io/hostname": node.name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "topology.kubernetes.io/zone": node.zone,
    "topology.kubernetes.io/region": node.zone.slice(0, -1),
    "node.kubernetes.io/instance-type": "c5.large",
    ...node.labels,
  };
}

/**
 * Registers the Node as its kubelet, reports it Ready with c5.large's capacity, and removes the
 * `node.kubernetes.io/not-ready` taint the API server's TaintNodesByCondition plugin adds at
 * creation (what the node lifecycle controller does once the kubelet reports Ready; that
 * controller does not run here, as no kubelet sends heartbeats). Returns the kubelet's token.
 */
export async function registerNode(cluster: KubeCluster, node: NodeRegistration): Promise<string> {
  const kubelet = cluster.tokenFor({ username: `system:node:${node.name}`, groups: ["system:nodes"] });
  const created = await cluster.request("POST", "/api/v1/nodes", {
    token: kubelet,
    body: {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: node.name, labels: nodeLabels(node) },
      spec: {
        providerID: `aws:///${node.zone}/${node.instanceId}`,
        ...(node.taints?.length ? { taints: node.taints } : {}),
      },
    },
  });
  assert.equal(created.status, 201, `register ${node.name}: ${JSON.stringify(created.body)}`);
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const capacity = {
    cpu: "2",
    memory: "3900Mi",
    pods: "29",
    "ephemeral-storage": "20Gi",
    ...node.extendedResources,
  };
  const status = await cluster.request("PATCH", `/api/v1/nodes/${node.name}/status`, {
    token: kubelet,
    contentType: "application/merge-patch+json",
    body: {
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "kubelet is posting ready status",
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
  });
  assert.equal(status.status, 200, `status of ${node.name}: ${JSON.stringify(status.body)}`);
  const taints = (created.body.spec.taints ?? []) as { key: string }[];
  const ready = await cluster.request("PATCH", `/api/v1/nodes/${node.name}`, {
    contentType: "application/merge-patch+json",
    body: { spec: { taints: taints.filter((taint) => taint.key !== "node.kubernetes.io/not-ready") } },
  });
  assert.equal(ready.status, 200, JSON.stringify(ready.body));
  return kubelet;
}
