// MultusNetworks built from parsed stack settings under Pulumi's mocks: every Kubernetes object,
// images per region, Helm or YAML (never both), resource order, and the provider on every child.
import { strict as assert } from "node:assert";
import { beijing, ningxia, NetworksRun, runNetworks, TYPES, ACCOUNT_ID } from "./harness";
import { resourcesOfType, runStack, type OfflineRun, type RecordedResource } from "../support/offline";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const YAML_INSTALL_TYPES = [
  TYPES.crd,
  TYPES.serviceAccount,
  TYPES.clusterRole,
  TYPES.clusterRoleBinding,
  TYPES.configMap,
  TYPES.daemonSet,
];

function daemonSetImages(run: NetworksRun): string[] {
  const spec = run.one(TYPES.daemonSet).inputs.spec as Json;
  return [...spec.template.spec.initContainers, ...spec.template.spec.containers].map(
    (container: Json) => container.image,
  );
}

describe("MultusNetworks (YAML install, blog defaults)", () => {
  let run: NetworksRun;
  before(async () => {
    run = await runNetworks(ningxia());
  });

  it("declares the NAD CRD: k8s.cni.cncf.io, v1, namespaced, spec.config a string", () => {
    const crd = run.one(TYPES.crd).inputs as Json;
    assert.equal(crd.metadata.name, "network-attachment-definitions.k8s.cni.cncf.io");
    assert.equal(crd.spec.group, "k8s.cni.cncf.io");
    assert.equal(crd.spec.scope, "Namespaced");
    assert.equal(crd.spec.names.kind, "NetworkAttachmentDefinition");
    assert.deepEqual(
      crd.spec.versions.map((version: Json) => [version.name, version.served, version.storage]),
      [["v1", true, true]],
    );
    assert.deepEqual(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.config, {
      type: "string",
    });
  });

  it("declares the service account, the RBAC the daemon needs, and binds them", () => {
    assert.deepEqual((run.one(TYPES.serviceAccount).inputs as Json).metadata, {
      name: "multus",
      namespace: "kube-system",
    });
    const role = run.one(TYPES.clusterRole, `${run.settings.clusterName}-multus-role`).inputs as Json;
    const verbsOf = (group: string, resource: string): string[] =>
      role.rules
        .filter((rule: Json) => rule.apiGroups.includes(group) && rule.resources.includes(resource))
        .flatMap((rule: Json) => rule.verbs);
    assert.deepEqual(verbsOf("k8s.cni.cncf.io", "*").sort(), ["get", "list", "watch"]);
    assert.deepEqual(verbsOf("", "pods").sort(), ["get", "list", "update", "watch"]);
    assert.deepEqual(verbsOf("", "pods/status").sort(), ["get", "patch", "update"]);
    assert.deepEqual(verbsOf("", "events").sort(), ["create", "patch", "update"]);
    const binding = run.one(TYPES.clusterRoleBinding, `${run.settings.clusterName}-multus-binding`)
      .inputs as Json;
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "multus",
    });
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "multus", namespace: "kube-system" },
    ]);
  });

  it("configures the daemon with the VPC CNI's 10-aws.conflist as master CNI", () => {
    const configMap = run.one(TYPES.configMap).inputs as Json;
    assert.equal(configMap.metadata.name, "multus-daemon-config");
    assert.equal(configMap.metadata.namespace, "kube-system");
    assert.deepEqual(JSON.parse(configMap.data["daemon-config.json"]), {
      chrootDir: "/hostroot",
      cniVersion: "0.3.1",
      logLevel: "verbose",
      logToStderr: true,
      cniConfigDir: "/host/etc/cni/net.d",
      multusAutoconfigDir: "/host/etc/cni/net.d",
      multusConfigFile: "auto",
      socketDir: "/host/run/multus/",
      multusMasterCNI: "10-aws.conflist",
      readinessindicatorfile: "/host/etc/cni/net.d/10-aws.conflist",
    });
  });

  it("runs kube-multus-ds in kube-system from the Ningxia EKS registry, privileged on every Linux node", () => {
    const daemonSet = run.one(TYPES.daemonSet).inputs as Json;
    assert.equal(daemonSet.metadata.name, "kube-multus-ds");
    assert.equal(daemonSet.metadata.namespace, "kube-system");
    assert.deepEqual(daemonSetImages(run), [
      "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
      "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
    ]);
    const pod = daemonSet.spec.template.spec;
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.hostPID, true);
    assert.equal(pod.priorityClassName, "system-node-critical");
    assert.equal(pod.serviceAccountName, "multus");
    assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
    assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux" });
    const arch =
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions.find(
        (expression: Json) => expression.key === "kubernetes.io/arch",
      );
    assert.deepEqual(arch.values, ["amd64", "arm64"]);
    assert.equal(pod.initContainers[0].name, "install-multus-binary");
    assert.match(pod.initContainers[0].command.join(" "), /multus-shim \/host\/opt\/cni\/bin\/multus-shim/);
    assert.equal(pod.containers[0].name, "kube-multus");
    assert.match(pod.containers[0].command[0], /multus-daemon$/);
    const hostPaths = pod.volumes
      .filter((volume: Json) => volume.hostPath)
      .map((volume: Json) => volume.hostPath.path);
    for (const path of ["/etc/cni/net.d", "/opt/cni/bin", "/run", "/var/lib/kubelet", "/"]) {
      assert.ok(hostPaths.includes(path), `host path ${path} is mounted`);
    }
    // Every mount names a declared volume.
    const volumes = new Set(pod.volumes.map((volume: Json) => volume.name));
    for (const container of [...pod.initContainers, ...pod.containers]) {
      for (const mount of container.volumeMounts) assert.ok(volumes.has(mount.name), mount.name);
    }
    // The daemon's config is mounted where multus-daemon reads it.
    const configMount = pod.containers[0].volumeMounts.find(
      (mount: Json) => mount.name === "multus-daemon-config",
    );
    assert.equal(configMount.mountPath, "/etc/cni/net.d/multus.d");
  });

  it("stores each NAD's CNI config as JSON text in the default namespace", () => {
    const nads = run.byType(TYPES.nad).map((resource) => resource.inputs as Json);
    assert.deepEqual(
      nads.map((nad) => [nad.metadata.name, nad.metadata.namespace, JSON.parse(nad.spec.config).master]),
      [
        ["ipvlan-conf-1", "default", "multus1"],
        ["ipvlan-conf-2", "default", "multus2"],
      ],
    );
    assert.equal(
      nads[1].spec.config,
      '{"cniVersion":"0.3.1","type":"ipvlan","master":"multus2","mode":"l2","capabilities":{"ips":true},' +
        '"ipam":{"type":"host-local","subnet":"10.0.6.0/24","rangeStart":"10.0.6.10","rangeEnd":"10.0.6.30","gateway":"10.0.6.1"}}',
    );
  });

  it("creates the samples and the check with the account's ECR mirror image by default", () => {
    const image = `${ACCOUNT_ID}.dkr.ecr.cn-northwest-1.amazonaws.com.cn/multus-samples/busybox:1.36.1`;
    const samples = run.byType(TYPES.deployment).map((resource) => resource.inputs as Json);
    assert.deepEqual(samples.map((sample) => sample.metadata.name).sort(), ["sampleapp-1", "sampleapp-dual"]);
    for (const sample of samples) assert.equal(sample.spec.template.spec.containers[0].image, image);
    const job = run.one(TYPES.job).inputs as Json;
    assert.equal(job.metadata.name, "multus-connectivity-check");
    assert.equal(job.spec.template.spec.containers[0].image, image);
    assert.ok(job.spec.backoffLimit <= 3 && job.spec.activeDeadlineSeconds > 0);
    assert.deepEqual(run.outputs.sampleNames, ["sampleapp-1", "sampleapp-dual"]);
    assert.deepEqual(run.outputs.checkJobNames, ["multus-connectivity-check"]);
    assert.deepEqual(run.outputs.nadNames, {
      "ipvlan-conf-1": { "cn-northwest-1a": "ipvlan-conf-1" },
      "ipvlan-conf-2": { "cn-northwest-1a": "ipvlan-conf-2" },
    });
  });

  it("puts every Kubernetes object under the component and on the cluster's provider", () => {
    const component = run.one(TYPES.component);
    const provider = run.one(TYPES.provider);
    const children = run.resources.filter((resource) => resource.type.startsWith("kubernetes:"));
    // Multus (6), NADs, samples, check, the namespace's Pod Security labels, and the bastion's NAD
    // read access (ClusterRole and binding).
    assert.equal(children.length, 6 + 2 + 2 + 1 + 1 + 2);
    for (const child of children) {
      assert.equal(child.parent, component.key, child.key);
      assert.equal(child.provider, provider.key, child.key);
    }
  });

  it("orders: node group → Multus → NADs → samples → check", () => {
    const nodes = "test:index:NodeGroup::unit-nodes";
    for (const type of [TYPES.crd, TYPES.serviceAccount, TYPES.configMap, TYPES.daemonSet]) {
      assert.ok(run.one(type).dependsOn.includes(nodes), `${type} waits for the node group`);
    }
    const role = run.one(TYPES.clusterRole, `${run.settings.clusterName}-multus-role`);
    assert.ok(role.dependsOn.includes(nodes), "the ClusterRole waits for the node group");
    const crd = run.one(TYPES.crd).key;
    const daemonSet = run.one(TYPES.daemonSet).key;
    const nads = run.byType(TYPES.nad);
    for (const nad of nads) assert.deepEqual(nad.dependsOn, [crd]);
    const samples = run.byType(TYPES.deployment);
    assert.equal(samples.length, 2);
    for (const sample of samples) {
      for (const nad of nads)
        assert.ok(sample.dependsOn.includes(nad.key), `${sample.name} after ${nad.name}`);
      assert.ok(sample.dependsOn.includes(daemonSet), `${sample.name} after the daemonset`);
      assert.equal(sample.deleteBeforeReplace, true);
    }
    assert.deepEqual(run.one(TYPES.job).dependsOn.sort(), samples.map((sample) => sample.key).sort());
  });

  it("declares no Helm release", () => {
    assert.equal(run.byType(TYPES.release).length, 0);
  });
});

