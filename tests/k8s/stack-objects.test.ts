/**
 * Every Kubernetes object the program renders, for both China stacks and every example stack,
 * admitted by a real kube-apiserver 1.35.8 configured as EKS (Node+RBAC, NodeRestriction,
 * privileged pods allowed, Pod Security Admission on) with its controllers and scheduler:
 * server-side apply (CRDs first, waited until Established), then `kubectl diff --server-side`
 * shows no drift; the Multus DaemonSet's pods are scheduled onto Nodes that still carry the startup
 * taint while the samples wait for its removal (taint/toleration rules of the real scheduler); and
 * the workloads' pods pass the Pod Security level of their namespace.
 *
 * Nodes are registered as their kubelet registers them, with the startup taint of nodeadm's
 * `registerWithTaints`; no kubelet runs, so pods are bound, never started.
 */
import { strict as assert } from "node:assert";
import { STARTUP_TAINT } from "../../components/nodegroup/startup-taint";
import { multusNodeZones } from "../../stacks/config/nodegroup";
import { advertisedVpcIpResources } from "../support/node-bundle";
import { runStack } from "../support/offline";
import { eventually } from "../support/eventually";
import { applyCrds, applyServerSide, diffServerSide, type KubeObject } from "./harness/apply";
import { useKubeCluster, type KubeCluster } from "./harness/cluster";
import { registerNode } from "./harness/nodes";
import { describeObject, everyStack, renderedObjects, type RenderedObject } from "./harness/rendered";

const WORKLOAD_KINDS = new Set(["Deployment", "Job", "Pod"]);

