/**
 * What `pulumi up` does with the stack's Kubernetes half, shown by the real Pulumi engine (the CLI
 * and the Kubernetes provider plugin built from the Go module proxy, tests/engine/build.sh) against
 * a real kube-apiserver 1.35.8 with its controllers and scheduler: `createMultusNetworks` (what
 * stacks/program.ts calls) with the ningxia stack's own settings, through an explicit provider,
 * run in a child process (tests/engine/networks-driver.ts) so the Pulumi runtime is not shared with
 * the mock-engine tests.
 *
 * Expected values come from outside the engine: the objects the program renders (the offline run
 * of the whole stack program, stacks/offline, under Pulumi's mocks) compared with the API server's
 * objects (`kubectl diff --server-side`, object UIDs, listings); the API server's audit log of the
 * engine's identity (which writes it made, in which order, with which answers); the engine's own
 * summaries; and the Kubernetes API's documented rules (a Job's pod template is immutable; a CRD's
 * deletion takes its custom resources with it).
 *
 * No kubelet runs: a stand-in (harness/kubelet.ts) reports the pods bound to the one Node as
 * started (Jobs' pods as succeeded) and finishes their deletion, so `pulumi up` can wait for the
 * DaemonSet, the samples and the check as it does on EKS. The check's pings are not run here.
 * The AWS half (VPC, cluster, node group, the startup-untaint role and access entry) needs the AWS
 * provider plugin, which cannot be had on this machine (issue 18).
 */
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { MULTUS_NETWORKS_TYPE } from "../../components/networks";
import { NETWORKS_ANNOTATION } from "../../components/networks/samples";
import { multusNodeZones } from "../../stacks/config/nodegroup";
import { DEFAULT_NETWORKS } from "../../stacks/config/schema";
import { buildEngine } from "../engine/real-engine";
import type { EngineResult } from "../engine/networks-driver";
import { advertisedVpcIpResources } from "../support/node-bundle";
import { runStack, type ConfigValues } from "../support/offline";
import { asList, FIELD_MANAGER, type KubeObject } from "./harness/apply";
import { auditTarget, isDryRun, writeAudit, type AuditEvent } from "./harness/audit";
import { useKubeCluster, type KubeCluster } from "./harness/cluster";
import { startNetworksEngine, type NetworksEngine } from "./harness/engine";
import { startFakeKubelet, type FakeKubelet } from "./harness/kubelet";
import { registerNode } from "./harness/nodes";
import { renderedObjects, type RenderedObject } from "./harness/rendered";

/** The identity the engine's provider uses: its writes are the audit log's subject. */
const ENGINE_USER = "multus-eks-engine";
/** The namespace of the NADs and workloads: the component's default, the blog's. */
const NAMESPACE = "default";

/**
 * A stack as a user deploys it from inside the VPC; the samples' image is given (its default names
 * the AWS account, which only the AWS provider can tell).
 */
const BASE: ConfigValues = {
  deployFrom: "vpc",
  sampleImage: "registry.example.cn/multus-samples/busybox:1.36.1",
};

function networksWith(name: string, change: Record<string, unknown>): unknown[] {
  return DEFAULT_NETWORKS.map((network) => (network.name === name ? { ...network, ...change } : network));
}

/** In place: the first network's dynamic range starts later, and the Multus daemon gets more memory. */
const UPDATE: ConfigValues = {
  ...BASE,
  networks: networksWith("ipvlan-conf-1", { rangeStart: 72 }),
  multusDaemonMemoryLimit: "512Mi",
};
/** The first network's range ends lower: the pinned addresses of the samples and the check move. */
const REPLACE: ConfigValues = {
  ...UPDATE,
  networks: networksWith("ipvlan-conf-1", { rangeStart: 72, rangeEnd: 78 }),
};