describe("MultusNetworks images and install methods", () => {
  it("pulls from the Beijing EKS registry in cn-north-1", async () => {
    const run = await runNetworks(beijing());
    assert.deepEqual(daemonSetImages(run), [
      "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
      "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
    ]);
    const sample = run.byType(TYPES.deployment)[0].inputs as Json;
    assert.equal(
      sample.spec.template.spec.containers[0].image,
      `${ACCOUNT_ID}.dkr.ecr.cn-north-1.amazonaws.com.cn/multus-samples/busybox:1.36.1`,
    );
  });

  it("takes registry, repository and tag overrides, and an explicit sample image", async () => {
    const run = await runNetworks(
      beijing({
        multusImageRegistry: "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn",
        multusImageRepository: "mirror/multus",
        multusImageTag: "v4.1.4-custom",
        // An unknown tag needs its init command (see multus-daemon-settings.test.ts).
        multusInitCommand: ["cp", "/usr/src/multus-cni/bin/multus-shim", "/host/opt/cni/bin/multus-shim"],
        sampleImage: "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/tools/netshoot:v0.13",
      }),
    );
    assert.deepEqual(daemonSetImages(run), [
      "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/mirror/multus:v4.1.4-custom",
      "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/mirror/multus:v4.1.4-custom",
    ]);
    for (const sample of run.byType(TYPES.deployment)) {
      assert.equal(
        (sample.inputs as Json).spec.template.spec.containers[0].image,
        "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/tools/netshoot:v0.13",
      );
    }
  });

  it("installs with Helm instead of YAML when asked, and the NADs wait for the release", async () => {
    const run = await runNetworks(
      ningxia({
        multusInstall: "helm",
        multusHelmChart: "oci://111122223333.dkr.ecr.cn-northwest-1.amazonaws.com.cn/charts/multus",
        multusHelmVersion: "1.2.3",
        multusHelmValues: { image: { tag: "v4.1.4" } },
      }),
    );
    // (The bastion's NAD reader ClusterRole and binding are not part of the install.)
    const installed = (type: string) =>
      run.byType(type).filter((resource) => !resource.name.endsWith("-nad-reader"));
    for (const type of YAML_INSTALL_TYPES) assert.equal(installed(type).length, 0, `${type} not declared`);
    const release = run.one(TYPES.release);
    assert.equal(
      release.inputs.chart,
      "oci://111122223333.dkr.ecr.cn-northwest-1.amazonaws.com.cn/charts/multus",
    );
    assert.equal(release.inputs.version, "1.2.3");
    assert.equal(release.inputs.namespace, "kube-system");
    // The chart's DaemonSet must tolerate the node startup taint too (CONTRACTS item 6).
    assert.deepEqual(release.inputs.values, {
      image: { tag: "v4.1.4" },
      tolerations: [{ operator: "Exists" }],
    });
    assert.ok(release.dependsOn.includes("test:index:NodeGroup::unit-nodes"));
    for (const nad of run.byType(TYPES.nad)) assert.deepEqual(nad.dependsOn, [release.key]);
  });

  it("passes a chart repository URL to the release", async () => {
    const run = await runNetworks(
      ningxia({
        multusInstall: "helm",
        multusHelmChart: "multus",
        multusHelmRepository: "https://charts.example.cn/multus",
      }),
    );
    assert.deepEqual(run.one(TYPES.release).inputs.repositoryOpts, {
      repo: "https://charts.example.cn/multus",
    });
  });

  it("declares no samples and no check when samples are off", async () => {
    const run = await runNetworks(ningxia({ samplesEnabled: false }));
    assert.equal(
      run.byType(TYPES.pod).length + run.byType(TYPES.deployment).length + run.byType(TYPES.job).length,
      0,
    );
    assert.equal(run.byType(TYPES.nad).length, 2);
    assert.deepEqual(run.outputs.sampleNames, []);
  });
});

