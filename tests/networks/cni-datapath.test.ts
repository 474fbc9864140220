// The blog's NADs through the real CNI plugins (Debian containernetworking-plugins in /usr/lib/cni).
//
// 1. host-local, as each NAD configures it: ADD hands out exactly rangeStart..rangeEnd (11 addresses
//    for ipvlan-conf-1, 21 for ipvlan-conf-2), the next ADD fails, DEL frees an address for reuse,
//    and a pinned address (`ips`, what Multus passes for the samples) is served as asked.
// 2. The data path: this kernel cannot create ipvlan links, so the NADs' own `type` cannot run
//    here. macvlan (bridge) with the very same IPAM config stands in: a "node" namespace holds
//    veth ends named like the NADs' masters (multus1, multus2) whose peers sit in a "vpc"
//    namespace with the subnet gateways. The samples and the check pod get their interfaces and
//    pinned addresses exactly as planned, then the check Job's own script runs in the check pod:
//    it must pass, and must fail (naming the sample) once a sample's interface is gone.
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MultusNetwork } from "../../components/model/network";
import {
  HostLocalIpamConfig,
  NetworkAttachmentPlan,
  planNetworkAttachments,
} from "../../components/networks/nad";
import { CheckPlan, planSamples, PodPlan } from "../../components/networks/samples";
import { CniInvocation, cniError, cniResult, runCni } from "../ipam/cni";
import { CNI_PLUGIN_DIRECTORY, hostLocalAvailable, ip, Namespaces, uniqueName } from "../ipam/netns";
import { ningxia, settingsOf } from "./harness";

const HOST_LOCAL = `${CNI_PLUGIN_DIRECTORY}/host-local`;
const MACVLAN = `${CNI_PLUGIN_DIRECTORY}/macvlan`;

function addressRange(start: string, end: string): string[] {
  const toNumber = (address: string): number =>
    address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
  const toAddress = (value: number): string =>
    [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
  const addresses: string[] = [];
  for (let value = toNumber(start); value <= toNumber(end); value++) addresses.push(toAddress(value));
  return addresses;
}

/** The NAD's config as Multus hands it to the plugin: the NAD name filled in, state in `dataDir`. */
function delegateConfig(
  nad: NetworkAttachmentPlan,
  dataDir: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...nad.cniConfig, name: nad.name, ipam: { ...nad.cniConfig.ipam, dataDir }, ...extra };
}

/** host-local on its own, the way a main plugin calls it (it insists on CNI_NETNS but never opens it). */
function hostLocal(
  command: "ADD" | "DEL" | "CHECK",
  config: object,
  containerId: string,
  ifname = "net1",
): CniInvocation {
  return {
    plugin: HOST_LOCAL,
    command,
    config,
    containerId,
    ifname,
    netns: "/var/run/netns/unused",
    cniPath: [CNI_PLUGIN_DIRECTORY],
  };
}

function requirePlugins(context: Mocha.Context): void {
  if (!hostLocalAvailable() || !fs.existsSync(MACVLAN)) {
    console.warn(
      `\n  !!! SKIPPING Multus data-path tests: ${HOST_LOCAL} or ${MACVLAN} is missing. ` +
        "Install them with: apt-get install -y containernetworking-plugins !!!\n",
    );
    context.skip();
  }
}

