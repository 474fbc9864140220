/**
 * Applying rendered objects to the test cluster as `pulumi up` and a user would: server-side apply
 * with the real kubectl, CRDs first and waited until Established.
 */
import type { KubeCluster, KubectlResult } from "./cluster";

export type KubeObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The field manager the tests apply with (a conflict with another manager is an error, as for Pulumi). */
export const FIELD_MANAGER = "multus-eks-tests";

export function asList(objects: readonly KubeObject[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}

/** `kubectl apply --server-side` of `objects` (admin unless `token`). */
export function applyServerSide(
  cluster: KubeCluster,
  objects: readonly KubeObject[],
  token?: string,
): Promise<KubectlResult> {
  return cluster.kubectl(["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "-f", "-"], {
    input: asList(objects),
    ...(token ? { token } : {}),
  });
}

/** `kubectl diff --server-side`: exit 0 = no drift, 1 = drift (stdout), >1 = error. */
export function diffServerSide(cluster: KubeCluster, objects: readonly KubeObject[]): Promise<KubectlResult> {
  return cluster.kubectl(["diff", "--server-side", `--field-manager=${FIELD_MANAGER}`, "-f", "-"], {
    input: asList(objects),
  });
}

/**
 * Applies the CRDs among `objects` and waits until each is Established; returns them, or throws with
 * kubectl's words.
 */
export async function applyCrds(cluster: KubeCluster, objects: readonly KubeObject[]): Promise<KubeObject[]> {
  const crds = objects.filter((object) => object.kind === "CustomResourceDefinition");
  if (crds.length === 0) return [];
  const applied = await applyServerSide(cluster, crds);
  if (applied.status !== 0) throw new Error(`CRDs refused: ${applied.stderr}`);
  const names = crds.map((crd) => `crd/${crd.metadata.name}`);
  const established = await cluster.kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...names,
  ]);
  if (established.status !== 0) throw new Error(`CRDs not Established: ${established.stderr}`);
  return crds;
}
