// Pure parts of preflight: image references and manifest URLs, the aws CLI version rule, the
// plugin cache layout, and what the stack takes from the quotas against the offline plan.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  awsCliVersionProblem,
  pluginDirectory,
  pluginInstalled,
  requiredPlugins,
} from "../../stacks/preflight/checks/machine";
import { ecrRegistry, manifestUrl, parseImage } from "../../stacks/preflight/registry";
import { EKS_CONTROL_PLANE_ENIS, stackNeeds } from "../../stacks/preflight/stack-needs";
import {
  EIP,
  INSTANCE,
  INTERNET_GATEWAY,
  NAT_GATEWAY,
  resourcesOfType,
  runStack,
  VPC,
} from "../support/offline";
import { settingsOf } from "./harness";

describe("preflight parts", function () {
  this.timeout(120_000);

  it("asks the region's registry host over HTTPS for the manifest, unless a test gives a base URL", () => {
    const image = parseImage(
      "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick",
    )!;
    assert.deepEqual(image, {
      registry: "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
      repository: "eks/multus-cni",
      reference: "v4.1.4-eksbuild.3_thick",
    });
    assert.equal(
      manifestUrl(image).href,
      "https://961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn/v2/eks/multus-cni/manifests/v4.1.4-eksbuild.3_thick",
    );
    assert.equal(
      manifestUrl(image, "http://127.0.0.1:5000").href,
      "http://127.0.0.1:5000/v2/eks/multus-cni/manifests/v4.1.4-eksbuild.3_thick",
    );
    assert.deepEqual(ecrRegistry(image.registry), { account: "961992271922", region: "cn-northwest-1" });
    assert.deepEqual(ecrRegistry("602401143452.dkr.ecr.us-west-2.amazonaws.com"), {
      account: "602401143452",
      region: "us-west-2",
    });
    assert.equal(ecrRegistry("registry.example.cn"), undefined);
    const digest = `sha256:${"a".repeat(64)}`;
    assert.equal(parseImage(`registry.example.cn:5000/busybox@${digest}`)?.reference, digest);
    assert.equal(parseImage("busybox:1.36.1"), undefined);
  });

  it("accepts the AWS CLI versions @pulumi/eks accepts (v1 ≥ 1.24.0, v2 ≥ 2.7.0)", () => {
    assert.equal(
      awsCliVersionProblem("aws-cli/2.7.0 Python/3.9.11 Linux/5.15 exe/x86_64.ubuntu.22"),
      undefined,
    );
    assert.equal(awsCliVersionProblem("aws-cli/1.24.0 Python/3.8.10 Linux/5.15 botocore/1.26.0"), undefined);
    assert.equal(
      awsCliVersionProblem("aws-cli/2.31.5 Python/3.13.7 Linux/6.1 exe/x86_64.amzn.2023"),
      undefined,
    );
    assert.match(awsCliVersionProblem("aws-cli/2.6.99 Python/3.9 Linux/5.15")!, /older than 2\.7\.0/);
    assert.match(awsCliVersionProblem("aws-cli/1.23.17 Python/3.8 Linux/5.15")!, /older than 1\.24\.0/);
    assert.match(awsCliVersionProblem("aws-cli/3.0.0 Python/3.13")!, /not a major version/);
    assert.match(awsCliVersionProblem("")!, /could not read a version/);
  });

  it("needs the five plugins of the anchors (aws, eks, kubernetes and the eks children's aws, kubernetes)", () => {
    assert.deepEqual(
      requiredPlugins().map((plugin) => `${plugin.name} ${plugin.version}`),
      ["aws 7.48.0", "eks 4.3.0", "kubernetes 4.34.2", "aws 7.25.0", "kubernetes 4.19.0"],
    );
    assert.equal(pluginDirectory({ PULUMI_HOME: "/opt/pulumi" }), "/opt/pulumi/plugins");
    const directory = mkdtempSync(join(tmpdir(), "plugins-"));
    const aws = { name: "aws", version: "7.48.0" };
    assert.equal(pluginInstalled(directory, aws), false);
    mkdirSync(join(directory, "resource-aws-v7.48.0"));
    assert.equal(pluginInstalled(directory, aws), false, "an empty directory is not an installed plugin");
    writeFileSync(join(directory, "resource-aws-v7.48.0", "pulumi-resource-aws"), "");
    assert.equal(pluginInstalled(directory, aws), true);
    writeFileSync(join(directory, "resource-aws-v7.48.0.partial"), "");
    assert.equal(pluginInstalled(directory, aws), false, "an interrupted install is not an installed plugin");
  });

  it("counts what the stack creates as the offline plan declares it", async () => {
    for (const [stack, overrides] of [
      ["ningxia", {}],
      ["beijing", { bastionEnabled: false }],
      ["ningxia", { availabilityZones: ["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"] }],
    ] as const) {
      const run = await runStack(stack, overrides);
      const needs = stackNeeds(settingsOf(stack, overrides), 3);
      const label = `${stack} ${JSON.stringify(overrides)}`;
      assert.equal(needs.vpcs, resourcesOfType(run, VPC).length, label);
      assert.equal(needs.internetGateways, resourcesOfType(run, INTERNET_GATEWAY).length, label);
      assert.equal(needs.natGateways, resourcesOfType(run, NAT_GATEWAY).length, label);
      assert.equal(needs.elasticIps, resourcesOfType(run, EIP).length, label);
      const instances = resourcesOfType(run, INSTANCE).length;
      const maxSize = run.settings.nodeGroup.maxSize;
      assert.equal(
        needs.networkInterfaces,
        needs.natGateways + instances + EKS_CONTROL_PLANE_ENIS + maxSize * 3,
        label,
      );
    }
  });
});
