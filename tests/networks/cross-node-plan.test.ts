// The cross-node check of eni-prefix networks: when it is planned, what it asks Kubernetes for
// (least-privilege RBAC, anti-affinity, the responder's annotation), and that the blog's stacks
// are left exactly as they were.
import { strict as assert } from "node:assert";
import {
  CROSS_NODE_CHECK,
  CROSS_NODE_RESPONDER,
  crossNodeCheckScript,
  crossNodeJobSpec,
  planCrossNodeCheck,
} from "../../components/networks/cross-node-check";
import { planNetworkAttachments } from "../../components/networks/nad";
import { beijing, ningxia, runNetworks, settingsOf, TYPES } from "./harness";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

const TWO_AZS = ["cn-northwest-1a", "cn-northwest-1b"];
const PREFIX_NETWORKS = [
  { name: "ipvlan-conf-1", rangeStart: 70, rangeEnd: 80 },
  { name: "routed", ipam: "eni-prefix", routes: ["10.0.6.0/24", "10.0.7.0/24"] },
];

function nodes(count: number, zones: string[] = TWO_AZS): Record<string, unknown> {
  return { nodeAvailabilityZones: zones, nodeMinSize: count, nodeDesiredSize: count, nodeMaxSize: count };
}

function planFor(overrides: Record<string, unknown>, connectivityCheck = true) {
  const settings = settingsOf(ningxia(overrides));
  const zones = settings.nodeGroup.availabilityZones;
  return planCrossNodeCheck(settings.networks, zones, planNetworkAttachments(settings.networks, zones), {
    connectivityCheck,
    nodeCount: settings.nodeGroup.desiredSize,
  });
}

describe("Cross-node check plan", () => {
  it("is planned for an eni-prefix network on two or more nodes, and only then", () => {
    assert.ok(planFor({ networks: PREFIX_NETWORKS, ...nodes(2) }).plan);
    assert.ok(planFor({ networks: PREFIX_NETWORKS, ...nodes(3) }).plan);
    assert.ok(planFor({ networks: PREFIX_NETWORKS, ...nodes(2, ["cn-northwest-1a"]) }).plan);

    const oneNode = planFor({ networks: PREFIX_NETWORKS, ...nodes(1) });
    assert.equal(oneNode.plan, undefined);
    assert.match(
      oneNode.notes.join("\n"),
      /"routed": not pinged across nodes .*desired size is 1.*nodeDesiredSize/,
    );

    assert.deepEqual(planFor({ networks: PREFIX_NETWORKS, ...nodes(2) }, false), { notes: [] });
    // host-local networks: the per-AZ check covers them, on any number of nodes.
    assert.deepEqual(planFor(nodes(2)), { notes: [] });
    assert.deepEqual(planFor({}), { notes: [] });
  });

  it("attaches the responder and the check to every eni-prefix network (one NAD for all AZs), by name and interface", () => {
    const networks = [
      { name: "routed", ipam: "eni-prefix", routes: ["10.0.0.0/16"] },
      { name: "routed-b", ipam: "eni-prefix", routes: ["10.0.0.0/16"] },
    ];
    const { plan } = planFor({ networks, ...nodes(2) });
    assert.ok(plan);
    const expected = [
      { name: "routed", interface: "net1" },
      { name: "routed-b", interface: "net2" },
    ];
    assert.deepEqual(JSON.parse(plan.responder.networksAnnotation), expected);
    assert.deepEqual(JSON.parse(plan.check.networksAnnotation), expected);
    assert.deepEqual(plan.check.scriptArguments, ["routed=net1", "routed-b=net2"]);
    assert.equal(plan.responder.name, CROSS_NODE_RESPONDER);
    assert.equal(plan.responder.sameNodeAs, undefined);
    assert.equal(plan.responder.nodeSelector, undefined);
  });

  it("leaves cross-AZ routing to the NAD: no note, whatever the network's routes", () => {
    const multiZone = planFor({ networks: [{ name: "routed", ipam: "eni-prefix" }], ...nodes(2) });
    assert.ok(multiZone.plan);
    assert.deepEqual(multiZone.notes, []);
  });

  it("keeps the check pod off the responder's node and hands the script its namespace, node and responder", () => {
    const { plan } = planFor({ networks: PREFIX_NETWORKS, ...nodes(2) });
    assert.ok(plan);
    const job = crossNodeJobSpec(plan.check, "registry.example.cn/busybox:1") as Json;
    const spec = job.template.spec;
    assert.deepEqual(spec.affinity, {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchLabels: { "multus-eks/sample": CROSS_NODE_RESPONDER } },
            topologyKey: "kubernetes.io/hostname",
          },
        ],
      },
    });
    assert.equal(spec.affinity.podAffinity, undefined);
    assert.equal(spec.serviceAccountName, CROSS_NODE_CHECK);
    assert.equal(spec.restartPolicy, "Never");
    const [container] = spec.containers;
    assert.deepEqual(container.command, ["sh", "-c", crossNodeCheckScript, CROSS_NODE_CHECK, "routed=net1"]);
    assert.deepEqual(container.env, [
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "RESPONDER_POD", value: CROSS_NODE_RESPONDER },
    ]);
    assert.equal(container.securityContext, undefined, "Pod Security baseline refuses added NET_RAW");
    assert.equal(
      job.template.metadata.annotations["k8s.v1.cni.cncf.io/networks"],
      plan.check.networksAnnotation,
    );
    // The script reads the annotation Multus writes, under the name Multus gives it (namespace/NAD).
    assert.match(crossNodeCheckScript, /k8s\\\.v1\\\.cni\\\.cncf\\\.io\/network-status/);
    assert.match(crossNodeCheckScript, /name="\$POD_NAMESPACE\/\$\{target%%=\*\}"/);
  });
});

