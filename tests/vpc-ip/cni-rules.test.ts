/**
 * CNI protocol corners of the multus-vpc-ip plugin, each against an independent reference:
 * - the reference plugins (Debian's containernetworking-plugins host-local, run here): CHECK on a
 *   0.3.x config, two pinned addresses in one range, a pinned address outside the range;
 * - the CNI spec (SPEC.md, DEL): "Plugins should generally complete a DEL action without error even
 *   if some resources are missing";
 * - Kubernetes object names (RFC 1123 labels: lower-case alphanumerics and '-', at most 63), which
 *   is what a network's name is (the stack's validation): a NAD's ipam.network that is not one
 *   (`..`, a path) must not make the plugin, running as root, touch anything outside its state
 *   directory.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCni, type CniCommand } from "../ipam/cni";
import { HOST_LOCAL } from "../ipam/netns";
import { requireHostLocal } from "../ipam/support";
import { isCniError, NETWORK, useWorlds } from "./world";

/** host-local (the reference) on a range like the world's .70-.80, with the given pinned ips. */
async function hostLocal(command: CniCommand, cniVersion: string, ips?: string[]) {
  const dataDir = fs.mkdtempSync("/tmp/vpc-ip-hl-");
  try {
    const outcome = await runCni({
      plugin: HOST_LOCAL,
      command,
      config: {
        cniVersion,
        name: "reference",
        type: "macvlan",
        ...(ips ? { capabilities: { ips: true }, runtimeConfig: { ips } } : {}),
        ipam: {
          type: "host-local",
          dataDir,
          ranges: [[{ subnet: "10.0.4.0/24", rangeStart: "10.0.4.70", rangeEnd: "10.0.4.80" }]],
        },
      },
      containerId: "reference",
      netns: "/proc/self/ns/net",
      ifname: "net1",
      cniPath: ["/usr/lib/cni"],
    });
    const state = path.join(dataDir, "reference");
    const allocated = fs.existsSync(state) ? fs.readdirSync(state).filter((file) => /^\d/.test(file)) : [];
    return { outcome, allocated };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe("multus-vpc-ip: CNI corners, against the reference plugins and the spec", function () {
  this.timeout(120_000);
  const worlds = useWorlds();
  before(function () {
    requireHostLocal(this);
  });

  it("CHECK on a 0.3.x config gets the reference plugins' answer", async () => {
    const reference = isCniError((await hostLocal("CHECK", "0.3.1")).outcome);
    const world = await worlds.create({ nodes: 1 });
    const [node] = world.nodes;
    await world.invoke(node, "ADD", "pod-a", { cniVersion: "0.3.1" });
    for (const cniVersion of ["0.3.0", "0.3.1"]) {
      const ours = isCniError(await world.invoke(node, "CHECK", "pod-a", { cniVersion }));
      assert.deepEqual({ code: ours?.code, msg: ours?.msg }, { code: reference?.code, msg: reference?.msg });
    }
  });

  for (const [label, ips] of [
    ["two pinned addresses in the one range", ["10.0.4.75/24", "10.0.4.76/24"]],
    ["a pinned address of the subnet outside the range", ["10.0.4.90/24"]],
  ] as const) {
    it(`refuses ${label}, as host-local does, and assigns nothing`, async () => {
      const reference = await hostLocal("ADD", "1.0.0", [...ips]);
      assert.ok(isCniError(reference.outcome), `host-local accepted it: ${reference.outcome.stdout}`);
      assert.deepEqual(reference.allocated, []);
      const world = await worlds.create({ nodes: 1 });
      const error = isCniError(await world.invoke(world.nodes[0], "ADD", "pod-a", { ips: [...ips] }));
      assert.equal(error?.code, 7, JSON.stringify(error));
      assert.equal((await world.holders()).size, 0);
    });
  }

  it("DEL without ipam.network, or of a network the node does not know, succeeds (nothing to release)", async () => {
    const world = await worlds.create({ nodes: 1 });
    const [node] = world.nodes;
    const base = world.config() as { ipam: Record<string, unknown> };
    for (const ipam of [
      { type: "multus-vpc-ip" },
      { ...base.ipam, network: "not-on-this-node" },
      undefined,
    ]) {
      const outcome = await runCni({
        plugin: world.plugin,
        command: "DEL",
        config: { ...base, ipam },
        containerId: "pod-a",
        netns: "/proc/self/ns/net",
        ifname: "net1",
        cniPath: [],
        extraEnv: world.nodeEnv(node),
      });
      assert.equal(outcome.exitCode, 0, `${JSON.stringify(ipam)}: ${outcome.stdout}`);
    }
  });

  it("an ipam.network that is not a Kubernetes name touches nothing outside the state directory", async () => {
    const world = await worlds.create({ nodes: 1 });
    const [node] = world.nodes;
    fs.mkdirSync(node.stateDir, { recursive: true });
    // What `..`-paths from the state directory would reach, and an absolute one.
    const outside = path.join(world.directory, "outside");
    const escapes = ["..", "../outside", "../../outside", outside, `${NETWORK}/../../outside`, "Upper", ""];
    const before = fs.readdirSync(world.directory).sort();
    for (const network of escapes) {
      for (const command of ["ADD", "CHECK", "DEL"] as const) {
        const outcome = await runCni({
          plugin: world.plugin,
          command,
          config: { ...(world.config() as object), ipam: { type: "multus-vpc-ip", network } },
          containerId: "pod-a",
          netns: "/proc/self/ns/net",
          ifname: "net1",
          cniPath: [],
          extraEnv: world.nodeEnv(node),
        });
        if (command === "DEL") assert.equal(outcome.exitCode, 0, `${network} DEL: ${outcome.stdout}`);
        else assert.equal(isCniError(outcome)?.code, 7, `${network} ${command}: ${outcome.stdout}`);
      }
    }
    assert.deepEqual(
      fs.readdirSync(world.directory).sort(),
      before,
      "nothing created next to the state directory",
    );
    assert.equal(fs.existsSync(outside), false);
    assert.deepEqual(fs.readdirSync(node.stateDir), [], "nothing created inside it either");
  });
});
