// Runs the setup script for real (not dry) inside a network namespace this test creates: veth
// ends with known MACs stand in for ENIs (this kernel has no ipvlan or dummy links, and veth is
// what the namespace can get). A namespace has its own loopback, so the fake IMDS runs inside
// it as a child process (tests/support/fake-imds-cli.ts) on the namespace's 127.0.0.1.
// Only networkctl is recorded: no systemd-networkd runs in this container.

import { strict as assert } from "node:assert";
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { eniMetadataTree, FakeImdsOptions } from "../support/fake-imds";
import { runProcess, SETUP_SCRIPT, writeRecorder, writeSetupNodeConfig } from "./userdata-harness";

const REPO_ROOT = resolve(__dirname, "../..");
const NETWORKS = [
  { name: "ipvlan-conf-1", deviceIndex: 1, interfaceName: "multus1", subnetCidrs: ["10.0.4.0/24"] },
  { name: "ipvlan-conf-2", deviceIndex: 2, interfaceName: "multus2", subnetCidrs: ["10.0.6.0/24"] },
];
const PRIMARY_MAC = "02:aa:00:00:00:05";
const MULTUS_1_MAC = "02:aa:00:00:00:06";
const MULTUS_2_MAC = "02:aa:00:00:00:07";

function sh(args: string[]): string {
  const result = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function netnsUsable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `multus-probe-${randomBytes(3).toString("hex")}`;
  const ok = spawnSync("ip", ["netns", "add", probe]).status === 0;
  if (ok) spawnSync("ip", ["netns", "del", probe]);
  return ok;
}

interface LinkInfo {
  ifname: string;
  address: string;
  flags: string[];
}