describe("Cross-node check through the stack program (mocks)", function () {
  it("creates the responder, least-privilege RBAC and the Job, in order, under the component and its provider", async () => {
    const run = await runNetworks(ningxia({ networks: PREFIX_NETWORKS, ...nodes(2) }));
    const component = run.one(TYPES.component).key;
    const provider = run.one(TYPES.provider).key;
    const responder = run.one(TYPES.pod, `${run.settings.clusterName}-${CROSS_NODE_RESPONDER}`);
    const serviceAccount = run.one(TYPES.serviceAccount, `${run.settings.clusterName}-${CROSS_NODE_CHECK}`);
    const role = run.one(ROLE);
    const binding = run.one(ROLE_BINDING);
    const job = run.one(TYPES.job, `${run.settings.clusterName}-${CROSS_NODE_CHECK}`);
    for (const resource of [responder, serviceAccount, role, binding, job]) {
      assert.equal(resource.parent, component, resource.key);
      assert.equal(resource.provider, provider, resource.key);
    }

    assert.deepEqual((role.inputs as Json).rules, [
      { apiGroups: [""], resources: ["pods"], resourceNames: [CROSS_NODE_RESPONDER], verbs: ["get"] },
    ]);
    assert.equal((role.inputs as Json).metadata.namespace, "default");
    assert.deepEqual(
      run
        .byType(TYPES.clusterRoleBinding)
        .map((binding) => (binding.inputs as Json).roleRef.name)
        .sort(),
      ["multus", "multus-eks:nad-reader"],
      "only Multus's own ClusterRoleBinding and the bastion's NAD read access",
    );
    assert.deepEqual((binding.inputs as Json).roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: (role.inputs as Json).metadata.name,
    });
    assert.deepEqual((binding.inputs as Json).subjects, [
      { kind: "ServiceAccount", name: CROSS_NODE_CHECK, namespace: "default" },
    ]);
    assert.equal((serviceAccount.inputs as Json).automountServiceAccountToken, false);

    const routedNad = run.byType(TYPES.nad).find((nad) => (nad.inputs as Json).metadata.name === "routed");
    assert.ok(routedNad);
    assert.ok(responder.dependsOn.includes(routedNad.key), "responder after its NAD");
    assert.ok(job.dependsOn.includes(responder.key), "check after the responder");
    assert.ok(job.dependsOn.includes(binding.key), "check after its RoleBinding");
    assert.ok(binding.dependsOn.includes(role.key) && binding.dependsOn.includes(serviceAccount.key));
    assert.equal(job.deleteBeforeReplace, true);
    assert.equal(responder.deleteBeforeReplace, true);

    assert.deepEqual(
      JSON.parse((responder.inputs as Json).metadata.annotations["k8s.v1.cni.cncf.io/networks"]),
      [{ name: "routed", interface: "net1" }],
    );
    assert.equal((job.inputs as Json).spec.template.spec.serviceAccountName, CROSS_NODE_CHECK);
    assert.ok((run.outputs.checkJobNames as string[]).includes(CROSS_NODE_CHECK));
    assert.ok((run.outputs.sampleNames as string[]).includes(CROSS_NODE_RESPONDER));
  });

  it("adds nothing on one node, and only a note", async () => {
    const run = await runNetworks(ningxia({ networks: PREFIX_NETWORKS, ...nodes(1) }));
    assert.equal(run.byType(ROLE).length, 0);
    assert.ok(!run.resources.some((resource) => resource.name.includes("cross-node")));
    assert.match((run.outputs.checkNotes as string[]).join("\n"), /not pinged across nodes/);
  });

  for (const [stack, raw] of [
    ["ningxia", ningxia()],
    ["beijing", beijing()],
    ["ningxia on two nodes (host-local only)", ningxia(nodes(2))],
  ] as const) {
    it(`leaves the ${stack} stack without any cross-node resource`, async () => {
      const run = await runNetworks(raw);
      assert.ok(!run.resources.some((resource) => resource.name.includes("cross-node")));
      assert.equal(run.byType(ROLE).length + run.byType(ROLE_BINDING).length, 0);
      assert.deepEqual(
        run.byType(TYPES.job).map((job) => (job.inputs as Json).metadata.name),
        run.settings.nodeGroup.availabilityZones.length > 1
          ? ["multus-connectivity-check-a", "multus-connectivity-check-b"]
          : ["multus-connectivity-check"],
      );
      // The samples only (Deployments): no responder pod.
      assert.equal(run.byType(TYPES.pod).length, 0);
      assert.deepEqual(
        [...(run.outputs.sampleNames as string[])].sort(),
        run
          .byType(TYPES.deployment)
          .map((sample) => (sample.inputs as Json).metadata.name)
          .sort(),
      );
    });
  }
});
