/**
 * Issue 20: every problem that can be decided from the settings stops `pulumi preview`/`up` before
 * the first resource, with the setting named; and `npm run plan` never shows a stack trace.
 *
 * The program's real entry point (stacks/index.ts) runs under the mock engine, which records every
 * resource declared: an invalid setting of each family must leave that record empty.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_DEFECT, EXIT_USAGE, explainFailure } from "../../stacks/cli";
import { entryConfig, runEntryPoint } from "../support/entry-point";
import { REPO_ROOT } from "../support/moto";

/** What a user adds to a shipped stack to deploy from inside the VPC (the README's deploy step). */
const DEPLOYABLE = { deployFrom: "vpc" };

/** One invalid value per family of settings, and the setting its message must name. */
const FAMILIES: readonly { family: string; change: Record<string, unknown>; setting: RegExp }[] = [
  { family: "region", change: { "aws:region": "cn-south-1" }, setting: /aws:region/ },
  { family: "partition", change: { partition: "aws" }, setting: /multus-eks:partition/ },
  { family: "cluster", change: { kubernetesVersion: "1.20" }, setting: /multus-eks:kubernetesVersion/ },
  { family: "VPC", change: { vpcCidr: "10.0.0.0/33" }, setting: /multus-eks:vpcCidr/ },
  {
    family: "subnets",
    change: { publicSubnetCidrs: ["10.0.0.0/24", "10.0.0.0/24"] },
    setting: /multus-eks:publicSubnetCidrs/,
  },
  {
    family: "networks",
    change: { networks: [{ name: "n1", ipam: "host-local", rangeStart: 90, rangeEnd: 80 }] },
    setting: /multus-eks:networks\[0\]/,
  },
  {
    family: "address room",
    change: { networks: [{ name: "n1", ipam: "vpc-ip", rangeStart: 5, rangeEnd: 254 }], nodeMaxSize: 2 },
    setting: /multus-eks:networks: network "n1" in cn-northwest-1a: its reserved addresses leave 1/,
  },
  {
    family: "node group sizes",
    change: { nodeDesiredSize: 5, nodeMaxSize: 2 },
    setting: /multus-eks:nodeDesiredSize/,
  },
  // The issue's own case: refused inside the user data's apply before this change.
  {
    family: "node labels",
    change: { nodeLabels: ["node-role.kubernetes.io/worker=true"] },
    setting: /multus-eks:nodeLabels\[0\]/,
  },
  {
    family: "node group labels",
    change: {
      nodeGroups: [
        { name: "workers", labels: { "kubernetes.io/role": "worker" }, networks: ["ipvlan-conf-1"] },
      ],
    },
    setting: /multus-eks:nodeGroups\[0\]\.labels/,
  },
  // Decided from EC2's facts, read through the provider before anything is declared.
  {
    family: "instance type",
    change: { nodeInstanceType: "t3.medium", networks: [{ name: "n1", deviceIndex: 4 }] },
    setting: /multus-eks:nodeInstanceType: t3\.medium attaches at most 3 ENIs/,
  },
  // A second group's type: only the first group's was read from EC2 before, the second was
  // checked in createNodeGroups, after the VPC and the cluster were declared (85 resources).
  {
    family: "second node group's instance type",
    change: {
      networks: [
        { name: "n1", deviceIndex: 1 },
        { name: "n4", deviceIndex: 4 },
      ],
      nodeGroups: [
        { name: "core", instanceType: "c5.4xlarge", networks: ["n1", "n4"] },
        { name: "edge", instanceType: "t3.medium", networks: ["n4"] },
      ],
    },
    setting: /multus-eks:nodeGroups\[1\]\.instanceType: t3\.medium attaches at most 3 ENIs/,
  },
  {
    family: "endpoint",
    change: { endpointPublicAccess: true, endpointPublicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] },
    setting: /multus-eks:endpointPublicAccessCidrs/,
  },
  { family: "bastion", change: { bastionSshCidrs: ["10.1.0.0/16"] }, setting: /multus-eks:bastionSshCidrs/ },
  {
    family: "data protection",
    change: { secretsKmsKeyArn: "not-an-arn" },
    setting: /multus-eks:secretsKmsKeyArn/,
  },
  { family: "Multus daemon", change: { multusImageTag: "latest!" }, setting: /multus-eks:multusImageTag/ },
  {
    family: "alarms",
    change: { alarmNotification: "not-an-address" },
    setting: /multus-eks:alarmNotification/,
  },
  { family: "tags", change: { tags: { "aws:reserved": "x" } }, setting: /multus-eks:tags\.aws:reserved/ },
  {
    family: "unknown setting",
    change: { nodeLabel: ["a=b"] },
    setting: /multus-eks:nodeLabel\b.*did you mean "nodeLabels"/,
  },
];

function planCli(
  target: string,
  ...extra: string[]
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("npm", ["run", "-s", "plan", "--", target, ...extra], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function stackFileWith(lines: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "before-first-")), "Pulumi.user.yaml");
  writeFileSync(
    file,
    "config:\n  aws:region: cn-northwest-1\n  multus-eks:partition: aws-cn\n" +
      "  multus-eks:availabilityZones: [cn-northwest-1a, cn-northwest-1b]\n" +
      lines,
  );
  return file;
}

const STACK_FRAME = /^\s+at\s/m;

