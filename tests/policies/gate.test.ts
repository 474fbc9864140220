/**
 * The pack through the offline gate: the shipped stacks pass, and a stack seeded with one offending
 * resource (declared in-process after the real program, so parseSettings cannot reject it first)
 * fails with a message that names the resource and the fix.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GateOptions, GateResult, runGate } from "../../stacks/offline/gate";
import { PROJECT_ROOT, readStackFile } from "../../stacks/offline/stack-file";

type Outputs = Record<string, unknown> & {
  vpcId: pulumi.Output<string>;
  subnetIds: { multus: Record<string, Record<string, pulumi.Output<string>>> };
  securityGroupIds: { multus: Record<string, pulumi.Output<string>> };
};

async function gate(
  stack: string,
  seed?: (outputs: Outputs) => void,
  options: GateOptions = {},
): Promise<GateResult> {
  return runGate(readStackFile(stack), {
    ...options,
    ...(seed ? { extraProgram: ({ outputs }) => seed(outputs as Outputs) } : {}),
  });
}

function only(result: GateResult, policyName: string): GateResult["violations"] {
  return result.violations.filter((violation) => violation.policyName === policyName);
}

describe("offline policy gate", () => {
  for (const stack of ["ningxia", "beijing"]) {
    it(`passes the shipped ${stack} stack with no mandatory violation`, async () => {
      const result = await gate(stack);
      assert.deepEqual(result.mandatory, [], result.report);
      assert.ok(result.run.resources.length > 40, "the whole program ran");
    });
  }

  it("also passes ningxia in preview mode, where inputs from other resources are unknown", async () => {
    const result = await gate("ningxia", undefined, { preview: true });
    assert.deepEqual(result.mandatory, [], result.report);
  });

  describe("fails a seeded stack", () => {
    it("with overlapping subnets, linked to the VPC only through dependencies in preview mode", async () => {
      const result = await gate(
        "ningxia",
        (outputs) =>
          new aws.ec2.Subnet("rogue-overlap", { vpcId: outputs.vpcId, cidrBlock: "10.0.4.128/25" }),
        { preview: true },
      );
      const found = only(result, "subnets-no-overlap");
      assert.equal(found.length, 1, result.report);
      assert.equal(found[0].enforcementLevel, "mandatory");
      // Reported on whichever of the two registered later; the message names both.
      const pair = ["rogue-overlap", "eks-multus-cluster-multus-ipvlan-conf-1-a"];
      assert.ok(pair.includes(found[0].resourceName!));
      for (const name of pair) assert.match(found[0].message, new RegExp(`ubnet ${name} `));
      assert.match(found[0].message, /10\.0\.4\.128\/25/);
      assert.match(found[0].message, /Change the CIDR of one of them/);
      assert.match(
        result.report,
        /\[mandatory\] {2}multus-eks v0\.1\.0 {2}subnets-no-overlap {2}\(aws:ec2\/subnet:Subnet: /,
      );
    });

    it("with a Multus ENI without the no_manage tag", async () => {
      const result = await gate("ningxia", (outputs) => {
        new aws.ec2.NetworkInterface("rogue-eni", {
          subnetId: outputs.subnetIds.multus["ipvlan-conf-1"]["cn-northwest-1a"],
          tags: { Name: "forgot-the-tag" },
        });
      });
      const found = only(result, "multus-eni-no-manage");
      assert.equal(found.length, 1, result.report);
      assert.equal(found[0].resourceName, "rogue-eni");
      assert.match(
        found[0].message,
        /ENI rogue-eni .* on Multus subnet .*multus-ipvlan-conf-1-a but lacks the tag node\.k8s\.amazonaws\.com\/no_manage=true/,
      );
      assert.match(found[0].message, /Add tags: \{ "node\.k8s\.amazonaws\.com\/no_manage": "true" \}/);
    });

    it("with an arn:aws: ARN in a China stack", async () => {
      const result = await gate("beijing", () => {
        new aws.iam.RolePolicyAttachment("rogue-arn", {
          role: "some-role",
          policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        });
      });
      const found = only(result, "china-partition");
      assert.equal(found.length, 1, result.report);
      assert.equal(found[0].enforcementLevel, "mandatory");
      assert.match(
        found[0].message,
        /rogue-arn .*policyArn holds the global-partition ARN arn:aws:iam::aws:policy\/AmazonSSMManagedInstanceCore.*arn:aws-cn:/,
      );
    });

    it("with a NAD range outside its subnet", async () => {
      const result = await gate("ningxia", () => {
        new k8s.apiextensions.CustomResource("rogue-nad", {
          apiVersion: "k8s.cni.cncf.io/v1",
          kind: "NetworkAttachmentDefinition",
          metadata: { name: "rogue", namespace: "default" },
          spec: {
            config: JSON.stringify({
              cniVersion: "0.3.1",
              type: "ipvlan",
              master: "multus1",
              ipam: {
                type: "host-local",
                subnet: "10.0.4.0/24",
                rangeStart: "10.0.4.250",
                rangeEnd: "10.0.5.10",
              },
            }),
          },
        });
      });
      const found = only(result, "nad-range-in-subnet");
      assert.equal(found.length, 1, result.report);
      assert.equal(found[0].resourceName, "rogue-nad");
      assert.match(
        found[0].message,
        /NetworkAttachmentDefinition rogue-nad.*rangeEnd 10\.0\.5\.10 is outside its subnet 10\.0\.4\.0\/24; pick addresses inside it/,
      );
    });

    it("with SSH open to the world in two halves: mandatory by default, advisory only when the pack config says so", async () => {
      const seed = (outputs: Outputs): void => {
        ["0.0.0.0/1", "128.0.0.0/1"].forEach((cidrIpv4, half) => {
          new aws.vpc.SecurityGroupIngressRule(`rogue-ssh-${half}`, {
            securityGroupId: outputs.securityGroupIds.multus["ipvlan-conf-1"],
            ipProtocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrIpv4,
          });
        });
      };
      const strict = await gate("ningxia", seed);
      const reported = only(strict, "no-world-open-ingress");
      assert.equal(reported.length, 1, strict.report);
      assert.equal(reported[0].enforcementLevel, "mandatory");
      assert.match(
        reported[0].message,
        /rogue-ssh-0, [^ ]*rogue-ssh-1 open TCP port 22 \(SSH\) to the whole IPv4 internet \(.*0\.0\.0\.0\/1, 128\.0\.0\.0\/1\)\. Allow only the peers/,
      );

      const relaxed = await gate("ningxia", seed, { policyConfig: { "no-world-open-ingress": "advisory" } });
      assert.deepEqual(relaxed.mandatory, [], relaxed.report);
      assert.equal(only(relaxed, "no-world-open-ingress").length, 1);
    });
  });

  it("as a CLI, exits 1 on a mandatory violation and prints it in preview's layout", async function () {
    this.timeout(120000);
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
    const stackFile = path.join(directory, "Pulumi.strict-logs.yaml");
    fs.writeFileSync(
      stackFile,
      [
        "config:",
        "  aws:region: cn-northwest-1",
        "  multus-eks:availabilityZones: [cn-northwest-1a, cn-northwest-1b]",
        "",
      ].join("\n"),
    );
    const configFile = path.join(directory, "policy-config.json");
    fs.writeFileSync(
      configFile,
      // A stricter pack config than the shipped one: an advisory policy made mandatory, asking for
      // a log type the stack does not enable.
      JSON.stringify({
        "eks-control-plane-logging": {
          enforcementLevel: "mandatory",
          requiredLogTypes: ["api", "audit", "kubelet"],
        },
      }),
    );
    const cli = [
      path.join(PROJECT_ROOT, "node_modules/.bin/ts-node"),
      "--transpile-only",
      path.join(PROJECT_ROOT, "stacks/offline/gate.ts"),
    ];
    const run = promisify(execFile);
    const failure = await run(cli[0], [...cli.slice(1), stackFile, "--config", configFile], {
      cwd: PROJECT_ROOT,
    }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    assert.ok(failure, "the gate must exit non-zero");
    assert.equal(failure.code, 1);
    assert.match(
      failure.stdout,
      /\[mandatory\] {2}multus-eks v0\.1\.0 {2}eks-control-plane-logging {2}\(eks:index:Cluster: eks-multus-cluster\)/,
    );
    assert.match(failure.stdout, /1 mandatory, 0 advisory violation\(s\)\./);
    fs.rmSync(directory, { recursive: true, force: true });
  });
});