/** The Kubernetes objects the whole stack program renders under MultusNetworks (offline run, mocks). */
async function renderNetworks(stack: string, changes: ConfigValues): Promise<RenderedObject[]> {
  const run = await runStack(stack, changes);
  const component = run.resources.filter((resource) => resource.type === MULTUS_NETWORKS_TYPE);
  assert.equal(component.length, 1, "the stack has one MultusNetworks");
  const parent = `${MULTUS_NETWORKS_TYPE}::${component[0].name}`;
  return renderedObjects({
    ...run,
    resources: run.resources.filter((resource) => resource.parent === parent),
  });
}

/** `type name` of the resources the engine reported with `op` (each once). */
function stepsOf(result: EngineResult, op: string): string[] {
  const names = result.steps
    .filter((step) => step.op === op && step.resource.startsWith("kubernetes:"))
    .map((step) => step.resource);
  return [...new Set(names)].sort();
}

/** Resources whose rendered object differs between two renderings. */
function changedBetween(before: readonly RenderedObject[], after: readonly RenderedObject[]): string[] {
  const old = new Map(before.map((entry) => [entry.resource, JSON.stringify(entry.object)]));
  return after
    .filter((entry) => old.get(entry.resource) !== JSON.stringify(entry.object))
    .map((entry) => entry.resource)
    .sort();
}

/**
 * `kubectl diff --server-side` of the rendered objects against the server's: empty when every
 * rendered field has its rendered value there. Forced: the engine's provider owns the fields, and an
 * atomic struct the server defaults (an env var's fieldRef gets apiVersion v1) conflicts with any
 * other manager's apply of the same value.
 */