describe("Blog NADs through host-local (real plugin)", function () {
  let stateDirectory: string;
  const settings = settingsOf(ningxia());
  const nads = planNetworkAttachments(settings.networks, settings.nodeGroup.availabilityZones);

  before(function () {
    requirePlugins(this);
  });
  beforeEach(() => {
    stateDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "multus-nad-"));
  });
  afterEach(() => fs.rmSync(stateDirectory, { recursive: true, force: true }));

  const expected: Record<string, { first: string; last: string; count: number }> = {
    "ipvlan-conf-1": { first: "10.0.4.70", last: "10.0.4.80", count: 11 },
    "ipvlan-conf-2": { first: "10.0.6.10", last: "10.0.6.30", count: 21 },
  };

  for (const name of Object.keys(expected)) {
    it(`${name}: hands out exactly its range, runs out after it, and reuses a freed address`, async () => {
      const nad = nads.find((plan) => plan.name === name)!;
      const config = delegateConfig(nad, stateDirectory);
      const ipam = config.ipam as HostLocalIpamConfig;
      const { first, last, count } = expected[name];
      assert.equal(ipam.rangeStart, first);
      assert.equal(ipam.rangeEnd, last);

      const add = (containerId: string) => cniResult(hostLocal("ADD", config, containerId));
      const given: string[] = [];
      for (let index = 0; index < count; index++) {
        const result = await add(`pod-${index}`);
        assert.equal(result.ips?.length, 1);
        assert.equal(result.ips![0].gateway, ipam.gateway);
        given.push(result.ips![0].address);
      }
      assert.deepEqual(
        given,
        addressRange(first, last).map((address) => `${address}/24`),
      );

      const exhausted = await cniError(hostLocal("ADD", config, "one-too-many"));
      assert.match(exhausted.msg, /no IP addresses available in range set/);
      assert.match(exhausted.msg, new RegExp(`${first.replace(/\./g, "\\.")}-${last.replace(/\./g, "\\.")}`));

      const freed = given[4];
      await cniResult(hostLocal("DEL", config, "pod-4"));
      const again = await add("pod-new");
      assert.equal(again.ips![0].address, freed);
    });
  }

  it("serves a pinned address from the range (the `ips` Multus passes), and refuses one outside it or taken", async () => {
    const nad = nads[0];
    const pinned = (containerId: string, address: string) =>
      runCni(
        hostLocal(
          "ADD",
          delegateConfig(nad, stateDirectory, { runtimeConfig: { ips: [address] } }),
          containerId,
        ),
      );
    const first = await pinned("a", "10.0.4.80/24");
    assert.equal(first.exitCode, 0, first.stdout);
    assert.equal(JSON.parse(first.stdout).ips[0].address, "10.0.4.80/24");
    const taken = await pinned("b", "10.0.4.80/24");
    assert.notEqual(taken.exitCode, 0);
    assert.match(JSON.parse(taken.stdout).msg, /10\.0\.4\.80 is not available/);
    const outside = await pinned("c", "10.0.4.90/24");
    assert.notEqual(outside.exitCode, 0);
  });

  it("CHECK: refused at the NADs' cniVersion 0.3.1 (CHECK came with 0.4.0); at 0.4.0 host-local confirms the reservation", async () => {
    const nad = nads[1];
    const config = delegateConfig(nad, stateDirectory);
    const added = await cniResult(hostLocal("ADD", config, "checked", "net2"));
    const refused = await cniError(hostLocal("CHECK", { ...config, prevResult: added }, "checked", "net2"));
    assert.equal(refused.msg, "config version does not allow CHECK");
    const v040 = { ...config, cniVersion: "0.4.0" };
    const prevResult = await cniResult(hostLocal("ADD", v040, "checked-040", "net2"));
    await cniResult(hostLocal("CHECK", { ...v040, prevResult }, "checked-040", "net2"));
    // A container that never got an address fails CHECK.
    const unknown = await runCni(hostLocal("CHECK", { ...v040, prevResult }, "never-added", "net2"));
    assert.notEqual(unknown.exitCode, 0);
  });
});

