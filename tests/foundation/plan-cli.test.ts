/** The offline plan CLI, run as a user would: `npx ts-node --transpile-only stacks/offline/plan.ts <stack>`. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../stacks/offline/stack-file";

function plan(target: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("npx", ["ts-node", "--transpile-only", "stacks/offline/plan.ts", target], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 55_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("offline plan CLI", function () {
  this.timeout(60_000);

  it("plans the ningxia stack and prints the blog's subnet table", () => {
    const { status, stdout, stderr } = plan("ningxia");
    assert.strictEqual(status, 0, stderr);
    assert.match(stdout, /Region cn-northwest-1 .*partition aws-cn/);
    // The offline plan is the one place the hand-written table is used, and it says so.
    assert.match(
      stdout,
      /\nInstance type c5\.large: 3 ENIs × 10 IPv4, Nitro \(from this program's table; .*\n.*offline only/,
    );
    const row = (zone: string): string[] => {
      const line = stdout.split("\n").find((candidate) => candidate.startsWith(`${zone} `));
      assert.ok(line, `no table row for ${zone}:\n${stdout}`);
      return line.trim().split(/\s+/);
    };
    assert.deepStrictEqual(row("cn-northwest-1a"), [
      "cn-northwest-1a",
      "10.0.0.0/24",
      "10.0.2.0/24",
      "10.0.4.0/24",
      "10.0.6.0/24",
    ]);
    assert.deepStrictEqual(row("cn-northwest-1b"), [
      "cn-northwest-1b",
      "10.0.1.0/24",
      "10.0.3.0/24",
      "10.0.5.0/24",
      "10.0.7.0/24",
    ]);
    assert.match(stdout, /ipvlan-conf-1 .* 10\.0\.4\.70-80, 10\.0\.5\.70-80/);
    assert.match(stdout, /multus-eks:network:MultusVpc ×1: eks-multus-cluster/);
  });

  describe("with an invalid stack file", () => {
    let directory: string;
    before(() => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), "multus-plan-"));
    });
    after(() => {
      fs.rmSync(directory, { recursive: true, force: true });
    });

    it("exits non-zero and names every bad setting on stderr", () => {
      const file = path.join(directory, "Pulumi.broken.yaml");
      fs.writeFileSync(
        file,
        [
          "config:",
          "  aws:region: cn-northwest-1",
          "  multus-eks:partition: aws-cn",
          "  multus-eks:availabilityZones: [cn-northwest-1a, cn-northwest-1b]",
          "  multus-eks:vpcCidr: 10.0.0.0/12",
          "  multus-eks:telecomIngressCidrs: [0.0.0.0/0]",
          "",
        ].join("\n"),
      );
      const { status, stdout, stderr } = plan(file);
      assert.notStrictEqual(status, 0);
      assert.match(stderr, /Invalid stack configuration \(2 problems\)/);
      assert.match(stderr, /multus-eks:vpcCidr: 10\.0\.0\.0\/12 must be \/16 to \/28/);
      assert.match(
        stderr,
        /multus-eks:telecomIngressCidrs: covers the whole IPv4 internet \(0\.0\.0\.0\/0\)/,
      );
      assert.doesNotMatch(stdout, /resources/);
    });

    it("exits non-zero for a stack that does not exist, saying which stacks there are", () => {
      const { status, stderr } = plan("shanghai");
      assert.notStrictEqual(status, 0);
      assert.match(stderr, /No stack file .*Pulumi\.shanghai\.yaml.*ningxia, beijing/);
    });
  });
});
