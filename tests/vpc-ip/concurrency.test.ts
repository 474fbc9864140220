/**
 * K simulated nodes × M pods racing for one range, through the CNI protocol, against moto behind
 * the chaos proxy whose fidelity layer enforces EC2's one-holder-per-address rule. The truth is
 * EC2's state (moto, read with the SDK): zero duplicate holders, everything released after DEL,
 * nothing leaked after a simulated crash (a pod gone without DEL, an ADD killed mid-way) and the
 * nodes' reconcile. Then faults (throttling, 5xx, lost replies): each ADD succeeds or leaves nothing
 * assigned.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { useMoto } from "../support/moto";
import { VPC_IP_PLUGIN, VpcIpWorld, type SimNode } from "./world";

interface Pod {
  node: SimNode;
  id: string;
  netns: string;
  address?: string;
  error?: string;
}

const GRACE_NOW = { MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0" };
/** The reconcile, with no grace for new records and none for idle warm addresses. */
const SETTLE = { ...GRACE_NOW, MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0" };

/** Each pod's "network namespace" is a file: the plugin's liveness test is that the path exists. */
function podsOf(world: VpcIpWorld, perNode: number): Pod[] {
  return world.nodes.flatMap((node) =>
    Array.from({ length: perNode }, (_, index) => {
      const id = `n${node.index}-p${index}`;
      const netns = path.join(world.directory, `netns-${id}`);
      fs.writeFileSync(netns, "");
      return { node, id, netns };
    }),
  );
}

async function addAll(world: VpcIpWorld, pods: Pod[]): Promise<void> {
  await Promise.all(
    pods.map(async (pod) => {
      const outcome = await world.invoke(pod.node, "ADD", pod.id, { netns: pod.netns });
      if (outcome.exitCode === 0) {
        pod.address = (JSON.parse(outcome.stdout) as { ips: { address: string }[] }).ips[0].address.split(
          "/",
        )[0];
      } else {
        pod.error = outcome.stdout;
      }
    }),
  );
}

/** Addresses held by more than one ENI in EC2. */
function duplicates(holders: Map<string, string[]>): string[] {
  return [...holders.entries()].filter(([, enis]) => new Set(enis).size > 1).map(([address]) => address);
}

describe("multus-vpc-ip: K nodes × M pods on one range (moto + EC2 fidelity)", function () {
  this.timeout(300_000);
  const moto = useMoto();
  let world: VpcIpWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("4 nodes × 6 pods at once on .70-.93 (24 addresses): no duplicate holder, each pod's address on its own node's ENI", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 4, rangeStart: 70, rangeEnd: 93 });
    const pods = podsOf(world, 6);
    await addAll(world, pods);
    assert.deepEqual(
      pods.filter((pod) => pod.error).map((pod) => pod.error),
      [],
    );
    const holders = await world.holders();
    assert.deepEqual(duplicates(holders), []);
    const byAddress = new Map<string, string[]>();
    for (const pod of pods)
      byAddress.set(pod.address as string, [...(byAddress.get(pod.address as string) ?? []), pod.id]);
    assert.deepEqual(
      [...byAddress.entries()].filter(([, ids]) => ids.length > 1),
      [],
      "one address, one pod",
    );
    assert.equal(holders.size, 24, JSON.stringify([...holders.entries()]));
    for (const pod of pods) assert.deepEqual(holders.get(pod.address as string), [pod.node.eniId], pod.id);
    // Nodes did collide and EC2's rule (the fidelity layer) refused the losers: the lock was used.
    assert.ok(world.proxy.fidelity.addresses.inUseRefusals > 0, "no collision was refused");

    // DEL for half, a lost DEL (namespace gone) for a quarter; the reconcile frees exactly those
    // (and the addresses the DELs left warm, with no idle grace).
    const [deleted, crashed, live] = [pods.slice(0, 12), pods.slice(12, 18), pods.slice(18)];
    await Promise.all(deleted.map((pod) => world!.invoke(pod.node, "DEL", pod.id, { netns: pod.netns })));
    for (const pod of crashed) fs.rmSync(pod.netns);
    for (const node of world.nodes) {
      const outcome = await world.reconcile(node, SETTLE);
      assert.equal(outcome.exitCode, 0, outcome.stderr);
    }
    assert.deepEqual([...(await world.holders()).keys()].sort(), live.map((pod) => pod.address).sort());
    await Promise.all(live.map((pod) => world!.invoke(pod.node, "DEL", pod.id, { netns: pod.netns })));
    for (const node of world.nodes) assert.equal((await world.reconcile(node, SETTLE)).exitCode, 0);
    assert.equal((await world.holders()).size, 0);
  });

  it("more pods than addresses: exactly the range is handed out, once; the rest get the exhaustion error", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 3, rangeStart: 70, rangeEnd: 79 });
    const pods = podsOf(world, 5); // 15 pods, 10 addresses
    await addAll(world, pods);
    const holders = await world.holders();
    assert.deepEqual(duplicates(holders), []);
    assert.equal(pods.filter((pod) => pod.address).length, 10);
    assert.equal(holders.size, 10);
    for (const pod of pods.filter((candidate) => candidate.error)) {
      assert.match(pod.error as string, /"code": 103/);
    }
  });

  it("an ADD killed mid-way leaks nothing once the node reconciles", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    const [node] = world.nodes;
    // Kill the plugin at staggered moments: before, during and after its EC2 call.
    for (const delayMs of [150, 300, 450, 600, 900]) {
      const child = spawn(VPC_IP_PLUGIN, [], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          CNI_COMMAND: "ADD",
          CNI_CONTAINERID: `killed-${delayMs}`,
          CNI_NETNS: path.join(world.directory, `gone-${delayMs}`),
          CNI_IFNAME: "net1",
          CNI_PATH: "/usr/lib/cni",
          ...world.nodeEnv(node),
        },
      });
      const closed = new Promise((done) => child.once("close", done));
      child.stdin.end(JSON.stringify(world.config()));
      await new Promise((wake) => setTimeout(wake, delayMs));
      child.kill("SIGKILL");
      await closed;
    }
    const reconciled = await world.reconcile(node, GRACE_NOW);
    assert.equal(reconciled.exitCode, 0, reconciled.stderr);
    assert.equal((await world.holders()).size, 0);
    // And the records are gone (lock files and DEL marks start with a dot), so the range is whole again.
    assert.deepEqual(
      fs.readdirSync(path.join(node.stateDir, "vpcnet")).filter((name) => !name.startsWith(".")),
      [],
    );
  });

  it("after a reboot (records under /run gone), the reconcile releases whatever the ENI still holds", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 2 });
    const pods = podsOf(world, 3);
    await addAll(world, pods);
    assert.equal((await world.holders()).size, 6);
    fs.rmSync(world.nodes[0].stateDir, { recursive: true });
    await world.reconcile(world.nodes[0], GRACE_NOW);
    const left = await world.holders();
    assert.deepEqual(
      [...left.keys()].sort(),
      pods
        .filter((pod) => pod.node.index === 1)
        .map((pod) => pod.address)
        .sort(),
    );
  });
});