describe("MultusNetworks on a multi-AZ node group", () => {
  let run: NetworksRun;
  before(async () => {
    run = await runNetworks(ningxia({ nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"] }));
  });

  it("declares per-AZ NADs and reports them per network and AZ", () => {
    assert.deepEqual(
      run.byType(TYPES.nad).map((nad) => (nad.inputs as Json).metadata.name),
      ["ipvlan-conf-1-a", "ipvlan-conf-1-b", "ipvlan-conf-2-a", "ipvlan-conf-2-b"],
    );
    assert.deepEqual(run.outputs.nadNames, {
      "ipvlan-conf-1": { "cn-northwest-1a": "ipvlan-conf-1-a", "cn-northwest-1b": "ipvlan-conf-1-b" },
      "ipvlan-conf-2": { "cn-northwest-1a": "ipvlan-conf-2-a", "cn-northwest-1b": "ipvlan-conf-2-b" },
    });
  });

  it("pins samples and checks to their AZ and uses that AZ's NADs", () => {
    // Registration order under mocks follows output resolution, so compare by name.
    const samples = run
      .byType(TYPES.deployment)
      .map((resource) => resource.inputs as Json)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    assert.deepEqual(
      samples.map((sample) => [
        sample.metadata.name,
        sample.spec.template.spec.nodeSelector["topology.kubernetes.io/zone"],
      ]),
      [
        ["sampleapp-1-a", "cn-northwest-1a"],
        ["sampleapp-1-b", "cn-northwest-1b"],
        ["sampleapp-dual-a", "cn-northwest-1a"],
        ["sampleapp-dual-b", "cn-northwest-1b"],
      ],
    );
    const dualB = JSON.parse(samples[3].spec.template.metadata.annotations["k8s.v1.cni.cncf.io/networks"]);
    assert.deepEqual(dualB, [
      { name: "ipvlan-conf-1-b", interface: "net1", ips: ["10.0.5.79/24"] },
      { name: "ipvlan-conf-2-b", interface: "net2", ips: ["10.0.7.30/24"] },
    ]);
    assert.deepEqual(run.outputs.checkJobNames, [
      "multus-connectivity-check-a",
      "multus-connectivity-check-b",
    ]);
  });
});

describe("MultusNetworks samples outlive their node", () => {
  // Kubernetes docs, "Pods and controllers" (https://kubernetes.io/docs/concepts/workloads/pods/#pods-and-controllers):
  // a workload resource's controller notices the Pods of a failed Node and creates replacements; a
  // bare Pod is not rescheduled. These are the long-running kinds whose controller does that.
  const RECREATED_BY_A_CONTROLLER = new Set([TYPES.deployment, "kubernetes:apps/v1:StatefulSet"]);
  const stacks: [string, Record<string, unknown>][] = [
    ["check on (pinned addresses)", {}],
    ["check off", { connectivityCheckEnabled: false }],
    ["two AZs", { nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"] }],
  ];

  for (const [label, overrides] of stacks) {
    describe(label, () => {
      let run: NetworksRun;
      before(async () => {
        run = await runNetworks(ningxia(overrides));
      });

      const samples = () =>
        run.resources.filter((resource) =>
          (run.outputs.sampleNames as string[]).includes((resource.inputs as Json).metadata?.name),
        );

      it("runs every sample under a controller that recreates it after eviction, none as a bare Pod", () => {
        const names = run.outputs.sampleNames as string[];
        assert.ok(names.length >= 2);
        assert.deepEqual(
          samples()
            .map((resource) => (resource.inputs as Json).metadata.name)
            .sort(),
          [...names].sort(),
          "one workload per sample",
        );
        for (const sample of samples()) {
          assert.ok(RECREATED_BY_A_CONTROLLER.has(sample.type), `${sample.name} is a ${sample.type}`);
          assert.equal((sample.inputs as Json).spec.replicas, 1, sample.name);
        }
      });

      it("replaces a sample's pod only after the old one is deleted (Recreate), as pinned addresses need", () => {
        for (const sample of samples()) {
          assert.deepEqual((sample.inputs as Json).spec.strategy, { type: "Recreate" }, sample.name);
        }
      });

      it("names, in each pod template's Multus annotation, only NADs the stack declares", () => {
        const nads = new Set(
          run.byType(TYPES.nad).map((nad) => (nad.inputs as Json).metadata.name as string),
        );
        for (const sample of samples()) {
          const annotation = (sample.inputs as Json).spec.template.metadata.annotations[
            "k8s.v1.cni.cncf.io/networks"
          ] as string;
          // Either the blog's comma-separated names or the JSON network selection form.
          const named = annotation.trim().startsWith("[")
            ? (JSON.parse(annotation) as { name: string }[]).map((selection) => selection.name)
            : annotation.split(",").map((name) => name.trim());
          assert.ok(named.length >= 1, sample.name);
          for (const name of named) assert.ok(nads.has(name), `${sample.name} names NAD ${name}`);
        }
      });

      const checked = overrides.connectivityCheckEnabled !== false;
      if (checked)
        it("lets the check Job find the samples' pods by label", () => {
          const templates = samples().map((sample) => (sample.inputs as Json).spec.template.metadata.labels);
          const jobs = run.byType(TYPES.job);
          assert.ok(jobs.length >= 1);
          for (const job of jobs) {
            const terms = (job.inputs as Json).spec.template.spec.affinity.podAffinity
              .requiredDuringSchedulingIgnoredDuringExecution as { labelSelector: { matchLabels: Json } }[];
            for (const term of terms) {
              const wanted = Object.entries(term.labelSelector.matchLabels);
              assert.ok(
                templates.some((labels) => wanted.every(([key, value]) => labels[key] === value)),
                `${job.name}: a sample's pod template carries ${JSON.stringify(term.labelSelector.matchLabels)}`,
              );
            }
          }
        });
    });
  }
});

describe("MultusNetworks across a change of node AZs (one AZ ↔ several)", () => {
  // A sample renamed by the change (sampleapp-1 ↔ sampleapp-1-a) takes over its predecessor's pinned
  // addresses on the same nodes. On a node, ipvlan refuses an address another link of its master
  // holds (EADDRINUSE), so the new pod cannot start while the old one runs; and `pulumi up` creates a
  // renamed resource, waiting for it to be ready, before it deletes the old one (shown by the real
  // engine, tests/k8s/networks-engine.test.ts). With the old name as an alias the engine replaces the
  // Deployment instead, deleting first (deleteBeforeReplace).
  const ONE_AZ = {};
  const TWO_AZS = { nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"] };

  /** Pulumi name of the sample Deployment that pins each address. */
  function holders(run: OfflineRun): Map<string, RecordedResource> {
    const entries = resourcesOfType(run, TYPES.deployment).flatMap((resource) => {
      const annotation = (resource.inputs as Json).spec.template.metadata.annotations[
        "k8s.v1.cni.cncf.io/networks"
      ] as string;
      return (JSON.parse(annotation) as { ips?: string[] }[])
        .flatMap((selection) => selection.ips ?? [])
        .map((address) => [address, resource] as const);
    });
    return new Map(entries);
  }

  for (const [label, from, to] of [
    ["one AZ → two", ONE_AZ, TWO_AZS],
    ["two AZs → one", TWO_AZS, ONE_AZ],
  ] as const) {
    it(`${label}: a sample that takes over pinned addresses under a new name aliases their old holder`, async () => {
      const before = holders(await runStack("ningxia", from));
      const after = holders(await runStack("ningxia", to));
      const moved = [...after].filter(
        ([address, holder]) => (before.get(address)?.name ?? holder.name) !== holder.name,
      );
      assert.ok(moved.length >= 1, "some pinned address changes holder");
      for (const [address, holder] of moved) {
        const old = before.get(address)!.name;
        const aliases = ((holder.engine?.options.aliases ?? []) as { spec?: { name?: string } }[]).map(
          (alias) => alias.spec?.name,
        );
        assert.ok(aliases.includes(old), `${holder.name} (${address}) aliases ${old}: ${aliases.join()}`);
        assert.equal(holder.engine?.options.deleteBeforeReplace, true, holder.name);
      }
    });
  }
});
