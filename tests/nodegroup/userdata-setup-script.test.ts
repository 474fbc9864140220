// Runs the node file multus-eni-setup with bash against the fake IMDSv2 server, in dry mode: a
// temp dir is the sysfs and config root, a temp node config names the networks, and ip/networkctl
// are recorded.

import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EniMetadata, eniMetadataTree, FakeImds, FakeImdsOptions, startFakeImds } from "../support/fake-imds";
import { parseIni, ScriptSandbox } from "./userdata-harness";

const NETWORKS = [
  {
    name: "ipvlan-conf-1",
    deviceIndex: 1,
    interfaceName: "multus1",
    subnetCidrs: ["10.0.4.0/24", "10.0.5.0/24"],
  },
  {
    name: "ipvlan-conf-2",
    deviceIndex: 2,
    interfaceName: "multus2",
    subnetCidrs: ["10.0.6.0/24", "10.0.7.0/24"],
  },
];
const PRIMARY: EniMetadata = {
  mac: "02:00:00:00:00:05",
  deviceNumber: 0,
  subnetIpv4CidrBlock: "10.0.2.0/24",
};
const MULTUS_1: EniMetadata = {
  mac: "02:00:00:00:00:06",
  deviceNumber: 1,
  subnetIpv4CidrBlock: "10.0.4.0/24",
};
const MULTUS_2: EniMetadata = {
  mac: "02:00:00:00:00:07",
  deviceNumber: 2,
  subnetIpv4CidrBlock: "10.0.7.0/24",
};
const UNLISTED: EniMetadata = {
  mac: "02:00:00:00:00:08",
  deviceNumber: 3,
  subnetIpv4CidrBlock: "10.0.4.0/24",
};
/** A VPC CNI ENI that got device index 1 because the ENI-attach Lambda was late: the node's subnet. */
const VPC_CNI_AT_1: EniMetadata = {
  mac: "02:00:00:00:00:09",
  deviceNumber: 1,
  subnetIpv4CidrBlock: "10.0.2.0/24",
};

const networkFileName = (name: string) => `10-multus-${name}.network`;

const macPath = (eni: EniMetadata, key: string) => `network/interfaces/macs/${eni.mac}/${key}`;

/** What the node keeps asserting on a configured Multus ENI: no host address or route, link up. */
function reassertion(target: string): string[] {
  return [
    `ip -4 -o address show dev ${target}`,
    `ip -4 address flush dev ${target}`,
    `ip -4 route flush dev ${target} table all`,
    `ip link set dev ${target} up`,
  ];
}

function expectedConfiguration(kernelName: string, target: string): string[] {
  return [
    `ip link set dev ${kernelName} down`,
    `ip link set dev ${kernelName} name ${target}`,
    "networkctl reload",
    ...reassertion(target),
  ];
}