async function drift(cluster: KubeCluster, objects: readonly RenderedObject[]): Promise<string | undefined> {
  const diff = await cluster.kubectl(
    ["diff", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
    { input: asList(objects.map((entry) => entry.object)) },
  );
  return diff.status === 0 ? undefined : `${diff.stdout}\n${diff.stderr}`;
}

/** Whether `from` waits for `to` in the engine's state, directly or through other resources. */
function waitsFor(dependencies: Readonly<Record<string, string[]>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const pending = [...(dependencies[from] ?? [])];
  while (pending.length) {
    const next = pending.pop()!;
    if (next === to) return true;
    if (!seen.has(next)) pending.push(...(dependencies[(seen.add(next), next)] ?? []));
  }
  return false;
}

/** NADs a workload's pods attach to (the Multus networks annotation of the pod or its template). */
function attachedNads(workload: KubeObject): string[] {
  const pod = workload.kind === "Pod" ? workload : workload.spec.template;
  const annotation: string = pod.metadata.annotations[NETWORKS_ANNOTATION];
  return annotation.trim().startsWith("[")
    ? (JSON.parse(annotation) as { name: string }[]).map((selection) => selection.name)
    : annotation.split(",").map((name) => name.trim());
}

/** Addresses a Deployment's pod pins (the `ips` of its JSON network selection). */
function pinnedAddresses(deployment: KubeObject): string[] {
  const annotation: string = deployment.spec.template.metadata.annotations[NETWORKS_ANNOTATION];
  if (!annotation.trim().startsWith("[")) return [];
  return (JSON.parse(annotation) as { ips?: string[] }[]).flatMap((selection) => selection.ips ?? []);
}

function errorFree(result: EngineResult): void {
  assert.equal(result.error, undefined, `pulumi ${result.op} failed:\n${result.error}`);
}

interface Scenario {
  /** A stack of the project or a stack file's path. */
  readonly stack: string;
  readonly settings: ConfigValues;
  /** Settings changes to deploy after the first `up`, in order (the last is the one destroyed). */
  readonly updates: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  // The blog's settings: one node in one AZ, two host-local networks, the samples and the check.
  { stack: "ningxia", settings: BASE, updates: true },
  // Two AZs, routable vpc-ip networks: a NAD per AZ, samples and a check per AZ, the cross-node check
  // (a bare responder Pod, a ServiceAccount, Role and RoleBinding).
  { stack: "stacks/examples/Pulumi.ningxia-vpc-ip.yaml", settings: BASE, updates: false },
];

for (const scenario of SCENARIOS) {
  describe(`stack ${scenario.stack}: MultusNetworks through the real Pulumi engine on a real API server`, function () {
    this.timeout(600_000);
    const audit = writeAudit(ENGINE_USER);
    const figures: string[] = [];
    let engine: NetworksEngine | undefined;
    const kubelets: FakeKubelet[] = [];
    // Registered before the cluster's own `after`, so it runs first, while the API server is up.
    after(async function () {
      this.timeout(120_000);
      await engine?.stop();
      for (const kubelet of kubelets) await kubelet.stop();
      audit.dispose();
      const [load] = loadavg();
      if (figures.length) {
        console.log(
          `\n      ${scenario.stack}: real engine wall times (load ${load.toFixed(2)}):\n${figures.join("\n")}\n`,
        );
      }
    });
    const cluster = useKubeCluster({ apiServerFlags: audit.flags });

    const rendered: Record<"base" | "update" | "replace", RenderedObject[]> = {
      base: [],
      update: [],
      replace: [],
    };
    /** What the last `up` deployed. */
    let deployed: { settings: ConfigValues; objects: RenderedObject[]; result?: EngineResult } = {
      settings: scenario.settings,
      objects: [],
    };
    /** Every object on the server before the first `up` (kind/namespace/name). */
    let untouched: string[] = [];
    let resourceCount = 0;
    let nodeCount = 0;

    /** Every object the API server lists, but events and leases (they come and go by themselves). */
    async function clusterObjects(): Promise<string[]> {
      const types = await cluster().kubectl(["api-resources", "--verbs=list", "-o", "name"]);
      assert.equal(types.status, 0, types.stderr);
      const listed = types.stdout
        .split("\n")
        .filter(
          (type) => type && !/^(events|events\.events\.k8s\.io|leases\.coordination\.k8s\.io)$/.test(type),
        );
      const all = await cluster().kubectl(["get", listed.join(","), "-A", "-o", "json"]);
      assert.equal(all.status, 0, all.stderr);
      return (JSON.parse(all.stdout).items as KubeObject[])
        .map((object) => `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`)
        .sort();
    }

    async function get(path: string): Promise<KubeObject> {
      const { status, body } = await cluster().request("GET", path);
      assert.equal(status, 200, `GET ${path}: ${JSON.stringify(body)}`);
      return body as KubeObject;
    }

    async function list(path: string): Promise<KubeObject[]> {
      return (await get(path)).items as KubeObject[];
    }

    /** Runs one engine command, timing it; returns the result and the engine identity's writes meanwhile. */
    async function step(
      label: string,
      op: "up" | "preview" | "destroy",
      changes: ConfigValues,
      refresh = false,
    ): Promise<{ result: EngineResult; writes: AuditEvent[] }> {
      const mark = audit.events().length;
      const result = await engine!.run({ op, changes, refresh });
      const writes = audit.events().slice(mark);
      const dryRuns = writes.filter(isDryRun).length;
      figures.push(
        `        ${label}: ${result.seconds.toFixed(1)} s${dryRuns ? ` (${dryRuns} dry-run writes asked of the server)` : ""}`,
      );
      return { result, writes };
    }

    before(async function () {
      this.timeout(45 * 60_000); // a fresh machine builds the CLI and the plugin first (~16 min)
      buildEngine();
      rendered.base = await renderNetworks(scenario.stack, scenario.settings);
      if (scenario.updates) {
        rendered.update = await renderNetworks(scenario.stack, UPDATE);
        rendered.replace = await renderNetworks(scenario.stack, REPLACE);
      }
      deployed = { settings: scenario.settings, objects: rendered.base };
      // The stack itself, the component and the provider, besides the Kubernetes objects.
      resourceCount = rendered.base.length + 3;
      const run = await runStack(scenario.stack, scenario.settings);
      const { settings } = run;
      // What each node's startup-untaint script advertises (its room per vpc-ip network).
      const extendedResources = advertisedVpcIpResources(run);
      // Two nodes per node AZ (the cross-node check's responder and check run on different nodes),
      // as after the startup untaint (the taint and its removal are tests/k8s/stack-objects' subject).
      const zones = multusNodeZones(settings.availabilityZones, settings.nodeGroups);
      for (const [z, zone] of zones.entries()) {
        for (const n of [0, 1]) {
          const name = `ip-10-0-${2 + z}-${10 + n}.${settings.region.name}.compute.internal`;
          const token = await registerNode(cluster(), {
            name,
            zone,
            instanceId: `i-0${z}${n}00000000000000`,
            extendedResources,
          });
          kubelets.push(startFakeKubelet(cluster(), name, token));
        }
      }
      nodeCount = kubelets.length;
      untouched = await clusterObjects();
      const kubeconfig = join(cluster().dir, "engine.kubeconfig");
      writeFileSync(
        kubeconfig,
        cluster().kubeconfigYaml(cluster().tokenFor({ username: ENGINE_USER, groups: ["system:masters"] })),
      );
      engine = startNetworksEngine(kubeconfig, scenario.stack);
    });

    it("up creates every object the program renders, waits for the workloads, and outputs their names", async () => {
      const { result, writes } = await step("up (create)", "up", scenario.settings);
      errorFree(result);
      deployed = { ...deployed, result };
      assert.deepEqual(result.changes, { create: resourceCount });
      assert.deepEqual(stepsOf(result, "create"), rendered.base.map((entry) => entry.resource).sort());
      assert.ok(rendered.base.length >= 14, `the blog's objects are rendered (${rendered.base.length})`);

      // On the server, every rendered field has its rendered value.
      assert.equal(await drift(cluster(), rendered.base), undefined, "drift after up");
      const refused = writes.filter((event) => (event.responseStatus?.code ?? 0) >= 300);
      assert.deepEqual(refused.map(auditTarget), [], "the API server refused none of the engine's writes");

      // The outputs name what the server holds.
      const nads = await list(
        `/apis/k8s.cni.cncf.io/v1/namespaces/${NAMESPACE}/network-attachment-definitions`,
      );
      const nadNames = result.outputs.nadNames as Record<string, Record<string, string>>;
      assert.deepEqual(
        [...new Set(Object.values(nadNames).flatMap((byZone) => Object.values(byZone)))].sort(),
        nads.map((nad) => nad.metadata.name).sort(),
      );
      const deployments = await list(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments`);
      // Bare pods (the cross-node responder): the ones no controller owns.
      const barePods = (await list(`/api/v1/namespaces/${NAMESPACE}/pods`)).filter(
        (pod) => !pod.metadata.ownerReferences?.length,
      );
      assert.deepEqual(
        [...(result.outputs.sampleNames as string[])].sort(),
        [...deployments, ...barePods].map((object) => object.metadata.name).sort(),
      );
      const jobs = await list(`/apis/batch/v1/namespaces/${NAMESPACE}/jobs`);
      assert.deepEqual(
        [...(result.outputs.checkJobNames as string[])].sort(),
        jobs.map((job) => job.metadata.name).sort(),
      );

      // `up` returned once the workloads were ready, as it waits on EKS.
      for (const deployment of deployments) {
        assert.equal(deployment.status.availableReplicas, 1, deployment.metadata.name);
      }
      for (const job of jobs) assert.equal(job.status.succeeded, 1, job.metadata.name);
      for (const pod of barePods) assert.equal(pod.status.phase, "Running", pod.metadata.name);
      const daemonSet = rendered.base.find((entry) => entry.object.kind === "DaemonSet")!.object;
      const liveDaemonSet = await get(
        `/apis/apps/v1/namespaces/${daemonSet.metadata.namespace}/daemonsets/${daemonSet.metadata.name}`,
      );
      assert.equal(liveDaemonSet.status.numberAvailable, nodeCount, "a Multus pod available on every node");
      const namespace = await get(`/api/v1/namespaces/${NAMESPACE}`);
      // Pod Security Admission's label (Kubernetes docs, "Pod Security Admission").
      assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
    });

    it("a second up changes nothing, and a preview through the provider shows no change: no writes", async () => {
      const again = await step("up (no change)", "up", scenario.settings);
      errorFree(again.result);
      assert.deepEqual(again.result.changes, { same: resourceCount });
      assert.deepEqual(again.writes.map(auditTarget), [], "the API server saw no write");

      const preview = await step("preview (no change)", "preview", scenario.settings);
      errorFree(preview.result);
      assert.deepEqual(preview.result.changes, { same: resourceCount });
      assert.deepEqual(preview.writes.filter((event) => !isDryRun(event)).map(auditTarget), []);

      // Against the live objects (what users see after someone else touched the cluster, or after a
      // provider upgrade): every object read back from the server, then diffed.
      const live = await step("preview --refresh (no change)", "preview", scenario.settings, true);
      errorFree(live.result);
      assert.deepEqual(live.result.changes, { same: resourceCount });
      assert.deepEqual(live.writes.filter((event) => !isDryRun(event)).map(auditTarget), []);
    });

    if (scenario.updates) {
      it("a network's range and the daemon's memory limit update in place: same objects, new values", async () => {
        const changed = changedBetween(rendered.base, rendered.update);
        // What the settings touch: the first network's NAD and the DaemonSet, nothing else.
        assert.deepEqual(
          changed.map((resource) => resource.split(" ")[0]),
          ["kubernetes:apps/v1:DaemonSet", "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition"],
        );
        const nadPath = `/apis/k8s.cni.cncf.io/v1/namespaces/${NAMESPACE}/network-attachment-definitions/ipvlan-conf-1`;
        const daemonSetPath = "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds";
        const [nadBefore, daemonSetBefore] = [await get(nadPath), await get(daemonSetPath)];

        const preview = await step("preview (update)", "preview", UPDATE);
        errorFree(preview.result);
        assert.deepEqual(preview.result.changes, { update: 2, same: resourceCount - 2 });
        assert.deepEqual(stepsOf(preview.result, "update"), changed);

        const { result } = await step("up (update in place)", "up", UPDATE);
        errorFree(result);
        deployed = { settings: UPDATE, objects: rendered.update, result };
        assert.deepEqual(result.changes, { update: 2, same: resourceCount - 2 });
        assert.deepEqual(stepsOf(result, "update"), changed);

        const [nadAfter, daemonSetAfter] = [await get(nadPath), await get(daemonSetPath)];
        assert.equal(nadAfter.metadata.uid, nadBefore.metadata.uid, "the NAD is the same object");
        assert.equal(
          daemonSetAfter.metadata.uid,
          daemonSetBefore.metadata.uid,
          "the DaemonSet is the same object",
        );
        // The blog's first Multus subnet is 10.0.4.0/24 (anchors.md); host 72 of it.
        assert.match(nadAfter.spec.config, /"rangeStart":"10\.0\.4\.72"/);
        assert.doesNotMatch(nadBefore.spec.config, /10\.0\.4\.72/);
        const daemon = (daemonSetAfter.spec.template.spec.containers as KubeObject[])[0];
        assert.equal(daemon.resources.limits.memory, "512Mi");
        assert.equal(daemonSetAfter.metadata.generation, daemonSetBefore.metadata.generation + 1);
        assert.equal(await drift(cluster(), rendered.update), undefined, "drift after the update");
      });

      it("moved pinned addresses replace the check Job (its pod template is immutable), the samples update in place", async () => {
        const changed = changedBetween(rendered.update, rendered.replace);
        const jobs = changed.filter((resource) => resource.startsWith("kubernetes:batch/v1:Job "));
        const others = changed.filter((resource) => !jobs.includes(resource));
        assert.ok(
          jobs.length >= 1 && others.some((resource) => resource.includes(":Deployment ")),
          changed.join(),
        );
        const uidsBefore = new Map<string, string>();
        for (const kind of ["deployments", "jobs"]) {
          const group = kind === "jobs" ? "batch" : "apps";
          for (const object of (await get(`/apis/${group}/v1/namespaces/${NAMESPACE}/${kind}`))
            .items as KubeObject[]) {
            uidsBefore.set(`${kind}/${object.metadata.name}`, object.metadata.uid);
          }
        }

        const { result, writes } = await step("up (replace the check)", "up", REPLACE);
        errorFree(result);
        deployed = { settings: REPLACE, objects: rendered.replace, result };
        assert.deepEqual(result.changes, {
          replace: jobs.length,
          update: others.length,
          same: resourceCount - changed.length,
        });
        assert.deepEqual(stepsOf(result, "replace"), jobs);
        assert.deepEqual(stepsOf(result, "update"), others);

        for (const [key, uid] of uidsBefore) {
          const [kind, name] = key.split("/");
          const live = await get(
            `/apis/${kind === "jobs" ? "batch" : "apps"}/v1/namespaces/${NAMESPACE}/${kind}/${name}`,
          );
          if (kind === "jobs") assert.notEqual(live.metadata.uid, uid, `${key} is a new object`);
          else assert.equal(live.metadata.uid, uid, `${key} is the same object`);
          if (kind === "jobs") {
            // Deleted before its successor was created (deleteBeforeReplace: fixed name, pinned addresses).
            const targets = writes.map((event) => `${event.verb} ${auditTarget(event)}`);
            const deleted = targets.indexOf(`delete jobs/${NAMESPACE}/${name}`);
            assert.ok(deleted >= 0, `the old Job was deleted: ${targets.join(", ")}`);
            assert.ok(
              targets
                .slice(deleted + 1)
                .some(
                  (target) => target.endsWith(` jobs/${NAMESPACE}/${name}`) && !target.startsWith("delete"),
                ),
              `the new Job was written after the old one's deletion: ${targets.join(", ")}`,
            );
          }
        }
        assert.equal(await drift(cluster(), rendered.replace), undefined, "drift after the replacement");
      });

      it("spreading the nodes over a second AZ: a renamed sample is created only once the old holder of its pinned addresses is deleted", async () => {
        const { settings } = await runStack(scenario.stack, REPLACE);
        const spread: ConfigValues = {
          ...REPLACE,
          nodeAvailabilityZones: settings.availabilityZones.slice(0, 2),
        };
        const objects = await renderNetworks(scenario.stack, spread);
        for (const n of [0, 1]) {
          const name = `ip-10-0-3-${10 + n}.${settings.region.name}.compute.internal`;
          const zone = settings.availabilityZones[1];
          const token = await registerNode(cluster(), { name, zone, instanceId: `i-01${n}00000000000000` });
          kubelets.push(startFakeKubelet(cluster(), name, token));
          untouched = [...untouched, `Node//${name}`].sort();
        }
        const { result, writes } = await step("up (nodes in a second AZ)", "up", spread);
        errorFree(result);
        deployed = { settings: spread, objects, result };

        // Each pinned address that moves from an old sample to a renamed one: on a node, ipvlan
        // refuses an address another ipvlan link of the same master holds (EADDRINUSE), so the new
        // pod cannot start while the old one runs; `up` waits for the new Deployment to be ready,
        // so the old one must be deleted first, or `up` hangs until its await times out.
        const holders = (entries: readonly RenderedObject[]) =>
          new Map(
            entries
              .filter((entry) => entry.object.kind === "Deployment")
              .flatMap((entry) =>
                pinnedAddresses(entry.object).map((address) => [
                  address,
                  entry.object.metadata.name as string,
                ]),
              ),
          );
        const before = holders(rendered.replace);
        const moves = [...holders(objects)].filter(
          ([address, name]) => before.has(address) && before.get(address) !== name,
        );
        assert.ok(moves.length >= 1, "some pinned address moves to a renamed sample");
        const at = (verb: string, name: string) =>
          writes.find(
            (event) => event.verb === verb && auditTarget(event) === `deployments/${NAMESPACE}/${name}`,
          );
        for (const [address, name] of moves) {
          const deleted = at("delete", before.get(address)!);
          const created = at("patch", name) ?? at("create", name);
          assert.ok(deleted && created, `${before.get(address)} deleted and ${name} created`);
          assert.ok(
            deleted.stageTimestamp <= created.requestReceivedTimestamp,
            `${address}: ${name} created (${created.requestReceivedTimestamp}) before ${before.get(address)} was deleted (${deleted.stageTimestamp})`,
          );
        }
      });
    }

    it("destroy removes everything, the NADs (and what uses them) before their CRD, with no error", async () => {
      // The engine's graph, which orders the deletion: a NAD is an instance of the CRD (deleting the CRD
      // deletes them all), and a workload's pods name their NADs.
      const graph = deployed.result!.dependencies;
      const kindOf = (kind: string) => deployed.objects.filter((entry) => entry.object.kind === kind);
      const [crdResource] = kindOf("CustomResourceDefinition");
      for (const nad of kindOf("NetworkAttachmentDefinition")) {
        assert.ok(waitsFor(graph, nad.resource, crdResource.resource), `${nad.resource} waits for the CRD`);
      }
      for (const workload of [...kindOf("Deployment"), ...kindOf("Job"), ...kindOf("Pod")]) {
        for (const name of attachedNads(workload.object)) {
          const nad = kindOf("NetworkAttachmentDefinition").find(
            (entry) => entry.object.metadata.name === name,
          );
          assert.ok(
            nad && waitsFor(graph, workload.resource, nad.resource),
            `${workload.resource} waits for NAD ${name}`,
          );
        }
      }

      const { result, writes } = await step("destroy", "destroy", deployed.settings);
      errorFree(result);
      assert.deepEqual(result.changes, { delete: deployed.objects.length + 3 });
      assert.deepEqual(result.outputs, {});

      const deletes = writes.filter((event) => event.verb === "delete");
      // 200/202: the object was there and the engine deleted it; a 404 would mean something else had
      // (e.g. the CRD's deletion taking its NADs with it).
      assert.deepEqual(
        deletes.filter((event) => ![200, 202].includes(event.responseStatus?.code ?? 0)).map(auditTarget),
        [],
      );
      const find = (resource: string) => deletes.filter((event) => event.objectRef?.resource === resource);
      const [crd] = find("customresourcedefinitions");
      assert.ok(crd, "the engine deleted the CRD");
      const nads = find("network-attachment-definitions");
      assert.equal(nads.length, kindOf("NetworkAttachmentDefinition").length);
      // A NAD's deletion answered before the CRD's was asked for; the same for the workloads before the NADs.
      for (const nad of nads) assert.ok(nad.stageTimestamp <= crd.requestReceivedTimestamp, auditTarget(nad));
      const firstNad = nads.map((nad) => nad.requestReceivedTimestamp).sort()[0];
      for (const workload of [...find("deployments"), ...find("jobs"), ...find("pods")]) {
        assert.ok(workload.stageTimestamp <= firstNad, `${auditTarget(workload)} before the NADs`);
      }

      // Nothing left: the server lists what it listed before the first up, and the namespace patch is undone.
      assert.deepEqual(await clusterObjects(), untouched);
      const namespace = await get("/api/v1/namespaces/default");
      assert.deepEqual(
        Object.keys(namespace.metadata.labels ?? {}).filter((label) =>
          label.startsWith("pod-security.kubernetes.io/"),
        ),
        [],
      );
      assert.equal((await cluster().request("GET", "/apis/k8s.cni.cncf.io/v1")).status, 404);
      assert.deepEqual(
        kubelets.flatMap((kubelet) => kubelet.errors),
        [],
      );
    });
  });
}
