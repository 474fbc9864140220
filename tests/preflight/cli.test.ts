// `npm run preflight -- <stack>` as a user runs it: live lines, the summary table, the exit code,
// and invalid settings reported by the config code before any AWS call.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployableStackFile, runPreflightCli } from "./cli-run";
import { MULTUS_IMAGE, useWorld } from "./harness";

describe("npm run preflight", function () {
  this.timeout(120_000);
  const world = useWorld();

  it("prints a ✓ line per check and the summary table, and exits 0 for ningxia in a healthy account", async () => {
    const run = await runPreflightCli(world, deployableStackFile("ningxia"));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.split("\n");
    assert.match(
      lines[0],
      /^Preflight of stack "ningxia" in cn-northwest-1 \(China \(Ningxia\)\): 17 checks, read-only$/,
    );
    const live = lines.filter((line) => /^✓ [a-z ]+ \/ /.test(line));
    const rows = lines.filter((line) => /^✓ {2}[a-z]/.test(line));
    assert.equal(live.length, 17);
    assert.equal(rows.length, 17);
    assert.match(run.stdout, /\n\s+family\s+check\s+result\s+s\n/);
    assert.match(
      run.stdout,
      /\n✓\s+instance type\s+Multus networks fit\s+c5\.large: 3 ENIs × 10 IPv4, Nitro \(from EC2\)/,
    );
    assert.match(
      run.stdout,
      /\n17 passed, 0 failed, 0 skipped in \d+\.\d\d s: nothing found that would stop `pulumi up`\.\n$/,
    );
    assert.equal(run.stderr, "");
  });

  it("exits 1 with the ✗ line, its fix and a ✗ row when something is wrong", async () => {
    world.registry.images.delete(MULTUS_IMAGE);
    const run = await runPreflightCli(world, deployableStackFile("ningxia"));
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /\n✗ images \/ Multus image: .*not in the registry.*\n {4}fix: eks\/multus-cni:v4\.1\.4-eksbuild\.3_thick is not published/,
    );
    assert.match(run.stdout, /\n✗\s+images\s+Multus image\s+961992271922\.dkr/);
    assert.match(run.stdout, /16 passed, 1 failed, 0 skipped/);
  });

  it("reports invalid settings with the config code's messages before any AWS call", async () => {
    const directory = mkdtempSync(join(tmpdir(), "preflight-stack-"));
    const file = join(directory, "Pulumi.broken.yaml");
    writeFileSync(
      file,
      "config:\n  aws:region: cn-northwest-1\n  multus-eks:availabilityZones: [cn-northwest-1a, cn-northwest-1b]\n" +
        "  multus-eks:vpcCidr: 10.0.0.0/33\n",
    );
    const run = await runPreflightCli(world, file);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Invalid stack configuration \(1 problem\):\n {2}- multus-eks:vpcCidr: /);
    assert.match(run.stderr, /Fix the settings above in the stack file/);
    assert.equal(run.stdout, "");
    assert.deepEqual(world.gaps.answered, []);
    assert.deepEqual(world.registry.requests, []);
  });
});
