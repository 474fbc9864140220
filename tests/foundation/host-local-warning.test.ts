// host-local on more than one node (defect 4): the plan warns, naming the network, nodeMaxSize and
// the routable mode. Before the fix the plan of such a stack printed nothing about it.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { parseSettings } from "../../stacks/config/parse";
import { rawConfig } from "../../stacks/offline/engine";
import { PROJECT_ROOT, readStackFile } from "../../stacks/offline/stack-file";

const EXAMPLE = "stacks/examples/Pulumi.ningxia-three-nodes.yaml";
const settingsOf = (target: string, changes: Record<string, unknown> = {}) =>
  parseSettings({ ...rawConfig(readStackFile(target)), ...changes }, { project: "multus-eks", stack: "t" });

describe("host-local with more than one node", function () {
  this.timeout(60_000);

  it("warns for every host-local network of the three-node example, naming it, nodeMaxSize and eni-prefix", () => {
    const { warnings } = settingsOf(EXAMPLE);
    assert.equal(warnings.length, 2);
    for (const [i, name] of ["ipvlan-conf-1", "ipvlan-conf-2"].entries()) {
      assert.match(warnings[i], new RegExp(`network "${name}" uses ipam host-local with nodeMaxSize 3`));
      assert.match(warnings[i], /Use ipam: eni-prefix/);
    }
  });

  it("does not warn for one node, nor for eni-prefix networks", () => {
    assert.deepEqual(settingsOf("ningxia").warnings, []);
    assert.deepEqual(settingsOf("beijing").warnings, []);
    const mixed = settingsOf(EXAMPLE, {
      networks: [{ name: "local" }, { name: "routed", ipam: "eni-prefix" }],
    });
    assert.deepEqual(
      mixed.warnings.map((warning) => /network "([^"]+)"/.exec(warning)?.[1]),
      ["local"],
    );
  });

  it("prints the warnings in `npm run plan` of the example", () => {
    const result = spawnSync("npx", ["ts-node", "--transpile-only", "stacks/offline/plan.ts", EXAMPLE], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      timeout: 55_000,
    });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /\nWarnings\n {2}! network "ipvlan-conf-1" uses ipam host-local with nodeMaxSize 3/,
    );
  });
});
