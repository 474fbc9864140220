/**
 * The full data path through a real main plugin: two "node" namespaces whose Multus ENIs
 * are the two ends of a veth pair (the subnet between them), each node with its own IMDSv2
 * (on the node namespace's loopback) and its own /28. Pods get macvlan
 * interfaces with addresses from their node's prefix and ping each other, within a node
 * and across nodes.
 *
 * macvlan stands in for ipvlan: this kernel has no ipvlan module. (On EC2 use ipvlan: the
 * VPC drops frames from MAC addresses it did not assign, which rules out macvlan there.)
 */
import { strict as assert } from "assert";
import { spawn, execFileSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { eniPrefixIpamConfig } from "../../components/networks/ipam";
import { cniResult, runCni, type CniInvocation } from "./cni";
import { eniMetadataTree, type FakeImdsOptions } from "../support/fake-imds";
import { CNI_PLUGIN_DIRECTORY, ip, macOf, Namespaces, uniqueName } from "./netns";
import {
  addressesOfPrefix,
  addressOnly,
  installPlugin,
  removeDirectory,
  requireHostLocal,
  reservedAddresses,
  writeNodeConfig,
  type InstalledPlugin,
} from "./support";

const MACVLAN = `${CNI_PLUGIN_DIRECTORY}/macvlan`;
const MULTUS_LINK = "ens6";

interface Node {
  namespace: string;
  prefix: string;
  stateDirectory: string;
  imdsEndpoint: string;
}

interface Pod {
  node: Node;
  namespace: string;
  containerId: string;
  address?: string;
}

describe("multus-eni-prefix with macvlan: pods ping each other within and across nodes", function () {
  let installed: InstalledPlugin;
  const namespaces = new Namespaces();
  const imdsProcesses: ChildProcess[] = [];
  const pods: Pod[] = [];
  let nodeA: Node;
  let nodeB: Node;
  let nodeConfigPath: string;

  before(async function () {
    requireHostLocal(this);
    installed = installPlugin();
    nodeConfigPath = writeNodeConfig(path.join(installed.workDirectory, "node-config.json"), [
      { name: "routed", deviceIndex: 1, subnetCidrs: ["10.0.4.0/24"] },
    ]);
    nodeA = {
      namespace: namespaces.add("nodea"),
      prefix: "10.0.4.32/28",
      stateDirectory: "",
      imdsEndpoint: "",
    };
    nodeB = {
      namespace: namespaces.add("nodeb"),
      prefix: "10.0.4.48/28",
      stateDirectory: "",
      imdsEndpoint: "",
    };
    connectNodes(nodeA, nodeB);
    for (const node of [nodeA, nodeB]) {
      node.stateDirectory = path.join(installed.workDirectory, `${node.namespace}-state`);
      node.imdsEndpoint = await startImds(node);
    }
  });

  after(async function () {
    for (const pod of pods.splice(0)) {
      await runCni(macvlanInvocation(pod, "DEL")).catch(() => undefined);
    }
    for (const child of imdsProcesses.splice(0)) child.kill("SIGTERM");
    namespaces.removeAll();
    removeDirectory(installed?.workDirectory);
  });

  /** The two nodes' Multus ENIs: one veth pair, both ends named like an AL2023 ENI. */
  function connectNodes(first: Node, second: Node): void {
    const [endA, endB] = [uniqueName("va"), uniqueName("vb")];
    ip("link", "add", endA, "type", "veth", "peer", "name", endB);
    for (const [end, node] of [
      [endA, first],
      [endB, second],
    ] as const) {
      ip("link", "set", end, "netns", node.namespace);
      ip("-n", node.namespace, "link", "set", end, "name", MULTUS_LINK);
      ip("-n", node.namespace, "link", "set", MULTUS_LINK, "up");
      ip("-n", node.namespace, "link", "set", "lo", "up");
    }
  }

  /** The node's IMDS, on 127.0.0.1 inside the node's namespace; resolves to its endpoint. */
  async function startImds(node: Node): Promise<string> {
    const options: FakeImdsOptions = {
      tree: eniMetadataTree([
        { mac: "02:00:00:00:00:01", deviceNumber: 0, subnetIpv4CidrBlock: "10.0.2.0/24" },
        {
          mac: macOf(node.namespace, MULTUS_LINK),
          deviceNumber: 1,
          subnetIpv4CidrBlock: "10.0.4.0/24",
          ipv4Prefix: [node.prefix],
        },
      ]),
    };
    const optionsFile = path.join(installed.workDirectory, `${node.namespace}-imds.json`);
    fs.writeFileSync(optionsFile, JSON.stringify(options));
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        node.namespace,
        process.execPath,
        "-r",
        "ts-node/register/transpile-only",
        path.join(__dirname, "..", "support", "fake-imds-cli.ts"),
        optionsFile,
      ],
      { stdio: ["pipe", "pipe", "pipe"], cwd: path.join(__dirname, "..", "..") },
    );
    imdsProcesses.push(child);
    return new Promise<string>((resolve, reject) => {
      let errors = "";
      let output = "";
      child.stderr?.on("data", (chunk: Buffer) => (errors += chunk.toString()));
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const completeLines = output.split("\n").slice(0, -1);
        const line = completeLines.find((candidate) => candidate.includes("endpoint"));
        if (line) resolve((JSON.parse(line) as { endpoint: string }).endpoint);
      });
      child.once("exit", (code) =>
        reject(new Error(`fake IMDS in ${node.namespace} exited (${code}): ${errors}`)),
      );
    });
  }

  function macvlanInvocation(pod: Pod, command: "ADD" | "DEL"): CniInvocation {
    return {
      plugin: MACVLAN,
      command,
      config: {
        cniVersion: "1.0.0",
        name: "multus-1",
        type: "macvlan",
        master: MULTUS_LINK,
        mode: "bridge",
        ipam: eniPrefixIpamConfig({ network: "routed" }),
      },
      containerId: pod.containerId,
      netns: namespaces.path(pod.namespace),
      ifname: "net1",
      // The installed IPAM plugin first, then macvlan and host-local: as /opt/cni/bin on a node.
      cniPath: [installed.binDirectory, CNI_PLUGIN_DIRECTORY],
      // Plugins run in the node's namespace, where the master link and the IMDS are.
      inNamespace: pod.node.namespace,
      // Node settings from the node: its config file and the runtime's environment.
      extraEnv: {
        MULTUS_NODE_CONFIG: nodeConfigPath,
        MULTUS_IMDS_ENDPOINT: pod.node.imdsEndpoint,
        MULTUS_ENI_PREFIX_DATA_DIR: pod.node.stateDirectory,
      },
    };
  }

  async function startPod(node: Node, stem: string): Promise<Pod> {
    const pod: Pod = { node, namespace: namespaces.add(stem), containerId: uniqueName(`ctr-${stem}-`) };
    pods.push(pod);
    const result = await cniResult(macvlanInvocation(pod, "ADD"));
    const ipv4 = result.ips?.[0];
    assert.ok(ipv4, `macvlan returned no address: ${JSON.stringify(result)}`);
    assert.equal(ipv4.gateway, "10.0.4.1");
    pod.address = addressOnly(ipv4.address);
    return pod;
  }

  function ping(from: Pod, to: Pod): void {
    assert.ok(to.address);
    execFileSync(
      "ip",
      ["netns", "exec", from.namespace, "ping", "-c", "2", "-i", "0.2", "-W", "2", to.address],
      {
        stdio: "pipe",
      },
    );
  }

  it("gives each pod an address of its node's /28 on net1 and carries traffic between them", async function () {
    const podA1 = await startPod(nodeA, "pa1");
    const podA2 = await startPod(nodeA, "pa2");
    const podB1 = await startPod(nodeB, "pb1");

    for (const pod of [podA1, podA2, podB1]) {
      assert.ok(
        addressesOfPrefix(pod.node.prefix).includes(pod.address ?? ""),
        `${pod.address} not in ${pod.node.prefix}`,
      );
      const shown = ip("-n", pod.namespace, "-4", "-o", "address", "show", "dev", "net1");
      assert.match(shown, new RegExp(`inet ${pod.address?.replace(/\./g, "\\.")}/24 `));
    }

    ping(podA1, podA2); // same node
    ping(podA1, podB1); // across nodes
    ping(podB1, podA2);
  });

  it("carries pod traffic whatever the master's rp_filter: strict on the master and conf.all of both nodes", async function () {
    // The nodes have no address and no route for the Multus subnet, so a strict reverse-path check
    // on the master would drop every packet if pod traffic passed the master's IP input path. It
    // does not (macvlan, like ipvlan, hands it to the pod's device first): the node sets no rp_filter.
    for (const node of [nodeA, nodeB]) {
      for (const key of ["all", MULTUS_LINK]) {
        ip("netns", "exec", node.namespace, "sysctl", "-qw", `net.ipv4.conf.${key}.rp_filter=1`);
      }
    }
    const [podA1, podA2, podB1] = pods;
    assert.ok(podA1 && podA2 && podB1, "the previous test's pods");
    ping(podA1, podB1);
    ping(podB1, podA2);
  });

  it("macvlan DEL releases the pods' addresses through the IPAM plugin", async function () {
    assert.ok(
      reservedAddresses(nodeA.stateDirectory).length > 0,
      "the previous test left no allocation to release",
    );
    for (const pod of pods.splice(0)) {
      await cniResult(macvlanInvocation(pod, "DEL"));
    }
    assert.deepEqual(reservedAddresses(nodeA.stateDirectory), []);
    assert.deepEqual(reservedAddresses(nodeB.stateDirectory), []);
  });
});
