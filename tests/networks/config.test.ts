// Multus settings: defaults, and every validation error naming the setting and the fix. Also keeps
// Pulumi.yaml's declarations of these settings identical to the schema.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, SETTINGS } from "../../stacks/config";
import { imageRegistry } from "../../stacks/config/multus";
import { beijing, ningxia, settingsOf } from "./harness";

const MULTUS_SETTINGS = [
  "multusInstall",
  "multusImageRegistry",
  "multusImageRepository",
  "multusImageTag",
  "multusInitCommand",
  "multusDaemonCpuRequest",
  "multusDaemonCpuLimit",
  "multusDaemonMemoryRequest",
  "multusDaemonMemoryLimit",
  "multusHelmChart",
  "multusHelmRepository",
  "multusHelmVersion",
  "multusHelmValues",
  "samplesEnabled",
  "sampleImage",
  "connectivityCheckEnabled",
] as const;

function problemsOf(raw: Record<string, unknown>): { setting: string; message: string }[] {
  try {
    settingsOf(raw);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  assert.fail("expected a ConfigError");
}

function expectProblem(raw: Record<string, unknown>, setting: string, message: RegExp): void {
  const problems = problemsOf(raw);
  const match = problems.find(
    (problem) => problem.setting === `multus-eks:${setting}` && message.test(problem.message),
  );
  assert.ok(match, `expected ${setting} ~ ${message}, got ${JSON.stringify(problems, null, 2)}`);
}

describe("Multus settings", () => {
  it("defaults to the YAML install of the region's EKS image, samples and check on", () => {
    const settings = settingsOf(ningxia());
    assert.deepEqual(settings.multus, {
      install: {
        method: "yaml",
        registry: "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
        repository: "eks/multus-cni",
        tag: "v4.1.4-eksbuild.3_thick",
        image: "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
        version: {
          binaries: ["multus-shim"],
          initCommand: ["cp", "/usr/src/multus-cni/bin/multus-shim", "/host/opt/cni/bin/multus-shim"],
          daemonCommand: ["/usr/src/multus-cni/bin/multus-daemon"],
        },
        resources: { cpuRequest: "100m", cpuLimit: "1", memoryRequest: "384Mi", memoryLimit: "384Mi" },
      },
      samplesEnabled: true,
      connectivityCheckEnabled: true,
    });
    const { install } = settingsOf(beijing()).multus;
    assert.equal(
      install.method === "yaml" ? install.image : install.method,
      "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
    );
  });

  it("turns the check off with the samples", () => {
    assert.equal(settingsOf(ningxia({ samplesEnabled: false })).multus.connectivityCheckEnabled, false);
  });

  it("reads string config values as the engine passes them", () => {
    const settings = settingsOf(
      ningxia({
        samplesEnabled: "false",
        multusInstall: "helm",
        multusHelmChart: "multus",
        multusHelmRepository: "https://charts.example.cn",
        multusHelmValues: '{"a":1}',
      }),
    );
    assert.deepEqual(settings.multus.install, {
      method: "helm",
      chart: "multus",
      repository: "https://charts.example.cn",
      values: { a: 1 },
    });
    assert.equal(settings.multus.samplesEnabled, false);
  });

  it("rejects Helm settings on a YAML install: either Helm or YAML", () => {
    expectProblem(
      ningxia({ multusHelmChart: "multus" }),
      "multusHelmChart",
      /either with Helm or from YAML, never both/,
    );
    expectProblem(ningxia({ multusHelmValues: { a: 1 } }), "multusHelmValues", /multusInstall is "yaml"/);
  });

  it("rejects image settings on a Helm install: either Helm or YAML", () => {
    expectProblem(
      ningxia({
        multusInstall: "helm",
        multusHelmChart: "multus",
        multusHelmRepository: "https://c.example.cn",
        multusImageTag: "v9",
      }),
      "multusImageTag",
      /either with Helm or from YAML, never both; put the image in multusHelmValues/,
    );
  });

  it("needs a chart for a Helm install", () => {
    expectProblem(
      ningxia({ multusInstall: "helm" }),
      "multusHelmChart",
      /is empty but multusInstall is "helm": name the chart/,
    );
  });

  it("rejects an unknown install method, a repository beside an OCI chart and a bad repository URL", () => {
    expectProblem(
      ningxia({ multusInstall: "kustomize" }),
      "multusInstall",
      /use "yaml" \(default\) or "helm"/,
    );
    expectProblem(
      ningxia({
        multusInstall: "helm",
        multusHelmChart: "oci://r.example.cn/multus",
        multusHelmRepository: "https://x.example.cn",
      }),
      "multusHelmRepository",
      /must be empty for the OCI chart/,
    );
    expectProblem(
      ningxia({
        multusInstall: "helm",
        multusHelmChart: "multus",
        multusHelmRepository: "charts.example.cn",
      }),
      "multusHelmRepository",
      /not a chart repository URL/,
    );
    expectProblem(
      ningxia({ multusInstall: "helm", multusHelmChart: "multus", multusHelmValues: [1] }),
      "multusHelmValues",
      /map of chart values/,
    );
  });

  it("rejects sample images from registries China nodes cannot pull from", () => {
    for (const image of [
      "docker.io/library/busybox:1.36",
      "busybox:1.36",
      "ghcr.io/nicolaka/netshoot:v0.13",
      "public.ecr.aws/docker/library/busybox:1.36",
    ]) {
      expectProblem(
        ningxia({ sampleImage: image }),
        "sampleImage",
        /cannot pull from: copy the image into your own ECR/,
      );
    }
    // Outside China the same image is fine.
    const global = settingsOf({
      "aws:region": "us-west-2",
      availabilityZones: ["us-west-2a", "us-west-2b"],
      sampleImage: "busybox:1.36",
    });
    assert.equal(global.multus.sampleImage, "busybox:1.36");
  });

  it("rejects a Multus registry China nodes cannot pull from, and malformed image parts", () => {
    expectProblem(
      ningxia({ multusImageRegistry: "ghcr.io" }),
      "multusImageRegistry",
      /cannot be pulled from in cn-northwest-1/,
    );
    expectProblem(
      ningxia({ multusImageRegistry: "https://x" }),
      "multusImageRegistry",
      /not a registry host/,
    );
    expectProblem(
      ningxia({ multusImageRepository: "Eks/Multus" }),
      "multusImageRepository",
      /not a repository path/,
    );
    expectProblem(ningxia({ multusImageTag: "v1:2" }), "multusImageTag", /not an image tag/);
  });

  it("finds the registry of an image reference", () => {
    assert.equal(imageRegistry("busybox"), "docker.io");
    assert.equal(imageRegistry("library/busybox:1"), "docker.io");
    assert.equal(imageRegistry("localhost:5000/busybox"), "localhost:5000");
    assert.equal(
      imageRegistry("1.dkr.ecr.cn-north-1.amazonaws.com.cn/a/b:c"),
      "1.dkr.ecr.cn-north-1.amazonaws.com.cn",
    );
  });

  it("names the network whose per-AZ NAD name would be too long", () => {
    const name = "n".repeat(62);
    expectProblem(
      ningxia({ nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"], networks: [{ name }] }),
      "networks[0].name",
      /network "n{62}": its NAD for cn-northwest-1a would be .* shorten the network name/,
    );
    // On one AZ the same name is fine.
    assert.equal(settingsOf(ningxia({ networks: [{ name }] })).networks[0].name, name);
  });

  it("names the network whose range is too small to pin the samples' and the check's addresses", () => {
    const networks = [{ name: "tiny", rangeStart: 70, rangeEnd: 71 }, { name: "other" }];
    expectProblem(
      ningxia({ networks }),
      "connectivityCheckEnabled",
      /network "tiny": its range 10\.0\.4\.70-10\.0\.4\.71 in cn-northwest-1a has 2 address\(es\).*set connectivityCheckEnabled to false/,
    );
    assert.equal(
      settingsOf(ningxia({ networks, connectivityCheckEnabled: false })).multus.connectivityCheckEnabled,
      false,
    );
  });

  it("declares the Multus settings in Pulumi.yaml exactly as in the schema", () => {
    const project = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { type: string; description: string; default: unknown }>;
    };
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
    for (const name of MULTUS_SETTINGS) {
      const spec = SETTINGS[name];
      if (spec.kind === "object") {
        assert.equal(project.config[name], undefined, `${name} is documented in a comment`);
        assert.match(text, new RegExp(`^#\\s+${name}\\b`, "m"));
        continue;
      }
      // Lists also declare their item type (checked with every setting in project-files.test.ts).
      const { items: _items, ...declared } = project.config[name] as Record<string, unknown>;
      assert.deepEqual(
        declared,
        { type: spec.kind, description: spec.description, default: spec.default },
        name,
      );
    }
  });
});
