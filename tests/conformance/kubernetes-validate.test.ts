// Every Kubernetes object the China stacks render, validated by kubernetes-validate (PyPI, pinned;
// strict; the stack's Kubernetes version), and every NetworkAttachmentDefinition against the CRD's
// own openAPIV3Schema, both the one the program installs and the published one. A third run adds
// the cross-node check's objects (eni-prefix network, two nodes).
import { strict as assert } from "node:assert";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";
import {
  crdSchemaValidate,
  ensureKubernetesValidate,
  kubernetesValidate,
} from "../support/kubernetes-validate";
import { NAD_CRD } from "./fixtures/published-multus";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NAD = "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

function kubernetesObjects(run: OfflineRun): { name: string; object: Json }[] {
  return run.resources
    .filter((resource) => resource.type.startsWith("kubernetes:") && resource.type !== NAD)
    .map((resource) => ({ name: `${resource.type} ${resource.name}`, object: resource.inputs as Json }));
}

const STACKS: [string, Record<string, unknown>][] = [
  ["ningxia", {}],
  ["beijing", {}],
  [
    "ningxia",
    {
      networks: [{ name: "ipvlan-conf-1" }, { name: "routed", ipam: "eni-prefix" }],
      nodeDesiredSize: 2,
      nodeMaxSize: 2,
    },
  ],
];

describe("rendered Kubernetes objects validate against the real schemas", function () {
  this.timeout(300_000);
  before(function () {
    this.timeout(600_000); // a first run installs kubernetes-validate
    ensureKubernetesValidate();
  });

  for (const [stack, overrides] of STACKS) {
    const label = `${stack}${Object.keys(overrides).length ? " (eni-prefix, two nodes)" : ""}`;
    describe(label, () => {
      let run: OfflineRun;
      before(async () => {
        run = await runStack(stack, overrides);
      });

      it("passes kubernetes-validate --strict for the stack's Kubernetes version", () => {
        const objects = kubernetesObjects(run);
        assert.ok(objects.length >= 9, `rendered ${objects.length} objects`);
        const version = run.settings.kubernetesVersion;
        const outcomes = kubernetesValidate(
          objects.map((entry) => entry.object),
          version,
        );
        const failed = outcomes
          .map((outcome, i) => (outcome.ok ? undefined : `${objects[i].name}: ${outcome.output}`))
          .filter(Boolean);
        assert.deepEqual(failed, [], `Kubernetes ${version}`);
      });

      it("renders the blog's samples as Deployments that validate (not bare Pods)", () => {
        const deployments = resourcesOfType(run, "kubernetes:apps/v1:Deployment").map(
          (resource) => resource.inputs as Json,
        );
        assert.deepEqual(deployments.map((deployment) => deployment.metadata.name).sort(), [
          "sampleapp-1",
          "sampleapp-dual",
        ]);
        const outcomes = kubernetesValidate(deployments, run.settings.kubernetesVersion);
        assert.deepEqual(
          outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.output),
          [],
        );
      });

      it("has NADs that validate against the installed CRD's schema and the published one", () => {
        const nads = resourcesOfType(run, NAD).map((resource) => resource.inputs as Json);
        assert.ok(nads.length >= 2);
        const crd = resourcesOfType(run, CRD)[0].inputs as Json;
        for (const schema of [crd.spec.versions[0].schema.openAPIV3Schema, NAD_CRD.schema]) {
          const outcomes = crdSchemaValidate(schema, nads);
          assert.deepEqual(
            outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.output),
            [],
          );
        }
      });
    });
  }

  it("rejects what a cluster would reject (the validators are not vacuous)", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "i", comand: ["sh"] }] },
    };
    const [typo] = kubernetesValidate([pod], "1.35");
    assert.equal(typo.ok, false, "strict mode refuses an unknown field");
    assert.match(typo.output, /comand/);
    const badNad = {
      apiVersion: "k8s.cni.cncf.io/v1",
      kind: "NetworkAttachmentDefinition",
      metadata: { name: "n" },
      spec: { config: { cniVersion: "0.3.1" } },
    };
    const [bad] = crdSchemaValidate(NAD_CRD.schema, [badNad]);
    assert.equal(bad.ok, false, "spec.config must be a string");
    const [extra] = crdSchemaValidate(NAD_CRD.schema, [{ ...badNad, spec: { config: "{}", master: "x" } }]);
    assert.equal(extra.ok, false, "an unknown spec field would be pruned by the API server");
  });
});
