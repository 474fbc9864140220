/**
 * The vpc-ip warm set and shared claims (issue 22): a DEL keeps its address warm on the node's ENI,
 * the node's next ADD takes it with no EC2 request and no instance metadata, concurrent ADDs on one
 * node share one AssignPrivateIpAddresses, the reconcile releases warm addresses idle beyond the
 * bound, and nothing is left behind. Requests are counted at the EC2 proxy and the fake IMDS;
 * addresses are read from EC2's state (moto) directly.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { VPC_IP_WARM_ADDRESSES } from "../../components/networks/ipam";
import { addressOf, isCniError, VpcIpWorld, useWorlds } from "./world";

const SETTLE = { MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0", MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0" };

function writes(world: VpcIpWorld): number {
  return ["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"].reduce(
    (sum, action) => sum + (world.proxy.stats.get(action)?.requests ?? 0),
    0,
  );
}

function ec2Requests(world: VpcIpWorld): number {
  return [...world.proxy.stats.values()].reduce((sum, entry) => sum + entry.requests, 0);
}

function warmRecords(world: VpcIpWorld, node = world.nodes[0]): string[] {
  const directory = path.join(node.stateDir, "vpcnet");
  return fs
    .readdirSync(directory)
    .filter((name) => /^\d/.test(name))
    .filter(
      (name) =>
        (JSON.parse(fs.readFileSync(path.join(directory, name), "utf8")) as { state: string }).state ===
        "warm",
    );
}

describe("multus-vpc-ip warm set and shared claims (fidelity layer)", function () {
  this.timeout(180_000);
  const worlds = useWorlds();

  it("a DEL keeps its address warm; the node's next ADD takes it with no EC2 request and no IMDS read", async () => {
    const world = await worlds.create({ nodes: 1 });
    const [node] = world.nodes;
    const first = addressOf(await world.invoke(node, "ADD", "pod-a"));
    assert.equal((await world.invoke(node, "DEL", "pod-a")).exitCode, 0);
    assert.deepEqual(warmRecords(world), [first]);
    assert.deepEqual((await world.holders()).get(first), [node.eniId], "still on the node's ENI");
    const [requests, imdsReads] = [ec2Requests(world), node.imds.requests.length];
    assert.equal(addressOf(await world.invoke(node, "ADD", "pod-b")), first);
    assert.equal(ec2Requests(world), requests, "no EC2 request");
    assert.equal(node.imds.requests.length, imdsReads, "no instance metadata read");
    // A pinned address the node holds warm is taken the same way.
    assert.equal((await world.invoke(node, "DEL", "pod-b")).exitCode, 0);
    assert.equal(addressOf(await world.invoke(node, "ADD", "pod-c", { ips: [`${first}/24`] })), first);
    assert.equal(ec2Requests(world), requests);
  });

  it(`keeps at most ${VPC_IP_WARM_ADDRESSES} warm; the reconcile releases them once idle beyond the bound, leaving nothing`, async () => {
    const world = await worlds.create({ nodes: 1 });
    const [node] = world.nodes;
    for (let pod = 0; pod < 4; pod++) addressOf(await world.invoke(node, "ADD", `pod-${pod}`));
    for (let pod = 0; pod < 4; pod++)
      assert.equal((await world.invoke(node, "DEL", `pod-${pod}`)).exitCode, 0);
    assert.equal(warmRecords(world).length, VPC_IP_WARM_ADDRESSES);
    assert.equal((await world.holders()).size, VPC_IP_WARM_ADDRESSES);
    // Within the idle bound (default), the reconcile keeps them.
    assert.equal((await world.reconcile(node, { MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0" })).exitCode, 0);
    assert.equal((await world.holders()).size, VPC_IP_WARM_ADDRESSES);
    // Past it, it releases them: nothing in EC2, no record left.
    assert.equal((await world.reconcile(node, SETTLE)).exitCode, 0);
    assert.equal((await world.holders()).size, 0);
    assert.deepEqual(
      fs.readdirSync(path.join(node.stateDir, "vpcnet")).filter((name) => /^\d/.test(name)),
      [],
    );
  });

  it("concurrent ADDs on one node share their claims: fewer Assign requests than ADDs, each address once", async () => {
    const world = await worlds.create({ nodes: 1, rangeStart: 70, rangeEnd: 99 });
    const [node] = world.nodes;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, pod) => world.invoke(node, "ADD", `pod-${pod}`)),
    );
    const addresses = outcomes.map(addressOf);
    assert.equal(new Set(addresses).size, 10);
    const assigns = world.proxy.stats.get("AssignPrivateIpAddresses")?.requests ?? 0;
    assert.ok(assigns < 10, `${assigns} Assign requests for 10 ADDs`);
    // A leader claims for the ADDs waiting when it starts; one that a warm address served meanwhile
    // leaves that claim's extra address warm. So the ENI holds the pods' addresses and the warm set,
    // nothing else; past the idle bound the reconcile releases the warm ones.
    const warm = warmRecords(world);
    assert.deepEqual(
      warm.filter((address) => addresses.includes(address)),
      [],
      "a pod's address is not warm",
    );
    const holders = await world.holders();
    assert.deepEqual([...holders.keys()].sort(), [...addresses, ...warm].sort());
    for (const enis of holders.values()) assert.deepEqual(enis, [node.eniId]);
    // The pods are young (within the reconcile's grace), so only the idle bound is lifted.
    assert.equal((await world.reconcile(node, { MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0" })).exitCode, 0);
    assert.deepEqual([...(await world.holders()).keys()].sort(), [...addresses].sort());
    assert.deepEqual(warmRecords(world), []);
  });

  it("a claim for a waiter that is gone leaves the extra address warm, on the ENI and recorded, for the next ADD", async () => {
    const world = await worlds.create({ nodes: 1, rangeStart: 70, rangeEnd: 79 });
    const [node] = world.nodes;
    // The mark of an ADD that registered as waiting and was then served by a warm address or died:
    // the next leader counts it, as it cannot tell.
    const wanted = path.join(node.stateDir, "vpcnet", ".wanted");
    fs.mkdirSync(wanted, { recursive: true });
    fs.writeFileSync(path.join(wanted, "gone"), "");
    const address = addressOf(await world.invoke(node, "ADD", "pod-a"));
    assert.equal(world.proxy.stats.get("AssignPrivateIpAddresses")?.requests, 1, "one claim");
    const warm = warmRecords(world);
    assert.equal(warm.length, 1, "the absent waiter's address is warm");
    assert.deepEqual([...(await world.holders()).keys()].sort(), [address, ...warm].sort());
    fs.rmSync(path.join(wanted, "gone"));
    assert.equal(addressOf(await world.invoke(node, "ADD", "pod-b")), warm[0], "the next ADD takes it");
    assert.equal(world.proxy.stats.get("AssignPrivateIpAddresses")?.requests, 1, "with no EC2 request");
  });

  it("with spares on, one claim takes spares only while half the range is free", async () => {
    const world = await worlds.create({ nodes: 2, rangeStart: 70, rangeEnd: 79 });
    const [a, b] = world.nodes;
    const spares = { extraEnv: { MULTUS_VPC_IP_WARM_SPARES: "2" } };
    addressOf(await world.invoke(a, "ADD", "a-0", spares));
    assert.equal(writes(world), 1, "one request");
    assert.equal((await world.holders()).size, 3, "the pod's address and two spares");
    // Node B fills the range past half: then a claim takes no spares.
    for (let pod = 0; pod < 3; pod++) addressOf(await world.invoke(b, "ADD", `b-${pod}`));
    for (let pod = 1; pod < 4; pod++) addressOf(await world.invoke(a, "ADD", `a-${pod}`, spares));
    const held = await world.holders();
    assert.equal(held.size, 7, JSON.stringify([...held]));
    assert.equal(warmRecords(world, a).length, 0);
  });

  it("c5.large with spares on: a claim shrinks as the ENI fills; 9 pods fit, the tenth gets error 108", async () => {
    const world = await worlds.create({
      nodes: 1,
      rangeStart: 70,
      rangeEnd: 93,
      instanceType: "c5.large",
    });
    const [node] = world.nodes;
    const spares = { extraEnv: { MULTUS_VPC_IP_WARM_SPARES: "2" } };
    for (let pod = 0; pod < 9; pod++) addressOf(await world.invoke(node, "ADD", `pod-${pod}`, spares));
    assert.equal(isCniError(await world.invoke(node, "ADD", "pod-9", spares))?.code, 108);
    assert.equal((await world.holders()).size, 9);
  });
});
