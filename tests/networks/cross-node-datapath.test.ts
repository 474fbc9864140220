// The cross-node check's own script, run for real with busybox (sh, wget, grep, sed, ping, as in
// the sample image) in a check pod's network namespace:
// - two "nodes" in two AZs: each node's Multus ENI (a veth end named like the NAD's master) faces
//   a "vpc" namespace that holds both subnets' routers and forwards between them, as the VPC router
//   does across AZs; each node has its own fake IMDS with its own /28 prefix;
// - the responder (on node A) and the check pod (on node B) get their net1 from the real
//   eni-prefix IPAM plugin through macvlan (this kernel has no ipvlan), with the NAD's config;
// - a fake Kubernetes API inside the check pod's namespace serves the responder pod with the
//   network-status annotation Multus would write, only with the right bearer token.
// The fake API speaks https with a throw-away self-signed certificate (made with the openssl CLI),
// as the in-cluster API does. Debian's busybox is 1.35 (the sample image has 1.36.1); with only
// busybox applets on PATH its wget uses busybox's own TLS code, as in the image. That code needs
// TLS 1.2 and the signature algorithms OpenSSL 3 allows only at security level 0, so the fake API
// allows them (see cross-node-fake-api.ts); whether the real API server accepts them is not
// something this machine can show.
import { nodeConfig, renderNodeConfig } from "../../components/nodegroup/node-config";
import { strict as assert } from "node:assert";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CROSS_NODE_RESPONDER,
  crossNodeJobSpec,
  planCrossNodeCheck,
  type CrossNodePlan,
} from "../../components/networks/cross-node-check";
import { NetworkAttachmentPlan, planNetworkAttachments } from "../../components/networks/nad";
import { cniResult, runCni, type CniInvocation } from "../ipam/cni";
import { CNI_PLUGIN_DIRECTORY, ip, macOf, Namespaces, uniqueName } from "../ipam/netns";
import {
  addressesOfPrefix,
  addressOnly,
  installPlugin,
  removeDirectory,
  requireHostLocal,
} from "../ipam/support";
import type { InstalledPlugin } from "../ipam/support";
import { eniMetadataTree, type FakeImdsOptions } from "../support/fake-imds";
import type { FakeApiOptions } from "./cross-node-fake-api";
import { ningxia, settingsOf } from "./harness";

const BUSYBOX = "/bin/busybox";
const MACVLAN = `${CNI_PLUGIN_DIRECTORY}/macvlan`;
const IP = execFileSync("sh", ["-c", "command -v ip"], { encoding: "utf8" }).trim();
const TOKEN = "check-pod-token";
const NAMESPACE = "default";
const ROOT = path.join(__dirname, "..", "..");

interface Node {
  readonly name: string;
  readonly namespace: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly prefix: string;
  stateDirectory: string;
  imdsEndpoint: string;
}

interface Pod {
  readonly node: Node;
  readonly namespace: string;
  readonly containerId: string;
  address?: string;
}

/** Starts a helper that prints {"endpoint": ...} inside `namespace`; resolves to the endpoint. */
function startHelper(
  namespace: string,
  script: string,
  optionsFile: string,
  children: ChildProcess[],
  log: string[] = [],
): Promise<string> {
  const child = spawn(
    IP,
    [
      "netns",
      "exec",
      namespace,
      process.execPath,
      "-r",
      "ts-node/register/transpile-only",
      script,
      optionsFile,
    ],
    { stdio: ["pipe", "pipe", "pipe"], cwd: ROOT },
  );
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let errors = "";
    let pending = "";
    child.stderr?.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        log.push(line);
        if (line.includes("endpoint")) resolve((JSON.parse(line) as { endpoint: string }).endpoint);
      }
    });
    child.once("exit", (code) => reject(new Error(`${script} in ${namespace} exited (${code}): ${errors}`)));
  });
}