describe("Blog NADs on a node: samples and the connectivity check (macvlan in place of ipvlan)", function () {
  const namespaces = new Namespaces();
  let stateDirectory: string;
  let node: string;
  let vpc: string;
  const settings = settingsOf(ningxia());
  const zone = settings.nodeGroup.availabilityZones[0];
  const nads = planNetworkAttachments(settings.networks, settings.nodeGroup.availabilityZones);
  const plan = planSamples(settings.networks, settings.nodeGroup.availabilityZones, nads, {
    connectivityCheck: true,
  });
  const podNamespaces = new Map<string, string>();

  let ipvlanWorks = false;

  /** The NAD as it is where the kernel has ipvlan; else with macvlan bridge, same master and IPAM. */
  function runnableConfig(nad: NetworkAttachmentPlan, address: string | undefined): Record<string, unknown> {
    assert.equal(nad.cniConfig.type, "ipvlan", "the blog's NADs are ipvlan");
    return delegateConfig(nad, stateDirectory, {
      ...(ipvlanWorks ? {} : { type: "macvlan", mode: "bridge" }),
      ...(address ? { runtimeConfig: { ips: [address] } } : {}),
    });
  }

  async function attach(pod: PodPlan, command: "ADD" | "DEL"): Promise<void> {
    for (const attachment of pod.attachments) {
      const nad = nads.find((candidate) => candidate.name === attachment.nad)!;
      const result = await runCni({
        plugin: MACVLAN,
        command,
        config: runnableConfig(nad, attachment.address),
        containerId: pod.name,
        netns: namespaces.path(podNamespaces.get(pod.name)!),
        ifname: attachment.interface,
        cniPath: [CNI_PLUGIN_DIRECTORY],
        inNamespace: node,
      });
      assert.equal(
        result.exitCode,
        0,
        `${command} ${pod.name} ${attachment.interface}: ${result.stdout} ${result.stderr}`,
      );
      if (command === "ADD") assert.equal(JSON.parse(result.stdout).ips[0].address, attachment.address);
    }
  }

  function runCheck(check: CheckPlan): { status: number | null; output: string } {
    const result = spawnSync(
      "ip",
      ["netns", "exec", podNamespaces.get(check.name)!, "sh", "-c", check.script],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  before(async function () {
    requirePlugins(this);
    stateDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "multus-node-"));
    node = namespaces.add("mnode");
    vpc = namespaces.add("mvpc");
    for (const network of settings.networks as MultusNetwork[]) {
      // The Multus ENI as the node sees it (named by the user data), its subnet's router beyond it.
      const peer = uniqueName("pr");
      ip(
        "-n",
        node,
        "link",
        "add",
        network.interfaceName,
        "type",
        "veth",
        "peer",
        "name",
        peer,
        "netns",
        vpc,
      );
      ip("-n", node, "link", "set", network.interfaceName, "up");
      const subnet = network.subnets.find((candidate) => candidate.availabilityZone === zone)!;
      ip("-n", vpc, "addr", "add", `${subnet.gateway}/24`, "dev", peer);
      ip("-n", vpc, "link", "set", peer, "up");
    }
    const probe = spawnSync("ip", [
      "-n",
      node,
      "link",
      "add",
      "ipvprobe",
      "link",
      "multus1",
      "type",
      "ipvlan",
      "mode",
      "l2",
    ]);
    ipvlanWorks = probe.status === 0;
    if (ipvlanWorks) ip("-n", node, "link", "delete", "ipvprobe");
    else
      console.warn(
        "    (this kernel has no ipvlan: the data path runs with macvlan bridge and the NADs' IPAM)",
      );
    for (const pod of [...plan.samples, ...plan.checks]) {
      const netns = namespaces.add("mpod");
      podNamespaces.set(pod.name, netns);
      ip("-n", netns, "link", "set", "lo", "up");
      await attach(pod, "ADD");
    }
  });
  after(() => {
    namespaces.removeAll();
    if (stateDirectory) fs.rmSync(stateDirectory, { recursive: true, force: true });
  });

  it("plans the samples and the check as the blog's pods, on multus1/multus2 with pinned addresses", () => {
    assert.deepEqual(
      [...plan.samples, ...plan.checks].map((pod) => [
        pod.name,
        pod.attachments.map(
          (attachment) => `${attachment.interface}=${attachment.nad}@${attachment.address}`,
        ),
      ]),
      [
        ["sampleapp-1", ["net1=ipvlan-conf-1@10.0.4.80/24"]],
        ["sampleapp-dual", ["net1=ipvlan-conf-1@10.0.4.79/24", "net2=ipvlan-conf-2@10.0.6.30/24"]],
        ["multus-connectivity-check", ["net1=ipvlan-conf-1@10.0.4.78/24", "net2=ipvlan-conf-2@10.0.6.29/24"]],
      ],
    );
    assert.deepEqual(
      nads.map((nad) => nad.master),
      ["multus1", "multus2"],
    );
  });

  it("gives each pod its interfaces on the right subnet", () => {
    const shown = JSON.parse(ip("-j", "-n", podNamespaces.get("sampleapp-dual")!, "addr", "show")) as {
      ifname: string;
      addr_info: { family: string; local: string; prefixlen: number }[];
    }[];
    const addresses = Object.fromEntries(
      shown
        .filter((link) => link.ifname.startsWith("net"))
        .map((link) => [
          link.ifname,
          link.addr_info
            .filter((info) => info.family === "inet")
            .map((info) => `${info.local}/${info.prefixlen}`),
        ]),
    );
    assert.deepEqual(addresses, { net1: ["10.0.4.79/24"], net2: ["10.0.6.30/24"] });
  });

  it("reaches the subnet gateway beyond the node from a sample", () => {
    const out = execFileSync(
      "ip",
      [
        "netns",
        "exec",
        podNamespaces.get("sampleapp-1")!,
        "ping",
        "-c",
        "1",
        "-W",
        "2",
        "-I",
        "net1",
        "10.0.4.1",
      ],
      { encoding: "utf8" },
    );
    assert.match(out, /1 received/);
  });

  it("the check Job's script passes: every sample answers on every pinged network", () => {
    const [check] = plan.checks;
    assert.equal(check.targets.length, 3);
    const { status, output } = runCheck(check);
    assert.equal(status, 0, output);
    assert.equal(output.match(/^ok /gm)?.length, 3, output);
  });

  it("the check Job's script fails, naming the sample, when a sample is unreachable", async () => {
    const sample = plan.samples.find((pod) => pod.name === "sampleapp-1")!;
    await attach(sample, "DEL");
    try {
      const { status, output } = runCheck(plan.checks[0]);
      assert.equal(status, 1, output);
      assert.match(output, /^FAIL sampleapp-1 on ipvlan-conf-1 \(10\.0\.4\.80\) from net1$/m);
      assert.match(output, /^ok {3}sampleapp-dual on ipvlan-conf-2/m);
      assert.match(output, /Multus connectivity check failed/);
    } finally {
      await attach(sample, "ADD");
    }
    assert.equal(runCheck(plan.checks[0]).status, 0);
  });
});
