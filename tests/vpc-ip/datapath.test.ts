/**
 * The NAD the program renders for a vpc-ip network with `sbr: true`, run for real: the real
 * macvlan and sbr plugins (Debian's containernetworking-plugins) chained as libcni does, the
 * multus-vpc-ip plugin as IPAM, against moto behind the fidelity proxy. Two "nodes" are two master
 * links joined by a veth pair (the subnet); pods are network namespaces. Pods on different nodes
 * ping each other; sbr's rule and table are what its documentation describes; a pod that vanishes
 * without DEL (its namespace gone) is released by the node's reconcile.
 *
 * macvlan stands in for ipvlan: this kernel has no ipvlan module.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { nadConfigDocument, planNetworkAttachments } from "../../components/networks/nad";
import type { CniResult } from "../ipam/cni";
import { ip, Namespaces, uniqueName } from "../ipam/netns";
import { requireHostLocal } from "../ipam/support";
import { settingsOf, ningxia } from "../networks/harness";
import { useMoto } from "../support/moto";
import { chainAdd, chainDel, type ChainCall } from "./chain";
import { NETWORK, VPC_IP_PLUGIN, VpcIpWorld, type SimNode } from "./world";

const SBR = "/usr/lib/cni/sbr";

describe("vpc-ip NAD with macvlan + sbr through the real plugins: cross-node ping, reconcile after a lost DEL", function () {
  this.timeout(120_000);
  const moto = useMoto();
  const namespaces = new Namespaces();
  const links: string[] = [];
  let world: VpcIpWorld | undefined;

  before(function () {
    requireHostLocal(this);
    if (!fs.existsSync(SBR)) {
      console.warn(`\n  !!! SKIPPING: ${SBR} is missing (apt-get install containernetworking-plugins) !!!\n`);
      this.skip();
    }
  });
  after(async () => {
    await world?.close();
    namespaces.removeAll();
    for (const link of links) {
      try {
        ip("link", "delete", link);
      } catch {
        // gone with its peer
      }
    }
  });

  /** The document the program puts in the NAD's spec.config, with the test's master link. */
  function nadDocument(master: string): Record<string, unknown> {
    const settings = settingsOf(
      ningxia({
        networks: [
          {
            name: NETWORK,
            ipam: "vpc-ip",
            cni: "macvlan",
            mode: "bridge",
            rangeStart: 70,
            rangeEnd: 80,
            sbr: true,
          },
        ],
      }),
    );
    const [plan] = planNetworkAttachments(settings.networks, ["cn-northwest-1a", "cn-northwest-1b"]);
    const document = JSON.parse(JSON.stringify(nadConfigDocument(plan))) as {
      plugins: Record<string, unknown>[];
    };
    document.plugins[0].master = master;
    return document;
  }

  function call(node: SimNode, master: string, podNamespace: string): ChainCall {
    return {
      document: nadDocument(master),
      containerId: `ctr-${podNamespace}`,
      netns: namespaces.path(podNamespace),
      ifname: "net1",
      cniPath: [path.dirname(VPC_IP_PLUGIN), "/usr/lib/cni"],
      extraEnv: world!.nodeEnv(node),
    };
  }

  const addressOf = (result: CniResult): string => (result.ips?.[0]?.address ?? "").split("/")[0];

  it("renders one conflist (macvlan, then sbr) and carries traffic between pods of two nodes", async () => {
    world = await VpcIpWorld.create(moto.endpoint, { nodes: 2 });
    const [masterA, masterB] = [uniqueName("vpa"), uniqueName("vpb")];
    ip("link", "add", masterA, "type", "veth", "peer", "name", masterB);
    links.push(masterA);
    ip("link", "set", masterA, "up");
    ip("link", "set", masterB, "up");

    const document = nadDocument(masterA) as { plugins: { type: string; ipam?: { type: string } }[] };
    assert.deepEqual(
      document.plugins.map((plugin) => plugin.type),
      ["macvlan", "sbr"],
    );
    assert.equal(document.plugins[0].ipam?.type, "multus-vpc-ip");

    const podA = namespaces.add("vpodA");
    const podB = namespaces.add("vpodB");
    const callA = call(world.nodes[0], masterA, podA);
    const callB = call(world.nodes[1], masterB, podB);
    const resultA = await chainAdd(callA);
    const resultB = await chainAdd(callB);
    const [addressA, addressB] = [addressOf(resultA), addressOf(resultB)];
    assert.notEqual(addressA, addressB);

    // EC2 (moto) holds each on its own node's ENI.
    const holders = await world.holders();
    assert.deepEqual(holders.get(addressA), [world.nodes[0].eniId]);
    assert.deepEqual(holders.get(addressB), [world.nodes[1].eniId]);

    // As the connectivity check pings (busybox ping -I <interface>, from the sample image).
    execFileSync(
      "ip",
      ["netns", "exec", podA, "busybox", "ping", "-c", "2", "-W", "2", "-I", "net1", addressB],
      {
        stdio: "pipe",
      },
    );

    // sbr (its README): a rule sends traffic from the pod's address to table 100, whose default
    // route leaves through the Multus interface via the gateway.
    const rules = execFileSync("ip", ["-n", podA, "rule", "show"], { encoding: "utf8" });
    assert.match(rules, new RegExp(`from ${addressA.replace(/\./g, "\\.")} lookup 100`));
    const table = execFileSync("ip", ["-n", podA, "route", "show", "table", "100"], { encoding: "utf8" });
    assert.match(table, /default via 10\.0\.4\.1 dev net1/);

    // Pod B vanishes without a DEL (kubelet crash): its namespace is gone, its address still held.
    ip("netns", "delete", podB);
    assert.ok((await world.holders()).has(addressB));
    const reconciled = await world.reconcile(world.nodes[1], { MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0" });
    assert.equal(reconciled.exitCode, 0, reconciled.stderr);
    const afterReconcile = await world.holders();
    assert.equal(afterReconcile.has(addressB), false, "the leaked address must be released");
    assert.ok(afterReconcile.has(addressA), "a live pod's address must stay");
    // Node A's reconcile keeps its live pod.
    await world.reconcile(world.nodes[0], { MULTUS_VPC_IP_RECONCILE_GRACE_SECONDS: "0" });
    assert.ok((await world.holders()).has(addressA));

    await chainDel(callA, resultA);
    // The DEL kept A's address warm for node A's next pod; past the idle bound the reconcile frees it.
    assert.deepEqual((await world.holders()).get(addressA), [world.nodes[0].eniId]);
    await world.reconcile(world.nodes[0], { MULTUS_VPC_IP_WARM_IDLE_SECONDS: "0" });
    assert.equal((await world.holders()).size, 0);
  });

  it("host-local with sbr: the same chaining through the real plugins gives the same source rule", async () => {
    const settings = settingsOf(
      ningxia({
        networks: [{ name: "hl", cni: "macvlan", mode: "bridge", rangeStart: 70, rangeEnd: 80, sbr: true }],
      }),
    );
    const [plan] = planNetworkAttachments(settings.networks, ["cn-northwest-1a"]);
    const [master, peer] = [uniqueName("hla"), uniqueName("hlb")];
    ip("link", "add", master, "type", "veth", "peer", "name", peer);
    links.push(master);
    ip("link", "set", master, "up");
    const document = JSON.parse(JSON.stringify(nadConfigDocument(plan))) as {
      plugins: { master?: string; ipam?: Record<string, unknown> }[];
    };
    document.plugins[0].master = master;
    document.plugins[0].ipam = { ...document.plugins[0].ipam, dataDir: fs.mkdtempSync("/tmp/hl-sbr-") };
    const pod = namespaces.add("hlpod");
    const chained: ChainCall = {
      document,
      containerId: `ctr-${pod}`,
      netns: namespaces.path(pod),
      ifname: "net1",
      cniPath: ["/usr/lib/cni"],
      extraEnv: {},
    };
    const result = await chainAdd(chained);
    const address = addressOf(result);
    assert.match(address, /^10\.0\.4\.(7\d|80)$/);
    const rules = execFileSync("ip", ["-n", pod, "rule", "show"], { encoding: "utf8" });
    assert.match(rules, new RegExp(`from ${address.replace(/\./g, "\\.")} lookup 100`));
    await chainDel(chained, result);
    fs.rmSync(String(document.plugins[0].ipam?.dataDir), { recursive: true, force: true });
  });
});
