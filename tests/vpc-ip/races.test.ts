/**
 * The three races of issue 19, each through the EC2 fidelity layer (moto behind the chaos proxy)
 * with the plugin run for real. What counts is what the user would see: which pod's ADD returned
 * which address, whether EC2 (moto, read directly) still holds a live pod's address on its node's
 * ENI, and whether the pod's CHECK passes. Each failed on the plugin before the fix.
 *
 * EC2 facts the layer models here (EC2 API reference, "Error codes" page): the API is eventually
 * consistent ("the result may not be immediately visible to subsequent API commands"), so a
 * DescribeNetworkInterfaces may still list an address after its UnassignPrivateIpAddresses; an
 * address assigned to a resource is refused to others with Resource.AlreadyAssigned. The layer's
 * `holdMs` keeps one request for a few seconds, standing in for a call slowed by throttling backoff.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeNetworkInterfacesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { eventually } from "../support/eventually";
import { motoClientConfig } from "../support/moto";
import { addressOf, isCniError, VpcIpWorld, useWorlds, type SimNode } from "./world";

const GRACE_NOW = { MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0" };
const HOLD_MS = 3_000;
const LAG_MS = 6_000;

/** A live pod's "network namespace": a file whose existence the plugin takes as liveness. */
function netnsFor(world: VpcIpWorld, id: string): string {
  const file = path.join(world.directory, `netns-${id}`);
  fs.writeFileSync(file, "");
  return file;
}

/** Holds the first request of `action` naming `address` for HOLD_MS; counts those it saw. */
function holdFirst(
  action: string,
  address: string,
): {
  holdMs: (seen: string, params: URLSearchParams) => number;
  seen: () => number;
} {
  let count = 0;
  return {
    holdMs: (seen, params) => {
      if (seen !== action || params.get("PrivateIpAddress.1") !== address) return 0;
      count++;
      return count === 1 ? HOLD_MS : 0;
    },
    seen: () => count,
  };
}

async function checkPasses(world: VpcIpWorld, node: SimNode, id: string, netns: string, prevResult: object) {
  const checked = await world.invoke(node, "CHECK", id, { netns, prevResult });
  assert.equal(checked.exitCode, 0, `CHECK of ${id}: ${checked.stdout}`);
}