describe("Cross-node check script (busybox) across two nodes in two AZs, eni-prefix + macvlan", function () {
  const namespaces = new Namespaces();
  const children: ChildProcess[] = [];
  const apiLog: string[] = [];
  const settings = settingsOf(
    ningxia({
      networks: [{ name: "routed", ipam: "eni-prefix", routes: ["10.0.4.0/24", "10.0.5.0/24"] }],
      nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
      nodeMinSize: 2,
      nodeDesiredSize: 2,
      nodeMaxSize: 2,
    }),
  );
  const zones = settings.nodeGroup.availabilityZones;
  const nads = planNetworkAttachments(settings.networks, zones);
  const crossNode = planCrossNodeCheck(settings.networks, zones, nads, {
    connectivityCheck: true,
    nodeCount: 2,
  });
  let plan: CrossNodePlan;
  let installed: InstalledPlugin;
  let nodeConfigFile: string;
  let work: string;
  let busyboxPath: string;
  let apiEndpoint: string;
  let podFile: string;
  let tokenFile: string;
  let nodeA: Node;
  let nodeB: Node;
  let responder: Pod;
  let checkPod: Pod;

  function invocation(
    pod: Pod,
    nad: NetworkAttachmentPlan,
    ifname: string,
    command: "ADD" | "DEL",
  ): CniInvocation {
    return {
      plugin: MACVLAN,
      command,
      // The NAD's config as Multus hands it over, with macvlan for ipvlan and the node's test IMDS.
      config: {
        ...nad.cniConfig,
        name: nad.name,
        type: "macvlan",
        mode: "bridge",
      },
      containerId: pod.containerId,
      netns: namespaces.path(pod.namespace),
      ifname,
      cniPath: [installed.binDirectory, CNI_PLUGIN_DIRECTORY],
      inNamespace: pod.node.namespace,
      // Node settings from the node: the generated node config and the runtime's environment.
      extraEnv: {
        MULTUS_NODE_CONFIG: nodeConfigFile,
        MULTUS_IMDS_ENDPOINT: pod.node.imdsEndpoint,
        MULTUS_ENI_PREFIX_DATA_DIR: pod.node.stateDirectory,
      },
    };
  }

  async function attach(pod: Pod, command: "ADD" | "DEL"): Promise<void> {
    for (const attachment of plan.responder.attachments) {
      const nad = nads.find((candidate) => candidate.name === attachment.nad)!;
      const result = await cniResult(invocation(pod, nad, attachment.interface, command));
      if (command === "ADD") pod.address = addressOnly(result.ips![0].address);
    }
  }

  async function startPod(node: Node, stem: string): Promise<Pod> {
    const pod: Pod = { node, namespace: namespaces.add(stem), containerId: uniqueName(`ctr-${stem}-`) };
    ip("-n", pod.namespace, "link", "set", "lo", "up");
    await attach(pod, "ADD");
    return pod;
  }

  /** The responder as the API returns it: Multus's network-status (pretty JSON in a string). */
  function writeResponder(networkStatus: object[] | undefined, nodeName = nodeA.name): void {
    const annotations: Record<string, string> = {
      "k8s.v1.cni.cncf.io/networks": plan.responder.networksAnnotation,
    };
    if (networkStatus)
      annotations["k8s.v1.cni.cncf.io/network-status"] = JSON.stringify(networkStatus, null, 4);
    const pod = {
      kind: "Pod",
      apiVersion: "v1",
      metadata: {
        name: CROSS_NODE_RESPONDER,
        namespace: NAMESPACE,
        annotations,
        managedFields: [
          {
            manager: "multus-daemon",
            fieldsV1: { "f:metadata": { "f:annotations": { "f:k8s.v1.cni.cncf.io/network-status": {} } } },
          },
        ],
      },
      spec: { nodeName, containers: [{ name: "sample" }] },
      status: { phase: "Running" },
    };
    fs.writeFileSync(podFile, JSON.stringify(pod));
  }

  function statusOf(address: string | undefined): object[] {
    return [
      {
        name: "aws-cni",
        interface: "eth0",
        ips: ["10.0.2.15"],
        mac: "02:00:00:00:00:10",
        default: true,
        dns: {},
      },
      { name: `${NAMESPACE}/routed`, interface: "net1", ips: [address], mac: "02:00:00:00:00:11", dns: {} },
    ];
  }

  /** The Job's container command, run by busybox in the check pod's namespace, busybox applets only. */
  function runCheck(env: Record<string, string> = {}): { status: number | null; output: string } {
    const spec = crossNodeJobSpec(plan.check, "busybox") as {
      template: { spec: { containers: { command: string[] }[] } };
    };
    const [command] = spec.template.spec.containers.map((container) => container.command);
    const result = spawnSync(IP, ["netns", "exec", checkPod.namespace, BUSYBOX, ...command], {
      encoding: "utf8",
      timeout: 60_000,
      env: {
        PATH: busyboxPath,
        POD_NAMESPACE: NAMESPACE,
        NODE_NAME: nodeB.name,
        RESPONDER_POD: CROSS_NODE_RESPONDER,
        MULTUS_CHECK_API: apiEndpoint,
        MULTUS_CHECK_TOKEN_FILE: tokenFile,
        MULTUS_CHECK_ATTEMPTS: "3",
        MULTUS_CHECK_INTERVAL: "1",
        ...env,
      },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  /** runCheck blocks this process, so the fake API's log lines are read only afterwards. */
  const apiLogSettled = () => new Promise((resolve) => setTimeout(resolve, 300));

  before(async function () {
    requireHostLocal(this);
    const openssl = spawnSync("openssl", ["version"]).status === 0;
    if (!fs.existsSync(BUSYBOX) || !fs.existsSync(MACVLAN) || !openssl) {
      console.warn(
        `\n  !!! SKIPPING cross-node check script tests: ${BUSYBOX}, ${MACVLAN} or openssl is missing. ` +
          "Install them with: apt-get install -y busybox containernetworking-plugins openssl !!!\n",
      );
      this.skip();
    }
    assert.ok(crossNode.plan, "an eni-prefix network on two nodes gets the cross-node check");
    assert.deepEqual(crossNode.notes, [], "the network's routes cover both AZs' subnets");
    plan = crossNode.plan;
    installed = installPlugin();
    work = installed.workDirectory;
    // The node config the stack ships to every node (/etc/multus-eks/node-config.json).
    nodeConfigFile = path.join(work, "node-config.json");
    fs.writeFileSync(
      nodeConfigFile,
      renderNodeConfig(
        nodeConfig({
          clusterName: settings.clusterName,
          region: settings.region.name,
          availabilityZones: zones,
          networks: settings.networks,
        }),
      ),
    );
    busyboxPath = path.join(work, "busybox-bin");
    fs.mkdirSync(busyboxPath);
    execFileSync(BUSYBOX, ["--install", "-s", busyboxPath]);
    tokenFile = path.join(work, "token");
    fs.writeFileSync(tokenFile, TOKEN);
    podFile = path.join(work, "responder.json");

    const vpc = namespaces.add("xvpc");
    execFileSync(IP, ["netns", "exec", vpc, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    const [network] = settings.networks;
    const makeNode = (name: string, zone: string, prefix: string): Node => {
      const subnet = network.subnets.find((candidate) => candidate.availabilityZone === zone)!;
      return {
        name,
        namespace: namespaces.add(name.replace("node-", "xn")),
        subnet: subnet.cidr,
        gateway: subnet.gateway,
        prefix,
        stateDirectory: path.join(work, `${name}-state`),
        imdsEndpoint: "",
      };
    };
    nodeA = makeNode("node-a", zones[0], "10.0.4.32/28");
    nodeB = makeNode("node-b", zones[1], "10.0.5.48/28");
    for (const node of [nodeA, nodeB]) {
      // The node's Multus ENI, named by the user data; its subnet's router sits in the "vpc".
      const peer = uniqueName("xr");
      ip(
        "link",
        "add",
        network.interfaceName,
        "netns",
        node.namespace,
        "type",
        "veth",
        "peer",
        "name",
        peer,
        "netns",
        vpc,
      );
      ip("-n", node.namespace, "link", "set", network.interfaceName, "up");
      ip("-n", node.namespace, "link", "set", "lo", "up");
      ip("-n", vpc, "addr", "add", `${node.gateway}/24`, "dev", peer);
      ip("-n", vpc, "link", "set", peer, "up");
      const imds: FakeImdsOptions = {
        tree: eniMetadataTree([
          { mac: "02:00:00:00:00:01", deviceNumber: 0, subnetIpv4CidrBlock: "10.0.2.0/24" },
          {
            mac: macOf(node.namespace, network.interfaceName),
            deviceNumber: network.deviceIndex,
            subnetIpv4CidrBlock: node.subnet,
            ipv4Prefix: [node.prefix],
          },
        ]),
      };
      const imdsFile = path.join(work, `${node.name}-imds.json`);
      fs.writeFileSync(imdsFile, JSON.stringify(imds));
      node.imdsEndpoint = await startHelper(
        node.namespace,
        path.join(ROOT, "tests", "support", "fake-imds-cli.ts"),
        imdsFile,
        children,
      );
    }
    responder = await startPod(nodeA, "xresp");
    checkPod = await startPod(nodeB, "xchk");

    const tls = { keyFile: path.join(work, "api-key.pem"), certFile: path.join(work, "api-cert.pem") };
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=kubernetes.default.svc",
        "-keyout",
        tls.keyFile,
        "-out",
        tls.certFile,
      ],
      { stdio: "pipe" },
    );
    const apiOptions: FakeApiOptions = {
      token: TOKEN,
      namespace: NAMESPACE,
      pod: CROSS_NODE_RESPONDER,
      podFile,
      tls,
    };
    const apiFile = path.join(work, "api.json");
    fs.writeFileSync(apiFile, JSON.stringify(apiOptions));
    apiEndpoint = await startHelper(
      checkPod.namespace,
      path.join(__dirname, "cross-node-fake-api.ts"),
      apiFile,
      children,
      apiLog,
    );
  });

  after(async function () {
    for (const pod of [responder, checkPod]) {
      if (pod) {
        for (const attachment of plan?.responder.attachments ?? []) {
          const nad = nads.find((candidate) => candidate.name === attachment.nad)!;
          await runCni(invocation(pod, nad, attachment.interface, "DEL")).catch(() => undefined);
        }
      }
    }
    for (const child of children.splice(0)) child.kill("SIGTERM");
    namespaces.removeAll();
    removeDirectory(installed?.workDirectory);
  });

  it("gives the responder and the check pod addresses from their own nodes' /28s, in different subnets", () => {
    assert.ok(
      addressesOfPrefix(nodeA.prefix).includes(responder.address!),
      `${responder.address} in ${nodeA.prefix}`,
    );
    assert.ok(
      addressesOfPrefix(nodeB.prefix).includes(checkPod.address!),
      `${checkPod.address} in ${nodeB.prefix}`,
    );
    // The NAD's routes reach the other AZ's subnet through the pod's own subnet router.
    const routes = ip("-n", checkPod.namespace, "route", "show", "dev", "net1");
    assert.match(
      routes,
      new RegExp(`^${nodeA.subnet.replace(/\./g, "\\.")} via ${nodeB.gateway.replace(/\./g, "\\.")}`, "m"),
    );
  });

  it("learns the responder's address from the API and pings it across nodes", async () => {
    writeResponder(statusOf(responder.address));
    apiLog.length = 0;
    const { status, output } = runCheck();
    await apiLogSettled();
    assert.equal(status, 0, output);
    assert.equal(
      output.trim(),
      `ok   ${CROSS_NODE_RESPONDER} on routed (${responder.address}) from net1, node node-b -> node node-a`,
    );
    assert.deepEqual(
      apiLog.map((line) => JSON.parse(line) as { request: string; status: number }),
      [{ request: `/api/v1/namespaces/${NAMESPACE}/pods/${CROSS_NODE_RESPONDER}`, status: 200 }],
    );
  });

  it("retries a bounded number of times while the annotation is missing, then says so", async () => {
    writeResponder(undefined);
    apiLog.length = 0;
    const started = Date.now();
    const { status, output } = runCheck({ MULTUS_CHECK_ATTEMPTS: "3" });
    await apiLogSettled();
    assert.equal(status, 1, output);
    assert.match(
      output,
      new RegExp(
        `^FAIL cross-node check: could not learn the Multus address\\(es\\) of pod ${CROSS_NODE_RESPONDER} after 3 ` +
          `attempt\\(s\\): its k8s.v1.cni.cncf.io/network-status annotation has no address on: ${NAMESPACE}/routed$`,
        "m",
      ),
    );
    assert.equal(apiLog.length, 3, apiLog.join("\n"));
    assert.ok(Date.now() - started >= 2000, "waited between attempts");
  });

  it("reports a refused API request (wrong token) with the API's answer", () => {
    writeResponder(statusOf(responder.address));
    const wrongToken = path.join(work, "wrong-token");
    fs.writeFileSync(wrongToken, "not-the-token");
    const { status, output } = runCheck({ MULTUS_CHECK_TOKEN_FILE: wrongToken, MULTUS_CHECK_ATTEMPTS: "2" });
    assert.equal(status, 1, output);
    assert.match(
      output,
      /after 2 attempt\(s\): the API request https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/pods\/multus-cross-node-responder failed: .*403/,
    );
  });

  it("refuses to pass when both pods ended up on one node", () => {
    writeResponder(statusOf(responder.address), nodeB.name);
    const { status, output } = runCheck();
    assert.equal(status, 1, output);
    assert.match(output, /both on node node-b; the check needs two nodes/);
  });

  it("fails, naming the network, address and nodes, when the responder does not answer", async () => {
    writeResponder(statusOf(responder.address));
    const address = responder.address!;
    await attach(responder, "DEL");
    const { status, output } = runCheck();
    assert.equal(status, 1, output);
    assert.match(
      output,
      new RegExp(
        `^FAIL ${CROSS_NODE_RESPONDER} on routed \\(${address.replace(/\./g, "\\.")}\\) from net1, node node-b -> node node-a$`,
        "m",
      ),
    );
    assert.match(output, /Multus cross-node check failed/);
  });
});
