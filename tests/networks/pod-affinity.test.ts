/**
 * Pinned from the real scheduler (tests/k8s/stack-objects.test.ts, kube-scheduler 1.35.8): a pod
 * whose required pod affinity has several terms is scheduled only next to ONE pod that matches every
 * term (kubernetes/kubernetes#130784 and #134534), so the connectivity check, which had a term per
 * sample, was never scheduled and always ran into its deadline. Every pod the program renders, in
 * every stack, has at most one required pod-affinity term.
 */
import { strict as assert } from "node:assert";
import { runStack } from "../support/offline";
import { everyStack, renderedObjects } from "../k8s/harness/rendered";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function podSpecOf(object: Json): Json | undefined {
  if (object.kind === "Pod") return object.spec;
  return object.spec?.template?.spec;
}

describe("pod affinity the scheduler can satisfy", function () {
  this.timeout(120_000);
  for (const stack of everyStack()) {
    it(`${stack}: no pod requires affinity with more than one term`, async () => {
      const pods = renderedObjects(await runStack(stack))
        .map(({ resource, object }) => ({ resource, spec: podSpecOf(object) }))
        .filter((entry) => entry.spec !== undefined);
      assert.ok(pods.length >= 3, "the DaemonSet, samples and checks are rendered");
      const terms = pods.map(({ resource, spec }) => [
        resource,
        (spec!.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length,
      ]);
      assert.deepEqual(
        terms.filter(([, count]) => (count as number) > 1),
        [],
      );
      assert.ok(
        terms.some(([, count]) => count === 1),
        "the check follows the samples",
      );
    });
  }
});
