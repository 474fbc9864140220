/**
 * A stand-in for the kubelet of registered Nodes, for tests that need workloads to become ready
 * (`pulumi up` waits for Deployments, DaemonSets and Jobs): no container runs. With the kubelet's own
 * identity (Node authorizer, NodeRestriction) it reports each pod bound to its node as the kubelet
 * would once the containers are up: Running and Ready, or, for a Job's pod, Succeeded with exit code
 * 0; and it finishes the deletion of a pod being deleted (the kubelet's final delete, grace period
 * 0, once the containers are stopped), so rollouts, Job replacements and foreground deletions
 * complete. What the containers would do (a check's pings) is not run: a Job's pod is reported
 * successful.
 */
import type { KubeCluster } from "./cluster";

interface PodState {
  metadata: {
    name: string;
    namespace: string;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string }[];
  };
  spec: { containers: { name: string; image: string }[]; initContainers?: { name: string; image: string }[] };
  status?: { phase?: string };
}

export interface FakeKubelet {
  /** Pods reported started, and pods whose deletion it finished. */
  readonly counts: { started: number; succeeded: number; deleted: number };
  /** Errors of the API server's answers (none expected). */
  readonly errors: string[];
  stop(): Promise<void>;
}

const POLL_MS = 250;

function podStatus(pod: PodState, now: string): Record<string, unknown> {
  const isJob = (pod.metadata.ownerReferences ?? []).some((owner) => owner.kind === "Job");
  const terminated = { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now } };
  const condition = (type: string, status: string) => ({ type, status, lastTransitionTime: now });
  const initContainerStatuses = (pod.spec.initContainers ?? []).map((container) => ({
    name: container.name,
    image: container.image,
    imageID: "",
    ready: true,
    restartCount: 0,
    state: terminated,
  }));
  const containerStatuses = pod.spec.containers.map((container) => ({
    name: container.name,
    image: container.image,
    imageID: "",
    ready: !isJob,
    started: !isJob,
    restartCount: 0,
    state: isJob ? terminated : { running: { startedAt: now } },
  }));
  return {
    phase: isJob ? "Succeeded" : "Running",
    startTime: now,
    podIP: "10.0.2.100",
    podIPs: [{ ip: "10.0.2.100" }],
    conditions: [
      condition("PodReadyToStartContainers", "True"),
      condition("Initialized", "True"),
      condition("ContainersReady", isJob ? "False" : "True"),
      condition("Ready", isJob ? "False" : "True"),
    ],
    initContainerStatuses,
    containerStatuses,
  };
}

/** Starts acting as the kubelet of `nodeName` (its token: the one registerNode returned). */
export function startFakeKubelet(cluster: KubeCluster, nodeName: string, token: string): FakeKubelet {
  const counts = { started: 0, succeeded: 0, deleted: 0 };
  const errors: string[] = [];
  let running = true;
  const selector = encodeURIComponent(`spec.nodeName=${nodeName}`);

  const step = async () => {
    const { status, body } = await cluster.request("GET", `/api/v1/pods?fieldSelector=${selector}`, {
      token,
    });
    if (status !== 200) {
      errors.push(`list pods: ${status} ${JSON.stringify(body)}`);
      return;
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    for (const pod of body.items as PodState[]) {
      const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
      if (pod.metadata.deletionTimestamp) {
        const deleted = await cluster.request("DELETE", `${path}?gracePeriodSeconds=0`, { token });
        if (deleted.status === 200) counts.deleted++;
        else if (deleted.status !== 404)
          errors.push(`delete ${path}: ${deleted.status} ${JSON.stringify(deleted.body)}`);
      } else if (!pod.status?.phase || pod.status.phase === "Pending") {
        const reported = await cluster.request("PATCH", `${path}/status`, {
          token,
          contentType: "application/strategic-merge-patch+json",
          body: { status: podStatus(pod, now) },
        });
        if (reported.status !== 200)
          errors.push(`status ${path}: ${reported.status} ${JSON.stringify(reported.body)}`);
        else if ((reported.body.status as { phase: string }).phase === "Succeeded") counts.succeeded++;
        else counts.started++;
      }
    }
  };

  const loop = (async () => {
    while (running) {
      await step().catch((error: unknown) => errors.push(String(error)));
      await new Promise((wait) => setTimeout(wait, POLL_MS));
    }
  })();

  return {
    counts,
    errors,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
