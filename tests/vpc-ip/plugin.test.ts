/**
 * The multus-vpc-ip IPAM plugin for real through the CNI protocol: python3 plugin, moto behind the
 * chaos proxy's EC2 fidelity layer, a fake IMDSv2 per node. Expectations come from EC2's state
 * (moto, read with the SDK) and from the CNI spec's result format, not from the plugin.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { useMoto } from "../support/moto";
import { addressOf, isCniError, NETWORK, VpcIpWorld } from "./world";

const RANGE = Array.from({ length: 11 }, (_, offset) => `10.0.4.${70 + offset}`);

describe("multus-vpc-ip IPAM plugin (CNI protocol, moto + fidelity proxy, fake IMDSv2)", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: VpcIpWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("ADD assigns an address of the range to the node's ENI in EC2 and returns it with the VPC router", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    const [node] = world.nodes;
    const outcome = await world.invoke(node, "ADD", "pod-a");
    const result = JSON.parse(outcome.stdout) as {
      cniVersion: string;
      ips: { address: string; gateway: string; version?: string }[];
      routes: { dst: string; gw: string }[];
    };
    assert.equal(outcome.exitCode, 0, outcome.stdout);
    assert.equal(result.cniVersion, "1.0.0");
    assert.match(result.ips[0].address, /^10\.0\.4\.\d+\/24$/);
    assert.equal(result.ips[0].gateway, "10.0.4.1");
    assert.equal(result.ips[0].version, undefined, "CNI 1.0.0 results carry no ips[].version");
    // The network's other subnet is reached through the VPC router, the own one is connected.
    assert.deepEqual(result.routes, [{ dst: "10.0.5.0/24", gw: "10.0.4.1" }]);
    const address = addressOf(outcome);
    assert.ok(RANGE.includes(address), `${address} outside .70-.80`);
    // The pod's address and the node's warm spares, all on this node's ENI, all in the range.
    const holders = await world.holders();
    assert.deepEqual(holders.get(address), [node.eniId]);
    for (const [held, enis] of holders) {
      assert.ok(RANGE.includes(held), held);
      assert.deepEqual(enis, [node.eniId]);
    }
    // Signed with the role's session credentials from IMDS, for the EC2 service of the region.
    assert.ok(node.imds.requests.some((r) => r.path.endsWith("/iam/security-credentials/node-role")));
    assert.ok((world.proxy.stats.get("AssignPrivateIpAddresses")?.performed ?? 0) >= 1);
  });

  it("keeps a 0.3.1/0.4.0 caller's result format (ips[].version = 4)", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    for (const cniVersion of ["0.3.1", "0.4.0"]) {
      const outcome = await world.invoke(world.nodes[0], "ADD", `pod-${cniVersion}`, { cniVersion });
      const result = JSON.parse(outcome.stdout) as { cniVersion: string; ips: { version: string }[] };
      assert.equal(result.cniVersion, cniVersion);
      assert.equal(result.ips[0].version, "4");
    }
  });

  it("a repeated ADD returns the same address; DEL releases it in EC2 and is idempotent", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    const [node] = world.nodes;
    const first = addressOf(await world.invoke(node, "ADD", "pod-a"));
    assert.equal(addressOf(await world.invoke(node, "ADD", "pod-a")), first);
    const held = (await world.holders()).size;
    for (let repeat = 0; repeat < 2; repeat++) {
      const deleted = await world.invoke(node, "DEL", "pod-a");
      assert.equal(deleted.exitCode, 0, deleted.stdout);
    }
    // DEL kept the address warm (or released it); the reconcile releases warm ones idle too long.
    assert.ok((await world.holders()).size <= held);
    const reconciled = await world.reconcile(node, { MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0" });
    assert.equal(reconciled.exitCode, 0, reconciled.stderr);
    assert.equal((await world.holders()).size, 0);
    const never = await world.invoke(node, "DEL", "never-added");
    assert.equal(never.exitCode, 0, never.stdout);
  });

  it("CHECK passes while EC2 shows the address on the ENI, fails once it is gone", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    const [node] = world.nodes;
    const added = await world.invoke(node, "ADD", "pod-a");
    const prevResult = JSON.parse(added.stdout) as object;
    const checked = await world.invoke(node, "CHECK", "pod-a", { prevResult });
    assert.equal(checked.exitCode, 0, checked.stdout);
    // Someone removes the address behind the plugin's back (as a reassignment would).
    const { UnassignPrivateIpAddressesCommand } = await import("@aws-sdk/client-ec2");
    await world.ec2.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.eniId,
        PrivateIpAddresses: [addressOf(added)],
      }),
    );
    const failed = isCniError(await world.invoke(node, "CHECK", "pod-a", { prevResult }));
    assert.match(failed?.msg ?? "", /no longer assigned/);
    const unknown = isCniError(await world.invoke(node, "CHECK", "pod-unknown", { prevResult }));
    assert.match(unknown?.msg ?? "", /no address .* recorded/);
  });

  it("claims a pinned address (ips capability) as asked", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    const outcome = await world.invoke(world.nodes[0], "ADD", "pinned", { ips: ["10.0.4.77/24"] });
    assert.equal(addressOf(outcome), "10.0.4.77");
    assert.deepEqual([...(await world.holders()).keys()], ["10.0.4.77"]);
  });

  it("refuses a pinned address another node's ENI holds, with a clear error, and assigns nothing", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 2 });
    const [first, second] = world.nodes;
    assert.equal(
      addressOf(await world.invoke(first, "ADD", "pinned-1", { ips: ["10.0.4.77/24"] })),
      "10.0.4.77",
    );
    const error = isCniError(await world.invoke(second, "ADD", "pinned-2", { ips: ["10.0.4.77/24"] }));
    assert.equal(error?.code, 105);
    assert.match(error?.msg ?? "", /10\.0\.4\.77 .* held by another ENI/);
    assert.deepEqual([...(await world.holders()).entries()], [["10.0.4.77", [first.eniId]]]);
  });

  it("refuses a pinned address outside the node's subnet or among AWS's reserved ones", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    for (const ip of ["10.0.5.77/24", "10.0.4.2/24", "10.0.4.255/24"]) {
      const error = isCniError(await world.invoke(world.nodes[0], "ADD", `bad-${ip}`, { ips: [ip] }));
      assert.match(error?.msg ?? "", /not in the range 10\.0\.4\.70-10\.0\.4\.80 of network 'vpcnet'/, ip);
    }
    assert.equal((await world.holders()).size, 0);
  });

  it("on exhaustion, names the network and the range; DEL makes room again", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1, rangeStart: 70, rangeEnd: 72 });
    const [node] = world.nodes;
    const got = [];
    for (let pod = 0; pod < 3; pod++) got.push(addressOf(await world.invoke(node, "ADD", `pod-${pod}`)));
    assert.deepEqual([...got].sort(), ["10.0.4.70", "10.0.4.71", "10.0.4.72"]);
    const full = isCniError(await world.invoke(node, "ADD", "pod-3"));
    assert.equal(full?.code, 103);
    assert.match(full?.msg ?? "", new RegExp(`network '${NETWORK}'.*10\\.0\\.4\\.70-10\\.0\\.4\\.72`));
    await world.invoke(node, "DEL", "pod-1");
    assert.equal(addressOf(await world.invoke(node, "ADD", "pod-3")), got[1]);
  });

  it("reads the ENI's AZ subnet from IMDS: one NAD serves a node in the second AZ", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 2, zoneOf: (node) => node });
    const outcome = await world.invoke(world.nodes[1], "ADD", "pod-b");
    const result = JSON.parse(outcome.stdout) as {
      ips: { address: string; gateway: string }[];
      routes: object[];
    };
    assert.match(result.ips[0].address, /^10\.0\.5\.(7\d|80)\/24$/);
    assert.equal(result.ips[0].gateway, "10.0.5.1");
    assert.deepEqual(result.routes, [{ dst: "10.0.4.0/24", gw: "10.0.5.1" }]);
  });

  it("refuses a network the node settings do not list, naming the setting", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 1 });
    const [node] = world.nodes;
    const config = world.config() as { ipam: { network: string } };
    const { runCni } = await import("../ipam/cni");
    const outcome = await runCni({
      plugin: path.resolve(__dirname, "../../components/nodegroup/rootfs/opt/cni/bin/multus-vpc-ip"),
      command: "ADD",
      config: { ...config, ipam: { ...config.ipam, network: "other" } },
      containerId: "x",
      netns: "/var/run/netns/x",
      ifname: "net1",
      cniPath: [],
      extraEnv: world.nodeEnv(node),
    });
    assert.match(isCniError(outcome)?.msg ?? "", /'other' is not one of this node's Multus networks/);
    assert.ok(fs.existsSync(world.configPath));
  });
});