describe("multus-eni-setup in a network namespace (real ip and sysctl)", function () {
  const suffix = randomBytes(3).toString("hex");
  const ns = `multus-ud-${suffix}`;
  let work: string;
  let imdsProcess: ChildProcessWithoutNullStreams | undefined;
  let endpoint: string;

  // Kernel names as a node would have them; each veth's peer stays in the host namespace and
  // disappears with the namespace.
  const addEni = (kernelName: string, mac: string) => {
    const peer = `vud${suffix}${kernelName.slice(-1)}`;
    sh(["ip", "link", "add", peer, "type", "veth", "peer", "name", kernelName, "netns", ns]);
    sh(["ip", "-n", ns, "link", "set", "dev", kernelName, "address", mac]);
    // What systemd's stock glob does to a late interface.
    sh(["ip", "netns", "exec", ns, "sysctl", "-qw", `net.ipv4.conf.${kernelName}.rp_filter=2`]);
  };
  const links = (): LinkInfo[] => JSON.parse(sh(["ip", "-n", ns, "-j", "link", "show"])) as LinkInfo[];
  const rpFilter = (name: string) =>
    sh(["ip", "netns", "exec", ns, "sysctl", "-n", `net.ipv4.conf.${name}.rp_filter`]).trim();

  const runScript = (args: string[]) =>
    runProcess("ip", ["netns", "exec", ns, "bash", join(work, "multus-eni-setup"), ...args], {
      PATH: process.env.PATH,
      MULTUS_IMDS_ENDPOINT: endpoint,
      MULTUS_NODE_CONFIG: join(work, "node-config.json"),
      MULTUS_CONFIG_ROOT: join(work, "etc"),
      MULTUS_RUN_DIR: join(work, "run"),
      MULTUS_NETWORKCTL_CMD: `${join(work, "record")} networkctl`,
      MULTUS_IMDS_RETRY_DELAY: "0.1",
      MULTUS_IMDS_RETRIES: "20",
    });

  before(async function () {
    if (!netnsUsable()) {
      // Needs root and `ip netns`; the dry-mode tests cover the logic without them.
      this.skip();
    }
    work = mkdtempSync(join(tmpdir(), "multus-netns-"));
    copyFileSync(SETUP_SCRIPT, join(work, "multus-eni-setup"));
    writeSetupNodeConfig(join(work, "node-config.json"), NETWORKS);
    writeRecorder(join(work, "record"), join(work, "commands.log"));
    sh(["ip", "netns", "add", ns]);
    sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
    addEni("ens5", PRIMARY_MAC);
    addEni("ens6", MULTUS_1_MAC);

    const options: FakeImdsOptions = {
      tree: eniMetadataTree([
        { mac: PRIMARY_MAC, deviceNumber: 0, subnetIpv4CidrBlock: "10.0.2.0/24" },
        { mac: MULTUS_1_MAC, deviceNumber: 1, subnetIpv4CidrBlock: "10.0.4.0/24" },
        { mac: MULTUS_2_MAC, deviceNumber: 2, subnetIpv4CidrBlock: "10.0.6.0/24" },
      ]),
      // The ENI hot-plugged later shows up in IMDS a moment after its link.
      hiddenForFirstRequests: { [`network/interfaces/macs/${MULTUS_2_MAC}/device-number`]: 3 },
    };
    writeFileSync(join(work, "imds.json"), JSON.stringify(options));
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        ns,
        process.execPath,
        "-r",
        "ts-node/register/transpile-only",
        "tests/support/fake-imds-cli.ts",
        join(work, "imds.json"),
      ],
      { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] },
    );
    imdsProcess = child;
    endpoint = await new Promise<string>((resolveEndpoint, reject) => {
      let out = "";
      let err = "";
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n"))
          resolveEndpoint((JSON.parse(out.split("\n")[0]) as { endpoint: string }).endpoint);
      });
      child.on("exit", (code) => reject(new Error(`fake IMDS exited (${code}): ${err}`)));
    });
  });

  after(function () {
    if (imdsProcess !== undefined) {
      imdsProcess.stdin.end();
      imdsProcess.kill("SIGTERM");
    }
    spawnSync("ip", ["netns", "del", ns]);
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it("renames the ENI at boot scan, takes back what nodeadm's 70-eks file gave it, brings it UP; the primary stays as it was", async () => {
    // What networkd applies from nodeadm's 70-eks-<if>.network before our file exists (first boot):
    // a DHCP address, a default route with metric 513, route table 10001 and a policy rule.
    sh(["ip", "-n", ns, "link", "set", "ens6", "up"]);
    sh(["ip", "-n", ns, "address", "add", "10.0.4.57/24", "dev", "ens6"]);
    sh(["ip", "-n", ns, "route", "add", "default", "via", "10.0.4.1", "dev", "ens6", "metric", "513"]);
    sh(["ip", "-n", ns, "route", "add", "default", "via", "10.0.4.1", "dev", "ens6", "table", "10001"]);
    sh(["ip", "-n", ns, "rule", "add", "from", "10.0.4.57", "lookup", "10001", "priority", "10001"]);
    assert.equal(rpFilter("ens6"), "2");
    const run = await runScript(["--scan"]);
    assert.equal(run.code, 0, run.stderr);

    const byName = new Map(links().map((l) => [l.ifname, l]));
    assert.equal(byName.has("ens6"), false, "ens6 was renamed");
    const multus1 = byName.get("multus1");
    assert.ok(multus1, "multus1 exists");
    assert.equal(multus1.address, MULTUS_1_MAC);
    assert.ok(multus1.flags.includes("UP"), `multus1 is UP (flags ${multus1.flags.join(",")})`);
    assert.equal(
      sh(["ip", "-n", ns, "-4", "address", "show", "dev", "multus1"]).trim(),
      "",
      "no host address",
    );
    assert.equal(
      sh(["ip", "-n", ns, "-4", "route", "show", "table", "all", "dev", "multus1"]).trim(),
      "",
      "no route through the Multus ENI, in any table",
    );
    assert.doesNotMatch(sh(["ip", "-n", ns, "-4", "rule", "show"]), /10\.0\.4\.57|lookup 10001/);
    // No rp_filter change on the master: ipvlan/macvlan pod traffic never passes its IP input path.
    assert.equal(rpFilter("multus1"), "2");

    const primary = byName.get("ens5");
    assert.ok(primary, "the primary keeps its name");
    assert.equal(primary.flags.includes("UP"), false, "the primary was not brought up");
    assert.equal(rpFilter("ens5"), "2", "the primary's rp_filter is untouched");

    assert.ok(
      readFileSync(join(work, "etc/systemd/network/10-multus-multus1.network"), "utf8").includes(
        `MACAddress=${MULTUS_1_MAC}`,
      ),
    );
    assert.equal(readFileSync(join(work, "commands.log"), "utf8").trim(), "networkctl reload");
  });

  it("handles an ENI hot-plugged later whose device number reaches IMDS late", async () => {
    addEni("ens7", MULTUS_2_MAC);
    const run = await runScript(["ens7"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /waiting for IMDS network\/interfaces\/macs\/02:aa:00:00:00:07\/device-number \(HTTP 404\)/,
    );

    const multus2 = links().find((l) => l.ifname === "multus2");
    assert.ok(multus2, "multus2 exists");
    assert.equal(multus2.address, MULTUS_2_MAC);
    assert.ok(multus2.flags.includes("UP"));
  });

  it("a second scan changes nothing (idempotent on a configured node)", async () => {
    const before = links().map((l) => `${l.ifname} ${l.address} ${l.flags.includes("UP")}`);
    const run = await runScript(["--scan"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      links().map((l) => `${l.ifname} ${l.address} ${l.flags.includes("UP")}`),
      before,
    );
  });
});