interface PodLike {
  metadata: { name: string; namespace: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function pods(cluster: KubeCluster, namespace: string, selector: string): Promise<PodLike[]> {
  const { body } = await cluster.request(
    "GET",
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  return body.items as PodLike[];
}

/** The label selector of a workload's pods. */
function podSelector(object: KubeObject): string {
  if (object.kind === "Job") return `batch.kubernetes.io/job-name=${object.metadata.name}`;
  const labels: Record<string, string> =
    object.kind === "Pod" ? object.metadata.labels : object.spec.selector.matchLabels;
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/** Why the controllers could not create a workload's pods (FailedCreate events), if they tried. */
async function failedCreates(cluster: KubeCluster, namespace: string): Promise<string[]> {
  const { body } = await cluster.request(
    "GET",
    `/api/v1/namespaces/${namespace}/events?fieldSelector=reason%3DFailedCreate`,
  );
  return (body.items as { involvedObject: { name: string }; message: string }[]).map(
    (event) => `${event.involvedObject.name}: ${event.message}`,
  );
}

const figures: string[] = [];
after(() => {
  if (figures.length) console.log(`\n      objects admitted per stack:\n${figures.join("\n")}\n`);
});

/** The check Jobs: `pulumi up` creates them only once the samples are up (their dependsOn). */
const isCheck = (entry: RenderedObject) => entry.object.kind === "Job";

for (const stack of everyStack()) {
  describe(`stack ${stack}: rendered Kubernetes objects on a real API server`, function () {
    this.timeout(120_000);
    const cluster = useKubeCluster();
    let rendered: RenderedObject[];
    let nodeNames: string[];
    const applied: KubeObject[] = [];
    const refusals: string[] = [];

    before(async function () {
      this.timeout(180_000);
      const run = await runStack(stack);
      rendered = renderedObjects(run);
      const zones = multusNodeZones(run.settings.availabilityZones, run.settings.nodeGroups);
      // Two nodes per zone: enough for the cross-node check's responder and check on different nodes.
      const nodes = zones.flatMap((zone, z) =>
        [0, 1].map((n) => ({
          name: `ip-10-0-${2 + z}-${10 + n}.${run.settings.region.name}.compute.internal`,
          zone,
          instanceId: `i-0${z}${n}00000000000000`,
          taints: [STARTUP_TAINT],
          extendedResources: advertisedVpcIpResources(run),
        })),
      );
      for (const node of nodes) await registerNode(cluster(), node);
      nodeNames = nodes.map((node) => node.name);
    });

    after(() => {
      figures.push(
        `      ${stack}: ${applied.length} of ${rendered.length} admitted, ${refusals.length} refused` +
          refusals.map((line) => `\n        refused: ${line}`).join(""),
      );
    });

    /** Applies `objects` one by one, recording what is admitted and refused; asserts no refusal or warning. */
    async function admit(objects: readonly RenderedObject[]): Promise<void> {
      const refused: string[] = [];
      const warnings: string[] = [];
      for (const { resource, object } of objects) {
        const result = await applyServerSide(cluster(), [object]);
        if (result.status === 0) applied.push(object);
        else refused.push(`${resource}: ${result.stderr.trim()}`);
        warnings.push(...result.stderr.split("\n").filter((line) => line.startsWith("Warning:")));
      }
      refusals.push(...refused);
      assert.deepEqual(refused, []);
      assert.deepEqual(warnings, [], "the API server warns about nothing (Pod Security, deprecations)");
    }

    /** Waits until each workload has a pod bound to a Node (so its pods passed Pod Security admission). */
    async function bound(workloads: readonly KubeObject[]): Promise<void> {
      for (const workload of workloads) {
        const { namespace } = workload.metadata;
        await eventually(`a bound pod of ${describeObject(workload)}`, async () =>
          (await pods(cluster(), namespace, podSelector(workload))).some((pod) => pod.spec.nodeName),
        ).catch(async (error: Error) => {
          throw new Error(
            `${error.message}; FailedCreate: ${(await failedCreates(cluster(), namespace)).join("; ")}`,
          );
        });
      }
    }

    it("admits every object but the checks (server-side apply, CRDs first and Established)", async () => {
      applied.push(
        ...(await applyCrds(
          cluster(),
          rendered.map((entry) => entry.object),
        )),
      );
      await admit(
        rendered.filter((entry) => entry.object.kind !== "CustomResourceDefinition" && !isCheck(entry)),
      );
    });

    it("schedules the Multus DaemonSet's pods onto the Nodes that carry the startup taint; the samples wait", async () => {
      const daemonSet = rendered.find((entry) => entry.object.kind === "DaemonSet")?.object;
      assert.ok(daemonSet, "the Multus DaemonSet is rendered");
      await eventually(
        "a Multus pod bound to every Node",
        async () =>
          new Set(
            (await pods(cluster(), daemonSet.metadata.namespace, podSelector(daemonSet))).map(
              (pod) => pod.spec.nodeName,
            ),
          ).size === nodeNames.length,
      );
      for (const name of nodeNames) {
        const { body } = await cluster().request("GET", `/api/v1/nodes/${name}`);
        assert.ok(
          (body.spec.taints as { key: string }[]).some((taint) => taint.key === STARTUP_TAINT.key),
          `${name} still has the startup taint`,
        );
      }
      const samples = applied.filter((object) => object.kind === "Deployment");
      assert.ok(samples.length >= 1, "the samples are rendered");
      for (const sample of samples) {
        const unschedulable = async () => {
          const [pod] = await pods(cluster(), sample.metadata.namespace, podSelector(sample));
          return pod?.status?.conditions?.find((condition) => condition.type === "PodScheduled");
        };
        await eventually(`the scheduler to have tried ${sample.metadata.name}`, async () =>
          Boolean(await unschedulable()),
        );
        const condition = await unschedulable();
        assert.equal(condition?.status, "False");
        assert.match(condition?.message ?? "", /had untolerated taint/);
      }
    });

    it("binds the samples' pods once the startup taint is gone; then admits the checks and binds their pods", async () => {
      for (const name of nodeNames) {
        const { body } = await cluster().request("GET", `/api/v1/nodes/${name}`);
        const taints = (body.spec.taints as { key: string }[]).filter(
          (taint) => taint.key !== STARTUP_TAINT.key,
        );
        const removed = await cluster().request("PATCH", `/api/v1/nodes/${name}`, {
          contentType: "application/merge-patch+json",
          body: { spec: { taints } },
        });
        assert.equal(removed.status, 200);
      }
      await bound(applied.filter((object) => WORKLOAD_KINDS.has(object.kind)));
      await admit(rendered.filter(isCheck));
      await bound(applied.filter((object) => object.kind === "Job"));
    });

    it("enforces Pod Security baseline in the workloads' namespace, and leaves kube-system alone", async () => {
      const workloads = applied.filter((object) => WORKLOAD_KINDS.has(object.kind));
      const namespaces = [...new Set(workloads.map((object) => object.metadata.namespace as string))];
      assert.ok(namespaces.length >= 1);
      // What Pod Security Admission does with a pod that reaches the node's network (and IMDS):
      // refused where the program runs its workloads, by the real admission plugin.
      for (const namespace of namespaces) {
        const hostNetwork = await cluster().request("POST", `/api/v1/namespaces/${namespace}/pods`, {
          body: {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "host-network-probe" },
            spec: { hostNetwork: true, containers: [{ name: "c", image: "busybox" }] },
          },
        });
        assert.equal(hostNetwork.status, 403, `${namespace}: ${JSON.stringify(hostNetwork.body)}`);
        assert.match(hostNetwork.body.message, /violates PodSecurity "baseline:latest": host namespaces/);
      }
      const { body } = await cluster().request("GET", "/api/v1/namespaces/kube-system");
      assert.deepEqual(
        Object.keys(body.metadata.labels ?? {}).filter((label) =>
          label.startsWith("pod-security.kubernetes.io/"),
        ),
        [],
        "the privileged Multus DaemonSet's namespace keeps the cluster default",
      );
    });

    it("shows no drift: kubectl diff --server-side of every object is empty", async () => {
      const diff = await diffServerSide(
        cluster(),
        rendered.map((entry) => entry.object),
      );
      assert.equal(diff.status, 0, `${diff.stdout}\n${diff.stderr}`);
    });
  });
}