describe("multus-eni-setup script (bash, dry mode, fake IMDSv2)", function () {
  let sandbox: ScriptSandbox;
  let imds: FakeImds | undefined;

  const serve = async (enis: EniMetadata[], options: Partial<FakeImdsOptions> = {}) => {
    imds = await startFakeImds({ tree: eniMetadataTree(enis), ...options });
    return imds;
  };

  beforeEach(() => {
    sandbox = new ScriptSandbox(NETWORKS);
  });
  afterEach(async () => {
    await imds?.close();
    imds = undefined;
    sandbox.cleanup();
  });

  it("renames a hot-plugged ENI by device index and subnet, writes its .network and .link files and brings it up", async () => {
    const server = await serve([PRIMARY, MULTUS_1, MULTUS_2]);
    sandbox.addLink("ens6", MULTUS_1.mac);

    const run = await sandbox.run(["ens6"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, expectedConfiguration("ens6", "multus1"));

    assert.equal(networkFileName("multus1"), "10-multus-multus1.network");
    assert.ok(networkFileName("multus1") < "70-", "must sort before nodeadm's 70-* files");
    const network = parseIni(sandbox.configFile(`systemd/network/${networkFileName("multus1")}`) ?? "");
    // By MAC alone: at the next boot it applies under the kernel name too, before nodeadm's file.
    assert.deepEqual([...(network.get("Match")?.keys() ?? [])], ["MACAddress"]);
    assert.deepEqual(network.get("Match")?.get("MACAddress"), [MULTUS_1.mac]);
    assert.deepEqual(network.get("Link")?.get("ActivationPolicy"), ["always-up"]);
    assert.deepEqual(network.get("Link")?.get("RequiredForOnline"), ["no"]);
    assert.deepEqual(network.get("Network")?.get("DHCP"), ["no"]);
    assert.deepEqual(network.get("Network")?.get("IPv6AcceptRA"), ["no"]);
    assert.deepEqual(network.get("Network")?.get("LinkLocalAddressing"), ["no"]);
    assert.equal(network.get("Network")?.has("Address"), false, "the node takes no address on a Multus ENI");

    const link = parseIni(sandbox.configFile("systemd/network/10-multus-multus1.link") ?? "");
    assert.deepEqual(link.get("Match")?.get("MACAddress"), [MULTUS_1.mac]);
    assert.deepEqual(link.get("Link")?.get("Name"), ["multus1"]);
    // ipvlan/macvlan traffic never passes the master's IP input path: no rp_filter on the host.
    assert.equal(existsSync(join(sandbox.configRoot, "sysctl.d")), false);
    assert.ok(run.commands.every((command) => !command.startsWith("sysctl")));

    const metadataGets = server.requests.filter((r) => r.path.startsWith("/latest/meta-data/"));
    assert.ok(metadataGets.length > 0);
    assert.ok(
      metadataGets.every((r) => r.hadToken && r.method === "GET"),
      "every metadata GET carries the IMDSv2 token",
    );
    assert.ok(
      server.requests.some((r) => r.method === "PUT" && r.path === "/latest/api/token" && r.status === 200),
    );
  });

  it("retries while the device number is not yet in IMDS (hot-plug delay)", async () => {
    const server = await serve([PRIMARY, MULTUS_2], {
      hiddenForFirstRequests: { [macPath(MULTUS_2, "device-number")]: 3 },
    });
    sandbox.addLink("enp40s0", MULTUS_2.mac);

    const run = await sandbox.run(["enp40s0"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.getCount(macPath(MULTUS_2, "device-number")), 4, "three 404s, then the answer");
    assert.match(
      run.stderr,
      /waiting for IMDS network\/interfaces\/macs\/02:00:00:00:00:07\/device-number \(HTTP 404\)/,
    );
    assert.deepEqual(run.commands, expectedConfiguration("enp40s0", "multus2"));
  });

  it("gives up with an error, touching nothing, when the device number never appears", async () => {
    const server = await serve([PRIMARY, MULTUS_1], {
      hiddenForFirstRequests: { [macPath(MULTUS_1, "device-number")]: 100 },
    });
    sandbox.addLink("ens6", MULTUS_1.mac);

    const run = await sandbox.run(["ens6"], server.endpoint, { MULTUS_IMDS_RETRIES: "3" });

    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /gave up on IMDS network\/interfaces\/macs\/02:00:00:00:00:06\/device-number after 3 tries/,
    );
    assert.equal(server.getCount(macPath(MULTUS_1, "device-number")), 3);
    assert.deepEqual(run.commands, []);
    assert.equal(existsSync(join(sandbox.configRoot, "systemd")), false);
  });

  it("never touches the primary ENI (device index 0)", async () => {
    const server = await serve([PRIMARY, MULTUS_1]);
    sandbox.addLink("ens5", PRIMARY.mac);

    const run = await sandbox.run(["ens5"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, []);
    assert.equal(existsSync(join(sandbox.configRoot, "systemd")), false);
  });

  it("leaves alone an ENI at a Multus device index whose subnet is not the network's (a VPC CNI ENI), saying why", async () => {
    const server = await serve([PRIMARY, VPC_CNI_AT_1]);
    sandbox.addLink("ens6", VPC_CNI_AT_1.mac);

    for (const args of [["ens6"], ["--scan"]]) {
      const run = await sandbox.run(args, server.endpoint);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stderr,
        /ens6 \(02:00:00:00:00:09\) has device index 1 but its subnet 10\.0\.2\.0\/24 is not one of network ipvlan-conf-1's subnets \(10\.0\.4\.0\/24,10\.0\.5\.0\/24\): not a Multus ENI, leaving it alone/,
      );
      assert.deepEqual(run.commands, []);
      assert.equal(existsSync(join(sandbox.configRoot, "systemd")), false);
    }
  });

  it("accepts the network's ENI in its second AZ's subnet", async () => {
    const server = await serve([PRIMARY, MULTUS_2]);
    sandbox.addLink("ens7", MULTUS_2.mac);
    const run = await sandbox.run(["ens7"], server.endpoint);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, expectedConfiguration("ens7", "multus2"));
  });

  it("leaves an ENI alone whose device index is not a Multus network", async () => {
    const server = await serve([PRIMARY, UNLISTED]);
    sandbox.addLink("ens8", UNLISTED.mac);

    const run = await sandbox.run(["ens8"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /device index 3, which is not a Multus network/);
    assert.deepEqual(run.commands, []);
  });

  it("leaves an ENI on another network card alone (device numbers repeat per card)", async () => {
    const server = await serve([PRIMARY, { ...MULTUS_1, networkCard: 1 }]);
    sandbox.addLink("ens6", MULTUS_1.mac);

    const run = await sandbox.run(["ens6"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, []);
  });

  it("refuses to work without an IMDSv2 token and never falls back to IMDSv1", async () => {
    const server = await serve([PRIMARY, MULTUS_1], { tokenRefusalStatus: 403 });
    sandbox.addLink("ens6", MULTUS_1.mac);

    const run = await sandbox.run(["ens6"], server.endpoint, { MULTUS_IMDS_RETRIES: "2" });

    assert.equal(run.code, 1);
    assert.match(run.stderr, /could not get an IMDSv2 session token .*HTTP 403.*IMDSv2 is required/);
    assert.deepEqual(run.commands, []);
    assert.equal(
      server.requests.filter((r) => r.path.startsWith("/latest/meta-data")).length,
      0,
      "no tokenless GET",
    );
  });

  it("gets a new token once when IMDS rejects the current one (expired session)", async () => {
    const server = await serve([PRIMARY, MULTUS_1], { firstTokensRejected: 1 });
    sandbox.addLink("ens6", MULTUS_1.mac);

    const run = await sandbox.run(["ens6"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, expectedConfiguration("ens6", "multus1"));
    assert.equal(server.requests.filter((r) => r.method === "PUT").length, 2, "one token, then a new one");
    assert.equal(server.requests.filter((r) => r.status === 401).length, 1);
  });

  it("scans every link IMDS lists, configuring only Multus device indexes", async () => {
    const server = await serve([PRIMARY, MULTUS_1, MULTUS_2, UNLISTED]);
    sandbox.addLink("ens5", PRIMARY.mac);
    sandbox.addLink("ens6", MULTUS_1.mac);
    sandbox.addLink("ens7", MULTUS_2.mac);
    sandbox.addLink("ens8", UNLISTED.mac);
    sandbox.addLink("eni0a1b2c3d4e5", "0a:58:0a:00:02:99"); // a pod veth: not an ENI, not in IMDS

    const run = await sandbox.run(["--scan"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, [
      ...expectedConfiguration("ens6", "multus1"),
      ...expectedConfiguration("ens7", "multus2"),
    ]);
    assert.equal(
      server.requests.filter((r) => r.path.includes("0a:58:0a:00:02:99")).length,
      0,
      "the veth costs no IMDS lookup",
    );
    assert.ok(
      sandbox
        .configFile(`systemd/network/${networkFileName("multus2")}`)
        ?.includes(`MACAddress=${MULTUS_2.mac}`),
    );
  });

  it("is idempotent: an ENI already named and configured is only re-asserted (no host address, up)", async () => {
    const server = await serve([PRIMARY, MULTUS_1]);
    sandbox.addLink("ens6", MULTUS_1.mac);
    assert.equal((await sandbox.run(["ens6"], server.endpoint)).code, 0);
    // After the real rename the kernel lists the link under its new name.
    sandbox.cleanupLink("ens6");
    sandbox.addLink("multus1", MULTUS_1.mac);

    const run = await sandbox.run(["--scan"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, reassertion("multus1"));
  });

  it("refuses to rename onto a name another link already holds", async () => {
    const server = await serve([PRIMARY, MULTUS_1]);
    sandbox.addLink("ens6", MULTUS_1.mac);
    sandbox.addLink("multus1", "02:00:00:00:00:99");

    const run = await sandbox.run(["ens6"], server.endpoint);

    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot rename ens6 to multus1: another link already has that name/);
    assert.deepEqual(run.commands, []);
  });

  it("fails clearly when the node config is missing, touching nothing", async () => {
    const server = await serve([PRIMARY, MULTUS_1]);
    sandbox.addLink("ens6", MULTUS_1.mac);
    const run = await sandbox.run(["ens6"], server.endpoint, {
      MULTUS_NODE_CONFIG: "/nonexistent/node-config.json",
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot read the node config \/nonexistent\/node-config\.json/);
    assert.deepEqual(run.commands, []);
  });

  it("waits for the lock, and does nothing when the link was renamed by another run meanwhile", async () => {
    const server = await serve([PRIMARY, MULTUS_1]);
    sandbox.addLink("ens6", MULTUS_1.mac);
    sandbox.holdLock(process.pid); // as if a scan were configuring links right now

    const running = sandbox.run(["ens6"], server.endpoint);
    // Its last IMDS question comes just before it takes the lock.
    while (server.getCount(macPath(MULTUS_1, "network-card")) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The "scan" renames ens6 and lets go of the lock.
    sandbox.cleanupLink("ens6");
    sandbox.addLink("multus1", MULTUS_1.mac);
    sandbox.releaseLock();
    const run = await running;

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /ens6 changed while waiting \(renamed or detached\); nothing to do/);
    assert.deepEqual(run.commands, []);
  });

  it("takes over the lock of a run that died", async () => {
    const server = await serve([PRIMARY, MULTUS_1]);
    sandbox.addLink("ens6", MULTUS_1.mac);
    sandbox.holdLock(2 ** 22 + 12345); // above pid_max's usual range: no such process

    const run = await sandbox.run(["ens6"], server.endpoint);

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.commands, expectedConfiguration("ens6", "multus1"));
  });

  it("succeeds quietly for a link that is gone, and fails on a missing argument", async () => {
    const server = await serve([PRIMARY]);
    const missing = await sandbox.run(["ens9"], server.endpoint);
    assert.equal(missing.code, 0);
    assert.match(missing.stderr, /no link named ens9 \(gone or already renamed\); nothing to do/);
    assert.equal(server.requests.length, 0);
    const usage = await sandbox.run([], server.endpoint);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: .* LINK \| --scan/);
  });
});
