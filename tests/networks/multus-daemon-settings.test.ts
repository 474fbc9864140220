// The Multus version table, the init command, the daemon's resources and the Lambda-owned tag keys:
// validation names the setting and the fix, before anything is deployed.
import { strict as assert } from "node:assert";
import { ConfigError } from "../../stacks/config";
import { ningxia, runNetworks, settingsOf, TYPES } from "./harness";

function problemsOf(raw: Record<string, unknown>): { setting: string; message: string }[] {
  try {
    settingsOf(raw);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

function expectProblem(raw: Record<string, unknown>, setting: string, message: RegExp): void {
  const problems = problemsOf(raw);
  const match = problems.find(
    (problem) => problem.setting === `multus-eks:${setting}` && message.test(problem.message),
  );
  assert.ok(match, `expected ${setting} ~ ${message}, got ${JSON.stringify(problems, null, 2)}`);
}

const yamlInstall = (raw: Record<string, unknown>) => {
  const { install } = settingsOf(raw).multus;
  assert.equal(install.method, "yaml");
  return install as Extract<typeof install, { method: "yaml" }>;
};

describe("Multus image versions and the init command", () => {
  it("refuses an unknown tag without an init command, naming the known tags and the fix", () => {
    expectProblem(
      ningxia({ multusImageTag: "v4.2.1-eksbuild.1_thick" }),
      "multusImageTag",
      /not a Multus version this program knows \(.*v4\.1\.4-eksbuild\.3_thick.*\).*multusInitCommand/,
    );
  });

  it("accepts an unknown tag with an explicit exec-form init command, and uses it", () => {
    const command = ["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"];
    const install = yamlInstall(
      ningxia({ multusImageTag: "v4.2.3-custom_thick", multusInitCommand: command }),
    );
    assert.deepEqual(install.version.initCommand, command);
    assert.deepEqual(install.version.daemonCommand, ["/usr/src/multus-cni/bin/multus-daemon"]);
  });

  it("knows the published EKS thick builds", () => {
    for (const tag of ["v4.0.2-eksbuild.1_thick", "v4.1.4-eksbuild.1_thick", "v4.1.4-eksbuild.3_thick"]) {
      assert.deepEqual(yamlInstall(ningxia({ multusImageTag: tag })).version.initCommand, [
        "cp",
        "/usr/src/multus-cni/bin/multus-shim",
        "/host/opt/cni/bin/multus-shim",
      ]);
    }
  });

  it("refuses an init command that is not a list of strings", () => {
    expectProblem(ningxia({ multusInitCommand: "cp a b" }), "multusInitCommand", /list of strings/);
    expectProblem(ningxia({ multusInitCommand: ["cp", ""] }), "multusInitCommand", /list of strings/);
  });

  it("refuses the YAML-install settings on a Helm install (the chart owns the daemon)", () => {
    const helm = {
      multusInstall: "helm",
      multusHelmChart: "multus",
      multusHelmRepository: "https://charts.example.cn",
    };
    for (const [setting, value] of [
      ["multusInitCommand", ["cp", "a", "b"]],
      ["multusDaemonMemoryLimit", "1Gi"],
      ["multusDaemonCpuLimit", "2"],
    ] as const) {
      expectProblem(ningxia({ ...helm, [setting]: value }), setting, /multusInstall is "helm"/);
    }
  });
});

describe("Multus daemon resources", () => {
  it("defaults to the figures sized in docs/multus-daemon.md, and reads overrides", () => {
    assert.deepEqual(yamlInstall(ningxia()).resources, {
      cpuRequest: "100m",
      cpuLimit: "1",
      memoryRequest: "384Mi",
      memoryLimit: "384Mi",
    });
    assert.deepEqual(
      yamlInstall(ningxia({ multusDaemonMemoryRequest: "256Mi", multusDaemonMemoryLimit: "1Gi" })).resources,
      { cpuRequest: "100m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "1Gi" },
    );
  });

  it("puts them on the daemon container, and an explicit init command on the init container", async () => {
    const command = ["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"];
    const run = await runNetworks(
      ningxia({
        multusImageTag: "v4.2.3-mirror_thick",
        multusInitCommand: command,
        multusDaemonCpuLimit: "2",
        multusDaemonMemoryLimit: "1Gi",
      }),
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pod = (run.one(TYPES.daemonSet).inputs as any).spec.template.spec;
    assert.deepEqual(pod.containers[0].resources, {
      requests: { cpu: "100m", memory: "384Mi" },
      limits: { cpu: "2", memory: "1Gi" },
    });
    assert.deepEqual(pod.initContainers[0].command, command);
  });

  it("refuses malformed quantities and a request above its limit", () => {
    expectProblem(ningxia({ multusDaemonCpuLimit: "lots" }), "multusDaemonCpuLimit", /not a CPU quantity/);
    expectProblem(
      ningxia({ multusDaemonMemoryLimit: "50MB" }),
      "multusDaemonMemoryLimit",
      /not a memory quantity/,
    );
    expectProblem(
      ningxia({ multusDaemonMemoryRequest: "1Gi", multusDaemonMemoryLimit: "512Mi" }),
      "multusDaemonMemoryRequest",
      /cannot exceed its limit/,
    );
    expectProblem(
      ningxia({ multusDaemonCpuRequest: "1500m", multusDaemonCpuLimit: "1" }),
      "multusDaemonCpuRequest",
      /cannot exceed its limit/,
    );
  });
});

describe("tags the ENI-attach Lambda owns", () => {
  // Before the fix, both were accepted here and failed later inside an apply.
  for (const key of ["node.k8s.amazonaws.com/no_manage", "multus-eks/cluster"]) {
    it(`refuses ${key} in tags, in validation`, () => {
      expectProblem(
        ningxia({ tags: { [key]: "false", team: "telecom" } }),
        `tags.${key}`,
        /set by the ENI-attach Lambda.*remove it/,
      );
    });
  }

  it("still accepts other tags", () => {
    assert.deepEqual(settingsOf(ningxia({ tags: { team: "telecom" } })).tags.team, "telecom");
  });
});
