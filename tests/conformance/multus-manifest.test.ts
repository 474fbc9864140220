// The rendered Multus install of both China stacks against the facts of the published EKS manifest
// for the pinned tag (fixtures/published-multus.ts, written from anchors.md and the manifest, not
// from this code). Old code failed here: the init container ran `sh -c "cp ... && cp .../passthru"`
// and the daemon config had no readiness indicator.
import { strict as assert } from "node:assert";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";
import * as published from "./fixtures/published-multus";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAEMONSET = "kubernetes:apps/v1:DaemonSet";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

function one(run: OfflineRun, type: string): Json {
  const found = resourcesOfType(run, type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0].inputs as Json;
}

/** A container's mounts as the published manifest states them: node path, mount path, propagation. */
function mountsOf(pod: Json, container: Json): published.PublishedMount[] {
  return (container.volumeMounts as Json[]).map((mount) => {
    const volume = (pod.volumes as Json[]).find((candidate) => candidate.name === mount.name);
    assert.ok(volume, `volume ${mount.name} is declared`);
    const hostPath = volume.hostPath ? volume.hostPath.path : `configMap:${volume.configMap?.name}`;
    return {
      hostPath,
      mountPath: mount.mountPath,
      ...(mount.mountPropagation ? { mountPropagation: mount.mountPropagation } : {}),
    };
  });
}

const sorted = (mounts: published.PublishedMount[]) =>
  [...mounts].sort((a, b) => a.mountPath.localeCompare(b.mountPath));

for (const [stack, region] of [
  ["ningxia", "cn-northwest-1"],
  ["beijing", "cn-north-1"],
] as const) {
  describe(`Multus install of the ${stack} stack matches the published manifest (${published.PUBLISHED_TAG})`, function () {
    this.timeout(60_000);
    let run: OfflineRun;
    let daemonSet: Json;
    let pod: Json;
    before(async () => {
      run = await runStack(stack);
      daemonSet = one(run, DAEMONSET);
      pod = daemonSet.spec.template.spec;
    });

    it("is kube-multus-ds in kube-system, with the region's EKS image of the pinned tag in both containers", () => {
      assert.deepEqual(
        { name: daemonSet.metadata.name, namespace: daemonSet.metadata.namespace },
        published.DAEMONSET,
      );
      const image = `${published.EKS_REGISTRY_BY_REGION[region]}/${published.PUBLISHED_REPOSITORY}:${published.PUBLISHED_TAG}`;
      assert.deepEqual(
        [...pod.initContainers, ...pod.containers].map((container: Json) => container.image),
        [image, image],
      );
      assert.equal(pod.terminationGracePeriodSeconds, published.TERMINATION_GRACE_PERIOD_SECONDS);
      assert.equal(pod.hostNetwork, true);
      assert.equal(pod.hostPID, true);
    });

    it("has the published init container: exec-form cp of multus-shim only, its requests and mount", () => {
      assert.equal(pod.initContainers.length, 1);
      const init = pod.initContainers[0];
      assert.equal(init.name, published.INIT_CONTAINER.name);
      assert.deepEqual(init.command, published.INIT_CONTAINER.command);
      assert.equal(init.args, undefined, "no args beside the command");
      assert.deepEqual(init.resources.requests, published.INIT_CONTAINER.requests);
      assert.equal(init.securityContext.privileged, published.INIT_CONTAINER.privileged);
      assert.deepEqual(mountsOf(pod, init), published.INIT_CONTAINER.mounts);
    });

    it("runs the daemon with the published command, env, privilege and mounts (paths and propagation)", () => {
      assert.equal(pod.containers.length, 1);
      const daemon = pod.containers[0];
      assert.deepEqual(daemon.command, published.DAEMON_CONTAINER.command);
      assert.deepEqual(daemon.env, published.DAEMON_CONTAINER.env);
      assert.equal(daemon.securityContext.privileged, published.DAEMON_CONTAINER.privileged);
      assert.deepEqual(sorted(mountsOf(pod, daemon)), sorted(published.DAEMON_CONTAINER.mounts));
    });

    it("configures the daemon as published, plus a readiness indicator on the VPC CNI's conflist as the daemon sees it", () => {
      const config = JSON.parse(one(run, CONFIGMAP).data["daemon-config.json"]);
      for (const [key, value] of Object.entries(published.DAEMON_CONFIG))
        assert.deepEqual(config[key], value, key);
      // Where the node's /etc/cni/net.d appears inside the daemon, per the published mounts.
      const cniDirectory = published.DAEMON_CONTAINER.mounts.find(
        (m) => m.hostPath === "/etc/cni/net.d",
      )!.mountPath;
      assert.equal(
        config[published.READINESS_KEY],
        `${cniDirectory}/${published.DAEMON_CONFIG.multusMasterCNI}`,
      );
    });

    it("installs the published NetworkAttachmentDefinition CRD (names, scope, versions, schema types)", () => {
      const crd = one(run, CRD);
      const withoutDescriptions = (value: unknown): unknown =>
        Array.isArray(value)
          ? value.map(withoutDescriptions)
          : value && typeof value === "object"
            ? Object.fromEntries(
                Object.entries(value)
                  .filter(([key]) => key !== "description")
                  .map(([key, inner]) => [key, withoutDescriptions(inner)]),
              )
            : value;
      assert.equal(crd.metadata.name, published.NAD_CRD.name);
      assert.equal(crd.spec.group, published.NAD_CRD.group);
      assert.equal(crd.spec.scope, published.NAD_CRD.scope);
      assert.deepEqual(crd.spec.names, published.NAD_CRD.names);
      assert.deepEqual(
        crd.spec.versions.map((v: Json) => ({ name: v.name, served: v.served, storage: v.storage })),
        published.NAD_CRD.versions,
      );
      assert.deepEqual(
        withoutDescriptions(crd.spec.versions[0].schema.openAPIV3Schema),
        published.NAD_CRD.schema,
      );
    });
  });
}