describe("multus-vpc-ip under EC2 faults (throttling, 5xx, lost replies)", function () {
  this.timeout(300_000);
  const moto = useMoto();
  let world: VpcIpWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  for (const [label, proxy] of [
    [
      "15% random 5xx, half of them after EC2 performed the call (lost replies)",
      { randomErrorRate: 0.15, seed: 7 },
    ],
    [
      "a tight throttling bucket (5 requests, 2/s) for every action",
      {
        throttle: {
          byAction: {},
          mutating: { capacity: 5, refillPerSecond: 2 },
          nonMutating: { capacity: 5, refillPerSecond: 2 },
        },
        seed: 3,
      },
    ],
    [
      "lost replies on the first three AssignPrivateIpAddresses",
      {
        faults: [1, 2, 3].map((occurrence) => ({
          action: "AssignPrivateIpAddresses",
          occurrence,
          mode: "after" as const,
        })),
      },
    ],
  ] as const) {
    it(`${label}: each ADD succeeds or leaves nothing assigned`, async () => {
      world = await VpcIpWorld.create(moto.endpoint, {
        nodes: 3,
        rangeStart: 70,
        rangeEnd: 99,
        proxy: proxy as never,
      });
      const pods = podsOf(world, 4);
      await addAll(world, pods);
      const holders = await world.holders();
      assert.deepEqual(duplicates(holders), []);
      const succeeded = pods.filter((pod) => pod.address);
      // Every held address belongs to a pod whose ADD succeeded, on that pod's node.
      assert.deepEqual(
        [...holders.keys()].sort(),
        succeeded.map((pod) => pod.address).sort(),
        `failed ADDs: ${pods
          .filter((pod) => pod.error)
          .map((pod) => pod.error)
          .join("\n")}`,
      );
      for (const pod of succeeded)
        assert.deepEqual([...new Set(holders.get(pod.address as string))], [pod.node.eniId]);
      for (const pod of pods.filter((candidate) => candidate.error)) {
        assert.match(pod.error as string, /"code": 11\b/, "a failed ADD says: try again later");
      }
      console.log(
        `      ${succeeded.length}/${pods.length} ADDs succeeded; faults injected: ` +
          `${[...world.proxy.stats.values()].reduce((sum, entry) => sum + entry.injected + entry.throttled, 0)}`,
      );
    });
  }
});
