/**
 * The multus-eni-prefix IPAM plugin run for real as a CNI plugin: python3 plugin, real
 * host-local from the Debian CNI plugins, a fake IMDSv2 on 127.0.0.1, pod namespaces made here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { eniPrefixIpamConfig, type CniRoute } from "../../components/networks/ipam";
import { cniError, cniResult, runCni, type CniCommand, type CniResult } from "./cni";
import {
  eniMetadataTree,
  startFakeImds,
  type EniMetadata,
  type FakeImds,
  type FakeImdsOptions,
} from "../support/fake-imds";
import { CNI_PLUGIN_DIRECTORY, Namespaces } from "./netns";
import {
  addressesOfPrefix,
  addressOnly,
  installPlugin,
  PLUGIN_SOURCE,
  removeDirectory,
  requireHostLocal,
  reservedAddresses,
  writeNodeConfig,
  type InstalledPlugin,
} from "./support";

const PRIMARY_ENI: EniMetadata = {
  mac: "02:00:00:00:00:01",
  deviceNumber: 0,
  subnetIpv4CidrBlock: "10.0.2.0/24",
};
const MULTUS_ENI: EniMetadata = {
  mac: "02:00:00:00:00:02",
  deviceNumber: 1,
  subnetIpv4CidrBlock: "10.0.4.0/24",
  ipv4Prefix: ["10.0.4.32/28"],
};

describe("multus-eni-prefix IPAM plugin (real CNI invocation)", function () {
  let installed: InstalledPlugin;
  const namespaces = new Namespaces();
  const servers: FakeImds[] = [];
  let podNetns: string;
  let caseNumber = 0;

  before(function () {
    requireHostLocal(this);
    installed = installPlugin();
    podNetns = namespaces.path(namespaces.add("ipampod"));
  });

  after(async function () {
    // Some tests stop their IMDS on purpose: a second close may fail.
    await Promise.all(servers.splice(0).map((server) => server.close().catch(() => undefined)));
    namespaces.removeAll();
    removeDirectory(installed?.workDirectory);
  });

  interface NodeOptions {
    /** Device index the node config gives the network (default 1). */
    deviceIndex?: number;
    /** The network's subnets in the node config (default: the two AZ subnets of the blog's network 1). */
    subnetCidrs?: string[];
    routes?: CniRoute[];
    /** How long ADD waits for the ENI in IMDS (MULTUS_ENI_PREFIX_WAIT_SECONDS); short for tests. */
    waitSeconds?: string;
  }

  /** A fresh "node": its own fake IMDS, node config and state directory, all given by the environment. */
  async function node(
    enis: EniMetadata[],
    options: NodeOptions = {},
    imdsOptions: Omit<FakeImdsOptions, "tree"> = {},
  ) {
    const imds = await startFakeImds({ tree: eniMetadataTree(enis), ...imdsOptions });
    servers.push(imds);
    const endpoint = imds.endpoint;
    caseNumber += 1;
    const stateDirectory = path.join(installed.workDirectory, `state-${caseNumber}`);
    const nodeConfig = writeNodeConfig(path.join(installed.workDirectory, `node-config-${caseNumber}.json`), [
      {
        name: "ipvlan-conf-1",
        deviceIndex: options.deviceIndex ?? 1,
        subnetCidrs: options.subnetCidrs ?? ["10.0.4.0/24", "10.0.5.0/24"],
      },
    ]);
    const env = {
      MULTUS_NODE_CONFIG: nodeConfig,
      MULTUS_IMDS_ENDPOINT: endpoint,
      MULTUS_ENI_PREFIX_DATA_DIR: stateDirectory,
      MULTUS_ENI_PREFIX_WAIT_SECONDS: options.waitSeconds ?? "2",
    };
    const ipam = eniPrefixIpamConfig({
      network: "ipvlan-conf-1",
      ...(options.routes ? { routes: options.routes } : {}),
    });
    const invoke = (
      command: CniCommand,
      containerId: string,
      extra: object = {},
      networkName = "multus-1",
    ) => ({
      plugin: installed.plugin,
      command,
      config: { cniVersion: "1.0.0", name: networkName, type: "macvlan", ipam, ...extra },
      containerId,
      netns: podNetns,
      ifname: "net1",
      cniPath: [CNI_PLUGIN_DIRECTORY],
      extraEnv: env as Record<string, string>,
    });
    return { imds, endpoint, stateDirectory, nodeConfig, env, invoke };
  }

  function ipv4Of(result: CniResult): { address: string; gateway?: string } {
    assert.ok(result.ips && result.ips.length === 1, `expected one address, got ${JSON.stringify(result)}`);
    return result.ips[0];
  }

  it("ADD hands out an address of the ENI's /28 with the subnet's mask and VPC router as gateway", async function () {
    const { imds, invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const result = await cniResult(invoke("ADD", "pod-a"));
    assert.equal(result.cniVersion, "1.0.0");
    const { address, gateway } = ipv4Of(result);
    assert.match(address, /\/24$/);
    assert.ok(
      addressesOfPrefix("10.0.4.32/28").includes(addressOnly(address)),
      `${address} outside 10.0.4.32/28`,
    );
    assert.equal(gateway, "10.0.4.1");
    assert.ok(
      imds.requests.some((request) => request.method === "PUT" && request.path === "/latest/api/token"),
      "IMDSv2 session token was not requested",
    );
  });

  it("routes the network's other subnets through the VPC router, and not the pod's own subnet", async function () {
    const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI], {
      routes: [{ dst: "10.0.4.0/24" }, { dst: "10.0.5.0/24" }],
    });
    const result = (await cniResult(invoke("ADD", "pod-routes"))) as CniResult & {
      routes?: { dst: string; gw?: string }[];
    };
    // A route without gw goes through the address's gateway (the VPC router) when the main plugin
    // configures the interface.
    assert.deepEqual(result.routes, [{ dst: "10.0.5.0/24" }]);
    assert.equal(ipv4Of(result).gateway, "10.0.4.1");
  });

  it("rejects a route whose dst is not a CIDR", async function () {
    const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const request = invoke("ADD", "pod-bad-route");
    const error = await cniError({
      ...request,
      config: { ...request.config, ipam: { ...request.config.ipam, routes: [{ dst: "not-a-cidr" }] } },
    });
    assert.match(error.msg, /ipam.routes dst 'not-a-cidr' is not a CIDR/);
  });

  it("keeps the caller's cniVersion (0.4.0 result format)", async function () {
    const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const request = invoke("ADD", "pod-v04");
    const result = await cniResult({ ...request, config: { ...request.config, cniVersion: "0.4.0" } });
    assert.equal(result.cniVersion, "0.4.0");
    assert.equal(ipv4Of(result).gateway, "10.0.4.1");
  });

  it("DEL releases the address (state file gone), is idempotent, and needs no IMDS", async function () {
    const { imds, stateDirectory, invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const first = addressOnly(ipv4Of(await cniResult(invoke("ADD", "pod-a"))).address);
    const second = addressOnly(ipv4Of(await cniResult(invoke("ADD", "pod-b"))).address);
    assert.deepEqual(reservedAddresses(stateDirectory), [first, second].sort());

    await cniResult(invoke("DEL", "pod-a"));
    assert.deepEqual(reservedAddresses(stateDirectory), [second]);
    await cniResult(invoke("DEL", "pod-a"));

    await imds.close();
    await cniResult(invoke("DEL", "pod-b"));
    assert.deepEqual(reservedAddresses(stateDirectory), []);
  });

  it("DEL of a container that never had an address, on a fresh node, succeeds", async function () {
    const { stateDirectory, invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    await cniResult(invoke("DEL", "never-added"));
    assert.deepEqual(reservedAddresses(stateDirectory), []);
  });

  it("CHECK passes for a live attachment and fails once it is gone or its prefix moved", async function () {
    const { imds, invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const added = await cniResult(invoke("ADD", "pod-a"));
    await cniResult(invoke("CHECK", "pod-a", { prevResult: added }));

    const unknown = await cniError(invoke("CHECK", "pod-unknown", { prevResult: added }));
    assert.match(unknown.msg, /Failed to find address/);

    imds.setTree(eniMetadataTree([PRIMARY_ENI, { ...MULTUS_ENI, ipv4Prefix: ["10.0.4.64/28"] }]));
    const moved = await cniError(invoke("CHECK", "pod-a", { prevResult: added }));
    assert.equal(moved.code, 104);
    assert.match(moved.msg, /no longer inside the prefix .*10\.0\.4\.64\/28/);

    await cniResult(invoke("DEL", "pod-a"));
    const deleted = await cniError(invoke("CHECK", "pod-a", { prevResult: added }));
    assert.match(deleted.msg, /Failed to find address/);
  });

  it("two nodes with different prefixes hand out disjoint addresses", async function () {
    const nodeA = await node([PRIMARY_ENI, MULTUS_ENI]);
    const nodeB = await node([
      { ...PRIMARY_ENI, mac: "02:00:00:00:01:01" },
      { ...MULTUS_ENI, mac: "02:00:00:00:01:02", ipv4Prefix: ["10.0.4.48/28"] },
    ]);
    const fromA: string[] = [];
    const fromB: string[] = [];
    for (let pod = 0; pod < 4; pod += 1) {
      fromA.push(addressOnly(ipv4Of(await cniResult(nodeA.invoke("ADD", `pod-${pod}`))).address));
      fromB.push(addressOnly(ipv4Of(await cniResult(nodeB.invoke("ADD", `pod-${pod}`))).address));
    }
    assert.ok(
      fromA.every((address) => addressesOfPrefix("10.0.4.32/28").includes(address)),
      fromA.join(),
    );
    assert.ok(
      fromB.every((address) => addressesOfPrefix("10.0.4.48/28").includes(address)),
      fromB.join(),
    );
    assert.equal(new Set([...fromA, ...fromB]).size, 8);
  });

  it("two networks on the same ENI share one pool (no duplicate address)", async function () {
    const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const one = ipv4Of(await cniResult(invoke("ADD", "pod-a", {}, "multus-1"))).address;
    const other = ipv4Of(await cniResult(invoke("ADD", "pod-b", {}, "multus-1-other-name"))).address;
    assert.notEqual(one, other);
  });

  it("all 16 addresses of the /28 are used, the 17th ADD names the exhausted prefix, a DEL frees one", async function () {
    const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
    const handedOut: string[] = [];
    for (let pod = 0; pod < 16; pod += 1) {
      handedOut.push(addressOnly(ipv4Of(await cniResult(invoke("ADD", `pod-${pod}`))).address));
    }
    assert.deepEqual([...handedOut].sort(), addressesOfPrefix("10.0.4.32/28").sort());

    const exhausted = await cniError(invoke("ADD", "pod-16"));
    assert.equal(exhausted.code, 103);
    assert.equal(exhausted.cniVersion, "1.0.0");
    assert.match(
      exhausted.msg,
      /prefix 10\.0\.4\.32\/28 of the ENI at device index 1 \(network ipvlan-conf-1\)/,
    );
    assert.match(exhausted.msg, /no free address/);

    await cniResult(invoke("DEL", "pod-7"));
    const reused = addressOnly(ipv4Of(await cniResult(invoke("ADD", "pod-16"))).address);
    assert.equal(reused, handedOut[7]);
  });

  it("an ENI with two prefixes offers both", async function () {
    const { invoke } = await node([
      PRIMARY_ENI,
      { ...MULTUS_ENI, ipv4Prefix: ["10.0.4.32/28", "10.0.4.96/28"] },
    ]);
    const handedOut: string[] = [];
    for (let pod = 0; pod < 17; pod += 1) {
      handedOut.push(addressOnly(ipv4Of(await cniResult(invoke("ADD", `pod-${pod}`))).address));
    }
    assert.equal(new Set(handedOut).size, 17);
    assert.ok(handedOut.some((address) => addressesOfPrefix("10.0.4.96/28").includes(address)));
  });

  it("waits for a hot-plugged ENI whose keys appear in IMDS a moment late", async function () {
    const eniPath = `network/interfaces/macs/${MULTUS_ENI.mac}`;
    const { imds, invoke } = await node(
      [PRIMARY_ENI, MULTUS_ENI],
      {},
      {
        hiddenForFirstRequests: { [`${eniPath}/device-number`]: 1, [`${eniPath}/ipv4-prefix`]: 1 },
      },
    );
    const { address } = ipv4Of(await cniResult(invoke("ADD", "pod-a")));
    assert.ok(addressesOfPrefix("10.0.4.32/28").includes(addressOnly(address)));
    assert.equal(imds.getCount(`${eniPath}/device-number`), 3);
  });

  describe("clear errors", function () {
    it("no ENI at the device index: waits, then asks the runtime to try again later (code 11)", async function () {
      const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI], { deviceIndex: 2, waitSeconds: "1" });
      const error = await cniError(invoke("ADD", "pod-a"));
      assert.equal(error.code, 11);
      assert.match(error.msg, /no ENI at device index 2/);
      assert.match(error.details ?? "", /02:00:00:00:00:02/);
    });

    it("an ENI on another network card does not count", async function () {
      const { invoke } = await node([PRIMARY_ENI, { ...MULTUS_ENI, networkCard: 1 }], { waitSeconds: "0.5" });
      const error = await cniError(invoke("ADD", "pod-a"));
      assert.equal(error.code, 11);
      assert.match(error.msg, /no ENI at device index 1/);
    });

    it("ENI whose prefix is not in IMDS yet: keeps looking for the whole wait, then code 11, not 'replace the node'", async function () {
      const { imds, invoke } = await node([PRIMARY_ENI, { ...MULTUS_ENI, ipv4Prefix: undefined }], {
        waitSeconds: "3",
      });
      const started = Date.now();
      const error = await cniError(invoke("ADD", "pod-a"));
      const elapsed = Date.now() - started;
      assert.equal(error.code, 11, JSON.stringify(error));
      assert.match(error.msg, /has no IPv4 prefix yet/);
      assert.ok(elapsed >= 3000, `gave up after ${elapsed} ms, before the 3 s wait`);
      assert.ok(imds.getCount(`network/interfaces/macs/${MULTUS_ENI.mac}/ipv4-prefix`) >= 3);
    });

    it("a prefix that shows up during the wait is used", async function () {
      const { imds, invoke } = await node([PRIMARY_ENI, { ...MULTUS_ENI, ipv4Prefix: undefined }], {
        waitSeconds: "10",
      });
      setTimeout(() => imds.setTree(eniMetadataTree([PRIMARY_ENI, MULTUS_ENI])), 2500);
      const { address } = ipv4Of(await cniResult(invoke("ADD", "pod-late")));
      assert.ok(addressesOfPrefix("10.0.4.32/28").includes(addressOnly(address)), address);
    });

    it("a 404 on the ENI's subnet key is 'not ready yet' (code 11 naming the key), not 'no ENI attached'", async function () {
      const { invoke } = await node([PRIMARY_ENI, { ...MULTUS_ENI, subnetIpv4CidrBlock: undefined }], {
        waitSeconds: "1",
      });
      const error = await cniError(invoke("ADD", "pod-a"));
      assert.equal(error.code, 11, JSON.stringify(error));
      assert.match(error.msg, /ENI 02:00:00:00:00:02 has no subnet-ipv4-cidr-block yet/);
      assert.doesNotMatch(error.msg, /no ENI/);
    });

    it("a malformed IMDS answer (http.client.HTTPException) is retried like any transient failure", async function () {
      const eniPath = `network/interfaces/macs/${MULTUS_ENI.mac}`;
      const { invoke } = await node(
        [PRIMARY_ENI, MULTUS_ENI],
        {},
        {
          malformedForFirstRequests: { [`${eniPath}/device-number`]: 1 },
        },
      );
      const { address } = ipv4Of(await cniResult(invoke("ADD", "pod-a")));
      assert.ok(addressesOfPrefix("10.0.4.32/28").includes(addressOnly(address)), address);
    });

    it("an ENI at the device index in another subnet is not the network's ENI (a VPC CNI ENI): refused", async function () {
      const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI], {
        subnetCidrs: ["10.0.6.0/24", "10.0.7.0/24"],
      });
      const error = await cniError(invoke("ADD", "pod-a"));
      assert.equal(error.code, 101);
      assert.match(error.msg, /is in subnet 10\.0\.4\.0\/24, not one of network ipvlan-conf-1's subnets/);
    });

    it("IMDS unreachable", async function () {
      const { imds, invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
      await imds.close();
      const error = await cniError(invoke("ADD", "pod-a"));
      assert.equal(error.code, 11);
      assert.match(error.msg, /instance metadata \(IMDS\) at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    });

    it("IMDS refuses a session token", async function () {
      const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI], {}, { tokenRefusalStatus: 403 });
      const error = await cniError(invoke("ADD", "pod-a"));
      assert.equal(error.code, 11);
      assert.match(error.msg, /refused an IMDSv2 session token/);
    });

    it("a network the node config does not know", async function () {
      const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
      const request = invoke("ADD", "pod-a");
      const config = request.config as { ipam: object };
      const error = await cniError({
        ...request,
        config: { ...config, ipam: { ...config.ipam, network: "not-a-network" } },
      });
      assert.equal(error.code, 7);
      assert.match(error.msg, /ipam\.network 'not-a-network' is not a Multus network of this node/);
      assert.match(error.details ?? "", /ipvlan-conf-1/);
    });

    it("host-local missing from CNI_PATH", async function () {
      const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
      const error = await cniError({ ...invoke("ADD", "pod-a"), cniPath: [installed.binDirectory] });
      assert.equal(error.code, 4);
      assert.match(error.msg, /host-local/);
    });

    it("unsupported cniVersion", async function () {
      const { invoke } = await node([PRIMARY_ENI, MULTUS_ENI]);
      const request = invoke("ADD", "pod-a");
      const error = await cniError({ ...request, config: { ...request.config, cniVersion: "9.9.9" } });
      assert.equal(error.code, 1);
    });
  });

  it("VERSION lists the supported spec versions", async function () {
    const outcome = await runCni({
      plugin: installed.plugin,
      command: "VERSION",
      config: { cniVersion: "1.0.0" },
      cniPath: [CNI_PLUGIN_DIRECTORY],
    });
    assert.equal(outcome.exitCode, 0);
    const version = JSON.parse(outcome.stdout) as { supportedVersions: string[] };
    assert.deepEqual(version.supportedVersions, ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]);
  });

  it("the installed plugin is the node file, executable", function () {
    assert.equal(fs.readFileSync(installed.plugin, "utf8"), fs.readFileSync(PLUGIN_SOURCE, "utf8"));
    assert.equal(fs.statSync(installed.plugin).mode & 0o777, 0o755);
  });

  describe("node settings come from the node only (a NAD is namespaced; the plugin runs as root)", function () {
    for (const [key, value] of [
      ["imdsEndpoint", "ATTACKER"],
      ["dataDir", "/tmp/nad-chosen-dir"],
      ["deviceIndex", 2],
    ] as const) {
      it(`refuses a NAD that sets ipam.${key}, before any request or file`, async function () {
        const attacker = await startFakeImds({ tree: eniMetadataTree([PRIMARY_ENI, MULTUS_ENI]) });
        servers.push(attacker);
        const nadDir = path.join(installed.workDirectory, `nad-chosen-${key}`);
        const { invoke, env, stateDirectory } = await node([PRIMARY_ENI, MULTUS_ENI]);
        const request = invoke("ADD", `pod-nad-${key}`);
        const config = request.config as { ipam: object };
        const nadValue = value === "ATTACKER" ? attacker.endpoint : key === "dataDir" ? nadDir : value;
        // No MULTUS_IMDS_ENDPOINT in the environment: nothing but the NAD names an endpoint here.
        const { MULTUS_IMDS_ENDPOINT: _unused, ...nodeEnv } = env;
        const error = await cniError({
          ...request,
          extraEnv: nodeEnv,
          config: { ...config, ipam: { ...config.ipam, [key]: nadValue } },
        });
        assert.equal(error.code, 7, JSON.stringify(error));
        assert.match(error.msg, new RegExp(`ipam\\.${key} is a node setting`));
        assert.equal(attacker.requests.length, 0, "the plugin sent requests to the NAD's endpoint");
        assert.equal(fs.existsSync(nadDir), false, "the plugin created the NAD's directory");
        assert.deepEqual(reservedAddresses(stateDirectory), []);
      });
    }
  });

  it("keeps host-local's store under /run by default (tmpfs: an address whose DEL never came is freed at reboot)", async function () {
    const { invoke, env } = await node([PRIMARY_ENI, { ...MULTUS_ENI, deviceNumber: 7 }], { deviceIndex: 7 });
    const { MULTUS_ENI_PREFIX_DATA_DIR: _unused, ...nodeEnv } = env;
    const store = "/run/multus-eni-prefix/multus-eni-prefix-7";
    fs.rmSync(store, { recursive: true, force: true });
    try {
      const request = invoke("ADD", "pod-run");
      const { address } = ipv4Of(await cniResult({ ...request, extraEnv: nodeEnv }));
      assert.deepEqual(reservedAddresses(store), [addressOnly(address)]);
      await cniResult({ ...invoke("DEL", "pod-run"), extraEnv: nodeEnv });
      assert.deepEqual(reservedAddresses(store), []);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it("never hands out the subnet's reserved addresses (first four, last), even inside a prefix", async function () {
    const low = await node([PRIMARY_ENI, { ...MULTUS_ENI, ipv4Prefix: ["10.0.4.0/28"] }]);
    const high = await node([PRIMARY_ENI, { ...MULTUS_ENI, ipv4Prefix: ["10.0.4.240/28"] }]);
    const handedOut: string[] = [];
    for (const [current, count] of [
      [low, 12],
      [high, 15],
    ] as const) {
      for (let pod = 0; pod < count; pod += 1) {
        handedOut.push(addressOnly(ipv4Of(await cniResult(current.invoke("ADD", `pod-${pod}`))).address));
      }
      assert.equal((await cniError(current.invoke("ADD", "pod-one-too-many"))).code, 103);
    }
    // AWS reserves .0 (network), .1 (router), .2 (DNS), .3 (future use) and the broadcast address.
    for (const reserved of ["10.0.4.0", "10.0.4.1", "10.0.4.2", "10.0.4.3", "10.0.4.255"]) {
      assert.ok(!handedOut.includes(reserved), `${reserved} was handed out`);
    }
    assert.equal(new Set(handedOut).size, 27);
  });

  it("runs under the system interpreter in isolated mode: PATH and PYTHON* of the runtime do not reach it", async function () {
    const trap = path.join(installed.workDirectory, "trap");
    fs.mkdirSync(trap, { recursive: true });
    const marker = path.join(trap, "imported");
    // A sitecustomize on PYTHONPATH, and a python3 first on PATH, would both run as root.
    fs.writeFileSync(
      path.join(trap, "sitecustomize.py"),
      `open(${JSON.stringify(marker)}, "w").write("site")\n`,
    );
    fs.writeFileSync(
      path.join(trap, "python3"),
      `#!/bin/sh\necho path > ${JSON.stringify(marker)}\nexit 1\n`,
    );
    fs.chmodSync(path.join(trap, "python3"), 0o755);
    const outcome = await runCni({
      plugin: installed.plugin,
      command: "VERSION",
      config: { cniVersion: "1.0.0" },
      cniPath: [CNI_PLUGIN_DIRECTORY],
      extraEnv: { PATH: `${trap}:${process.env.PATH ?? ""}`, PYTHONPATH: trap },
    });
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr);
    assert.equal(fs.existsSync(marker), false, "the runtime's PATH or PYTHONPATH reached the plugin");
  });
});
