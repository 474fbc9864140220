/**
 * Pod Security Admission on the namespace the program runs its workloads in (issue 21, defect 3):
 * `baseline` enforced (and warned, audited) by a server-side patch of the namespace, in force
 * before the first sample; kube-system, where the privileged Multus DaemonSet runs, is left alone.
 * The pod specs in that namespace keep to what baseline admits, as the Pod Security Standards
 * document it ("Baseline": no host namespaces, no privileged containers, capabilities added only
 * from AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP,
 * SETGID, SETPCAP, SETUID, SYS_CHROOT); the real admission plugin checks the same in
 * tests/k8s/stack-objects.test.ts.
 */
import { strict as assert } from "node:assert";
import { resourcesOfType, runStack, type RecordedResource } from "../support/offline";
import { everyStack } from "../k8s/harness/rendered";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch";
const BASELINE_CAPABILITIES = new Set(
  "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT".split(
    " ",
  ),
);
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job", "kubernetes:core/v1:Pod"];

function podSpec(resource: RecordedResource): Json {
  const inputs = resource.inputs as Json;
  return resource.type === "kubernetes:core/v1:Pod" ? inputs.spec : inputs.spec.template.spec;
}

/** What Pod Security baseline would refuse in a pod spec (the rules the program's pods could break). */
function baselineViolations(spec: Json): string[] {
  const containers: Json[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  return [
    ...["hostNetwork", "hostPID", "hostIPC"].filter((field) => spec[field] === true),
    ...(spec.volumes ?? []).filter((volume: Json) => volume.hostPath).map(() => "hostPath"),
    ...containers.flatMap((container) => [
      ...(container.securityContext?.privileged ? [`${container.name}: privileged`] : []),
      ...((container.securityContext?.capabilities?.add ?? []) as string[])
        .filter((capability) => !BASELINE_CAPABILITIES.has(capability))
        .map((capability) => `${container.name}: adds ${capability}`),
    ]),
  ];
}

describe("Pod Security baseline on the workloads' namespace", function () {
  this.timeout(120_000);
  for (const stack of everyStack()) {
    it(`${stack}: enforced before the first pod, kube-system untouched, every pod admissible`, async () => {
      const run = await runStack(stack);
      const workloads = WORKLOADS.flatMap((type) => resourcesOfType(run, type));
      const namespaces = [
        ...new Set(workloads.map((resource) => (resource.inputs as Json).metadata.namespace)),
      ];
      assert.deepEqual(namespaces, ["default"], "the samples and checks run where the blog runs them");
      const patches = resourcesOfType(run, NAMESPACE_PATCH);
      assert.deepEqual(
        patches.map((patch) => (patch.inputs as Json).metadata),
        [
          {
            name: "default",
            labels: {
              "pod-security.kubernetes.io/enforce": "baseline",
              "pod-security.kubernetes.io/warn": "baseline",
              "pod-security.kubernetes.io/audit": "baseline",
            },
          },
        ],
      );
      const patchUrn = patches[0].engine!.urn!;
      for (const resource of workloads.filter((workload) => workload.type !== "kubernetes:batch/v1:Job")) {
        assert.ok(resource.engine!.dependencies.includes(patchUrn), `${resource.name} waits for the labels`);
      }
      assert.deepEqual(
        workloads.flatMap((resource) =>
          baselineViolations(podSpec(resource)).map((v) => `${resource.name}: ${v}`),
        ),
        [],
      );
      const daemonSet = resourcesOfType(run, "kubernetes:apps/v1:DaemonSet")[0];
      assert.equal((daemonSet.inputs as Json).metadata.namespace, "kube-system");
      assert.ok(baselineViolations(podSpec(daemonSet)).length > 0, "the rule check is not vacuous");
    });
  }

  it("labels nothing when the program runs no workloads (samples off)", async () => {
    const run = await runStack("ningxia", { samplesEnabled: false });
    assert.deepEqual(resourcesOfType(run, NAMESPACE_PATCH), []);
  });
});
