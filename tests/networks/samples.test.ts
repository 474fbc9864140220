// Sample and check planning: annotation forms, what gets pinned and pinged, and same-node affinity.
import { strict as assert } from "node:assert";
import { planNetworkAttachments } from "../../components/networks/nad";
import {
  checkJobSpec,
  planSamples,
  sampleDeployment,
  samplePodSpec,
} from "../../components/networks/samples";
import { kubernetesValidate } from "../support/kubernetes-validate";
import { ningxia, settingsOf } from "./harness";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function planFor(overrides: Record<string, unknown>, connectivityCheck: boolean) {
  const settings = settingsOf(ningxia(overrides));
  const zones = settings.nodeGroup.availabilityZones;
  return planSamples(settings.networks, zones, planNetworkAttachments(settings.networks, zones), {
    connectivityCheck,
  });
}

describe("Sample and check plan", () => {
  it("uses the blog's plain annotations when the check is off", () => {
    const plan = planFor({}, false);
    assert.deepEqual(
      plan.samples.map((pod) => [pod.name, pod.networksAnnotation, pod.sameNodeAs]),
      [
        ["sampleapp-1", "ipvlan-conf-1", undefined],
        ["sampleapp-dual", "ipvlan-conf-1, ipvlan-conf-2", undefined],
      ],
    );
    assert.equal(plan.checks.length, 0);
  });

  it("pins addresses from the top of each range and keeps the pods on one node when the check is on", () => {
    const plan = planFor({}, true);
    assert.deepEqual(JSON.parse(plan.samples[0].networksAnnotation), [
      { name: "ipvlan-conf-1", interface: "net1", ips: ["10.0.4.80/24"] },
    ]);
    assert.equal(plan.samples[1].sameNodeAs, "sampleapp-1");
    const [check] = plan.checks;
    // sampleapp-dual follows sampleapp-1, so the check follows sampleapp-1 alone: a required
    // pod-affinity term per sample is never met (the scheduler wants one pod matching every term;
    // kubernetes/kubernetes#130784, shown by tests/k8s/stack-objects.test.ts on the real scheduler).
    assert.equal(check.sameNodeAs, "sampleapp-1");
    assert.deepEqual(
      check.targets.map((target) => `${target.sample}:${target.fromInterface}->${target.address}`),
      [
        "sampleapp-1:net1->10.0.4.80/24",
        "sampleapp-dual:net1->10.0.4.79/24",
        "sampleapp-dual:net2->10.0.6.30/24",
      ],
    );
    const job = checkJobSpec(check, "registry.example.cn/busybox:1") as Json;
    assert.deepEqual(job.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
      {
        labelSelector: { matchLabels: { "multus-eks/sample": "sampleapp-1" } },
        topologyKey: "kubernetes.io/hostname",
      },
    ]);
    assert.equal(job.template.spec.restartPolicy, "Never");
    assert.equal(job.template.metadata.annotations["k8s.v1.cni.cncf.io/networks"], check.networksAnnotation);
    const pod = samplePodSpec(plan.samples[0], "registry.example.cn/busybox:1") as Json;
    assert.equal(pod.affinity, undefined);
    // Pod Security baseline (the namespace's level) refuses NET_RAW in capabilities.add (shown by the
    // real API server in tests/k8s/stack-objects.test.ts); ping has it from the runtime's defaults.
    assert.equal(pod.containers[0].securityContext, undefined);
  });

  it("does not pin or ping eni-prefix networks, and says so", () => {
    const plan = planFor(
      {
        networks: [
          { name: "ipvlan-conf-1", rangeStart: 70, rangeEnd: 80 },
          { name: "routed", ipam: "eni-prefix" },
        ],
      },
      true,
    );
    assert.deepEqual(JSON.parse(plan.samples[1].networksAnnotation), [
      { name: "ipvlan-conf-1", interface: "net1", ips: ["10.0.4.79/24"] },
      { name: "routed", interface: "net2" },
    ]);
    assert.deepEqual(
      plan.checks[0].targets.map((target) => target.network),
      ["ipvlan-conf-1", "ipvlan-conf-1"],
    );
    assert.deepEqual(plan.notes, [
      'network "routed": not pinged (eni-prefix addresses are chosen per node at run time)',
    ]);
  });

  it("plans no check when no network can be pinged (macvlan private)", () => {
    const plan = planFor({ networks: [{ name: "quiet", cni: "macvlan", mode: "private" }] }, true);
    assert.deepEqual(
      plan.samples.map((pod) => pod.name),
      ["sampleapp-1"],
    );
    assert.equal(plan.checks.length, 0);
    assert.match(plan.notes[0], /macvlan mode private blocks pod-to-pod traffic/);
  });

  describe("as Deployments", function () {
    this.timeout(600_000); // a first run installs kubernetes-validate
    const image = "registry.example.cn/busybox:1";
    const plans = {
      "one AZ, check on (pinned)": planFor({}, true),
      "one AZ, check off (the blog's annotation)": planFor({}, false),
      "two AZs, check on": planFor({ nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"] }, true),
    };

    for (const [label, plan] of Object.entries(plans)) {
      it(`keeps each sample's networks, pinned addresses, placement and command in its pod template (${label})`, () => {
        assert.ok(plan.samples.length >= 2);
        for (const sample of plan.samples) {
          const deployment = sampleDeployment(sample, "default", image) as Json;
          const template = deployment.spec.template;
          assert.equal(
            template.metadata.annotations["k8s.v1.cni.cncf.io/networks"],
            sample.networksAnnotation,
          );
          assert.deepEqual(template.spec, samplePodSpec(sample, image));
          // The API server refuses a selector that does not select the template's labels.
          for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
            assert.equal(template.metadata.labels[key], value, `${sample.name}: selector ${key}`);
          }
          // The check Job finds samples by this label (pod affinity), not by pod name.
          assert.equal(template.metadata.labels["multus-eks/sample"], sample.name);
        }
      });
    }

    it("validates with kubernetes-validate --strict, oldest and default Kubernetes version", () => {
      const objects = Object.values(plans).flatMap((plan) =>
        plan.samples.map((sample) => sampleDeployment(sample, "default", image)),
      );
      for (const version of ["1.30", "1.35"]) {
        const failed = kubernetesValidate(objects, version)
          .map((outcome, index) =>
            outcome.ok ? undefined : `${String((objects[index] as Json).metadata.name)}: ${outcome.output}`,
          )
          .filter(Boolean);
        assert.deepEqual(failed, [], `Kubernetes ${version}`);
      }
    });
  });
});