describe("nothing stops a deployment half-way that the settings could refuse (issue 20)", function () {
  this.timeout(120_000);

  it("the deployable ningxia stack declares its resources through the real entry point", async () => {
    const run = await runEntryPoint(entryConfig("ningxia", DEPLOYABLE));
    assert.equal(run.error, undefined, String(run.error));
    assert.ok(run.declared.length > 100, `only ${run.declared.length} resources declared`);
  });

  for (const { family, change, setting } of FAMILIES) {
    it(`${family}: refused with the setting named, and no resource declared`, async () => {
      const run = await runEntryPoint(entryConfig("ningxia", { ...DEPLOYABLE, ...change }));
      assert.ok(run.error, "the program did not refuse the settings");
      assert.match(run.error.message, setting);
      assert.doesNotMatch(run.error.message, STACK_FRAME);
      assert.deepEqual(run.declared, []);
    });
  }

  describe("a private-only endpoint (the default)", () => {
    it("stops before the first resource when the stack does not say where pulumi up runs", async () => {
      const run = await runEntryPoint(entryConfig("ningxia", {}));
      assert.ok(run.error);
      assert.match(
        run.error.message,
        /multus-eks:deployFrom: is not set and the EKS API endpoint is private/,
      );
      // One message, both ways out, as commands.
      assert.match(run.error.message, /pulumi config set multus-eks:endpointPublicAccess true/);
      assert.match(run.error.message, /pulumi config set multus-eks:deployFrom vpc/);
      assert.deepEqual(run.declared, []);
    });

    it("deploys when the stack declares deployFrom: vpc, or opens the public endpoint to a CIDR", async () => {
      const open = await runEntryPoint(
        entryConfig("ningxia", { endpointPublicAccess: true, endpointPublicAccessCidrs: ["203.0.113.7/32"] }),
      );
      assert.equal(open.error, undefined, String(open.error));
      assert.ok(open.declared.length > 100);
    });

    it("refuses deployFrom values other than vpc, and vpc with the private endpoint off", async () => {
      const other = await runEntryPoint(entryConfig("ningxia", { deployFrom: "laptop" }));
      assert.match(String(other.error), /multus-eks:deployFrom: is "laptop"/);
      const noPrivate = await runEntryPoint(
        entryConfig("ningxia", {
          deployFrom: "vpc",
          endpointPrivateAccess: false,
          endpointPublicAccess: true,
          endpointPublicAccessCidrs: ["203.0.113.7/32"],
        }),
      );
      assert.match(
        String(noPrivate.error),
        /multus-eks:deployFrom: is "vpc" but endpointPrivateAccess is false/,
      );
      assert.deepEqual([...other.declared, ...noPrivate.declared], []);
    });

    it("the offline plan still plans the shipped stack and says what pulumi up would refuse", () => {
      const plan = planCli("ningxia");
      assert.equal(plan.status, 0, plan.stderr);
      assert.match(plan.stdout, /Before `pulumi up`: .*\n {2}✗ multus-eks:deployFrom: is not set/);
    });
  });

  describe("npm run plan", () => {
    it("refuses the issue's node-label stack file naming nodeLabels, exit 1, no stack trace, nothing planned", () => {
      const plan = planCli(
        stackFileWith('  multus-eks:nodeLabels: ["node-role.kubernetes.io/worker=true"]\n'),
      );
      assert.equal(plan.status, 1);
      assert.match(
        plan.stderr,
        /multus-eks:nodeLabels\[0\]: "node-role\.kubernetes\.io\/worker=true": key kubelet may not set labels in the kubernetes\.io/,
      );
      assert.doesNotMatch(plan.stderr, STACK_FRAME);
      assert.equal(plan.stdout, "");
    });

    it("plans a large type whose derived maxPods is over EKS's 250 (it stopped in the user data's apply before)", () => {
      // c5.24xlarge: (15 ENIs - 2 Multus) x (50 - 1) + 2 = 639 by the ENI formula; EKS recommends at
      // most 250 pods per node (EKS user guide, "Amazon EKS recommended maximum Pods").
      const plan = planCli(stackFileWith("  multus-eks:nodeInstanceType: c5.24xlarge\n"));
      assert.equal(plan.status, 0, plan.stderr);
      assert.match(plan.stdout, /"maxPods":250/);
    });

    it("names a malformed stack file as the user's to fix (exit 2), not as a defect", () => {
      const plan = planCli(stackFileWith("  multus-eks:nodeLabels: [unclosed\n"));
      assert.equal(plan.status, EXIT_USAGE, plan.stderr);
      assert.match(plan.stderr, /is not valid YAML/);
      assert.doesNotMatch(plan.stderr, STACK_FRAME);
    });

    it("reports an unexpected error as a defect of the program, with the trace only behind --trace", () => {
      // The shape of the report: Pulumi's serialization error carries the frames in its message.
      const error = new Error(
        'error serializing property "userData": boom\n    at validate (components/nodegroup/userdata.ts:87)\n    at run (x.ts:1)',
      );
      const quiet = explainFailure(error, "npm run plan", false);
      assert.equal(quiet.exitCode, EXIT_DEFECT);
      assert.match(quiet.lines.join("\n"), /This is a defect of this program, not of your settings/);
      assert.match(quiet.lines.join("\n"), /error serializing property "userData": boom/);
      assert.doesNotMatch(quiet.lines.join("\n"), STACK_FRAME);
      const traced = explainFailure(error, "npm run plan", true);
      assert.match(traced.lines.join("\n"), STACK_FRAME);
    });
  });
});
