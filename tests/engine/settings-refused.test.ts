/**
 * Issue 20 through the real engine: `pulumi up` (the CLI built from the Go module proxy, a file://
 * backend) of the program's entry point stops on invalid settings before the first resource, and
 * the backend holds nothing but the stack afterwards. Each run is its own process
 * (tests/engine/entry-point-up.ts), so the inline program never shares the Pulumi runtime with
 * the mock-engine tests.
 *
 * What cannot run here: a `pulumi up` past the settings. The AWS provider plugin cannot be had on
 * this machine, so a valid stack stops at the aws provider, the first resource it needs; that run
 * is checked too, as the proof that the settings were accepted.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../support/moto";
import { buildEngine } from "./real-engine";

interface UpResult {
  readonly error?: string;
  /** Types of the resources in the backend after `up`. */
  readonly resources: string[];
}

function realUp(changes: Record<string, unknown>): UpResult {
  const result = spawnSync(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      join("tests", "engine", "entry-point-up.ts"),
      "ningxia",
      JSON.stringify(changes),
    ],
    { cwd: REPO_ROOT, encoding: "utf8", timeout: 300_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as UpResult;
}

const STACK_FRAME = /^\s+at\s/m;

describe("the real engine stops on invalid settings before the first resource (issue 20)", function () {
  this.timeout(300_000);

  before(function () {
    this.timeout(40 * 60_000); // a fresh machine builds the CLI and the plugin first
    buildEngine();
  });

  it("refuses the issue's node label: the setting named, no stack trace, nothing but the stack in the backend", () => {
    const up = realUp({ deployFrom: "vpc", nodeLabels: ["node-role.kubernetes.io/worker=true"] });
    assert.match(
      up.error ?? "",
      /multus-eks:nodeLabels\[0\]: "node-role\.kubernetes\.io\/worker=true": key kubelet may not set labels/,
    );
    assert.doesNotMatch(up.error ?? "", STACK_FRAME);
    assert.deepEqual(up.resources, ["pulumi:pulumi:Stack"]);
  });

  it("refuses a private-only endpoint with no word on where pulumi up runs, before the first resource", () => {
    const up = realUp({});
    assert.match(up.error ?? "", /multus-eks:deployFrom: is not set and the EKS API endpoint is private/);
    assert.deepEqual(up.resources, ["pulumi:pulumi:Stack"]);
  });

  it("with deployFrom: vpc, gets past the settings to the AWS provider (which this machine lacks)", () => {
    const up = realUp({ deployFrom: "vpc" });
    assert.match(up.error ?? "", /no resource plugin 'pulumi-resource-aws' found/);
    assert.doesNotMatch(up.error ?? "", /Invalid stack configuration/);
  });
});