describe("multus-vpc-ip: the three races of issue 19 (fidelity layer with Describe lag and held calls)", function () {
  this.timeout(180_000);
  const worlds = useWorlds();

  it("1. a stale Describe never grants an address: Q released .77, R claimed it, Q's next pod gets 105", async () => {
    const world = await worlds.create({
      nodes: 2,
      proxy: { fidelity: { describeLag: { minMs: LAG_MS, maxMs: LAG_MS } } },
    });
    const [q, r] = world.nodes;
    // No warm set: P's DEL releases .77 in EC2 (with one, .77 would stay warm on Q).
    const pinned = { ips: ["10.0.4.77/24"], extraEnv: { MULTUS_VPC_IP_WARM_ADDRESSES: "0" } };
    const viaProxy = new EC2Client({ ...motoClientConfig(world.proxy.endpoint), maxAttempts: 1 });
    const describedOnQ = async (): Promise<boolean> => {
      const answer = await viaProxy.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [q.eniId] }),
      );
      return (answer.NetworkInterfaces?.[0]?.PrivateIpAddresses ?? []).some(
        (a) => a.PrivateIpAddress === "10.0.4.77",
      );
    };
    try {
      assert.equal(addressOf(await world.invoke(q, "ADD", "pod-p", pinned)), "10.0.4.77");
      // Pod P runs a while: its address becomes visible in Describe.
      await eventually("P's address in Describe", describedOnQ, { timeoutMs: 20_000 });
      assert.equal((await world.invoke(q, "DEL", "pod-p", pinned)).exitCode, 0);
      assert.equal(addressOf(await world.invoke(r, "ADD", "pod-r1", pinned)), "10.0.4.77");
      const q2 = await world.invoke(q, "ADD", "pod-q2", pinned);
      // The condition of the race held when Q2 ran: Describe (through the layer) still lists .77 on
      // Q's ENI, while EC2's own state has it on R's.
      assert.ok(await describedOnQ(), "the lag window passed before Q2 ran: the machine was too slow");
      assert.deepEqual((await world.holders()).get("10.0.4.77"), [r.eniId]);
      assert.equal(isCniError(q2)?.code, 105, `Q2 must not get R's address: ${q2.stdout}`);
    } finally {
      viaProxy.destroy();
    }
  });

  it("2. the reconcile's release cannot hit a new pod: a DEL and a new claim of the address wait for it", async () => {
    const hold = holdFirst("UnassignPrivateIpAddresses", "10.0.4.75");
    const world = await worlds.create({
      nodes: 1,
      proxy: { fidelity: { holdMs: hold.holdMs } },
    });
    const [node] = world.nodes;
    const pinned = { ips: ["10.0.4.75/24"] };
    const deadNetns = netnsFor(world, "pod-p");
    assert.equal(
      addressOf(await world.invoke(node, "ADD", "pod-p", { ...pinned, netns: deadNetns })),
      "10.0.4.75",
    );
    fs.rmSync(deadNetns); // pod P is gone without a DEL (yet)

    // The reconcile judges P's record dead and releases .75; its Unassign is slow (held).
    const reconciling = world.reconcile(node, GRACE_NOW);
    await eventually("the reconcile's Unassign", () => hold.seen() >= 1, {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    // Meanwhile P's DEL comes, and pod B asks for the same address.
    assert.equal((await world.invoke(node, "DEL", "pod-p", { ...pinned, netns: deadNetns })).exitCode, 0);
    const liveNetns = netnsFor(world, "pod-b");
    const added = await world.invoke(node, "ADD", "pod-b", { ...pinned, netns: liveNetns });
    assert.equal((await reconciling).exitCode, 0);

    assert.equal(addressOf(added), "10.0.4.75");
    assert.deepEqual(
      (await world.holders()).get("10.0.4.75"),
      [node.eniId],
      "B's address must stay on its ENI",
    );
    await checkPasses(world, node, "pod-b", liveNetns, JSON.parse(added.stdout) as object);
  });

  it("3. a late ADD never overwrites another pod's record: the DEL that came during it wins", async () => {
    const hold = holdFirst("AssignPrivateIpAddresses", "10.0.4.75");
    const world = await worlds.create({
      nodes: 1,
      proxy: { fidelity: { holdMs: hold.holdMs } },
    });
    const [node] = world.nodes;
    const pinned = { ips: ["10.0.4.75/24"] };
    const netnsC = path.join(world.directory, "netns-pod-c"); // never created: the runtime gave up on C
    const late = world.invoke(node, "ADD", "pod-c", { ...pinned, netns: netnsC });
    await eventually("C's Assign", () => hold.seen() >= 1, { timeoutMs: 20_000, intervalMs: 20 });
    // The runtime gives up on C and deletes it, then starts D with the same address.
    assert.equal((await world.invoke(node, "DEL", "pod-c", { ...pinned, netns: netnsC })).exitCode, 0);
    const netnsD = netnsFor(world, "pod-d");
    const added = await world.invoke(node, "ADD", "pod-d", { ...pinned, netns: netnsD });
    const lateOutcome = await late;
    assert.equal(addressOf(added), "10.0.4.75", `D: ${added.stdout}`);

    const reconciled = await world.reconcile(node, GRACE_NOW);
    assert.equal(reconciled.exitCode, 0, reconciled.stderr);
    assert.deepEqual(
      (await world.holders()).get("10.0.4.75"),
      [node.eniId],
      "D's address must stay on its ENI",
    );
    await checkPasses(world, node, "pod-d", netnsD, JSON.parse(added.stdout) as object);
    assert.ok(isCniError(lateOutcome), `the late ADD of C must fail after its DEL: ${lateOutcome.stdout}`);
  });
});
