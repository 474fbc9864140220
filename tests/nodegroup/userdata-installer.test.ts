// Runs the user data's shell-script part with bash into a temp root (systemctl and udevadm
// recorded), then runs the script it installed against the fake IMDS: the chain a node runs.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  renderInterfaceSetupScript,
  renderScanService,
  renderScanTimer,
  renderTemplateService,
  renderUdevRule,
  SETUP_SCRIPT_PATH,
  UDEV_RULE_PATH,
} from "../../components/nodegroup/node-network-script";
import { MIME_BOUNDARY, NodeUserDataArgs, renderNodeUserData } from "../../components/nodegroup/userdata";
import { eniMetadataTree, startFakeImds } from "../support/fake-imds";
import { parseIni, runProcess, ScriptSandbox, writeRecorder } from "./userdata-harness";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
const ARGS: NodeUserDataArgs = {
  clusterName: "multus-cn",
  apiServerEndpoint: "https://example.eks.cn-north-1.amazonaws.com.cn",
  certificateAuthority: CA,
  serviceCidr: "10.100.0.0/16",
  maxPods: 29,
  labels: {},
  networks: [
    { name: "ipvlan-conf-1", deviceIndex: 1, interfaceName: "multus1" },
    { name: "ipvlan-conf-2", deviceIndex: 2, interfaceName: "multus2" },
  ],
};

function shellPart(document: string): string {
  const parts = document.split(`--${MIME_BOUNDARY}`);
  const part = parts.find((p) => p.startsWith("\nContent-Type: text/x-shellscript"));
  assert.ok(part, "a shell-script part");
  // Body after the blank header line; the newline before the next boundary belongs to it.
  return part.slice(part.indexOf("\n\n") + 2);
}

const shellcheckAvailable = spawnSync("shellcheck", ["--version"]).status === 0;

describe("user data installer part (bash, temp root)", function () {
  let work: string;
  let root: string;
  let log: string;
  let recorder: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "multus-installer-"));
    root = join(work, "root");
    log = join(work, "commands.log");
    recorder = join(work, "record");
    writeRecorder(recorder, log);
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const install = () =>
    runProcess("bash", ["-c", shellPart(renderNodeUserData(ARGS))], {
      PATH: process.env.PATH,
      MULTUS_INSTALL_ROOT: root,
      MULTUS_SYSTEMCTL_CMD: `${recorder} systemctl`,
      MULTUS_UDEVADM_CMD: `${recorder} udevadm`,
    });

  it("installs the script byte for byte, the units and the udev rule, and enables the scan", async () => {
    const result = await install();
    assert.equal(result.code, 0, result.stderr);

    const script = join(root, SETUP_SCRIPT_PATH);
    assert.equal(readFileSync(script, "utf8"), renderInterfaceSetupScript(ARGS.networks));
    assert.equal(statSync(script).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(root, UDEV_RULE_PATH), "utf8"), renderUdevRule());
    assert.equal(
      readFileSync(join(root, "etc/systemd/system/multus-eni@.service"), "utf8"),
      renderTemplateService(),
    );
    assert.equal(
      readFileSync(join(root, "etc/systemd/system/multus-eni-scan.service"), "utf8"),
      renderScanService(),
    );
    assert.equal(
      readFileSync(join(root, "etc/systemd/system/multus-eni-scan.timer"), "utf8"),
      renderScanTimer(),
    );

    assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), [
      "systemctl daemon-reload",
      "udevadm control --reload",
      "systemctl enable multus-eni-scan.service",
      "systemctl enable --now multus-eni-scan.timer",
      "systemctl start --no-block multus-eni-scan.service",
    ]);
  });

  it("wires udev to the template service for non-virtual links on add, and the units to the script", function () {
    const rule = renderUdevRule()
      .split("\n")
      .filter((line) => line.length > 0 && !line.startsWith("#"));
    assert.equal(rule.length, 1);
    for (const clause of [
      'ACTION=="add"',
      'SUBSYSTEM=="net"',
      'DEVPATH!="/devices/virtual/*"',
      'TAG+="systemd"',
      'ENV{SYSTEMD_WANTS}+="multus-eni@%k.service"',
    ]) {
      assert.ok(rule[0].includes(clause), `udev rule has ${clause}`);
    }
    const template = parseIni(renderTemplateService());
    assert.deepEqual(template.get("Service")?.get("ExecStart"), [`${SETUP_SCRIPT_PATH} %I`]);
    assert.deepEqual(template.get("Service")?.get("Type"), ["oneshot"]);
    const scan = parseIni(renderScanService());
    assert.deepEqual(scan.get("Service")?.get("ExecStart"), [`${SETUP_SCRIPT_PATH} --scan`]);
    const timer = parseIni(renderScanTimer());
    assert.ok(timer.get("Timer")?.has("OnUnitActiveSec"), "the scan repeats");
  });

  it("the installed script configures a hot-plugged ENI (end to end from the user data)", async () => {
    assert.equal((await install()).code, 0);
    const imds = await startFakeImds({
      tree: eniMetadataTree([
        { mac: "02:00:00:00:01:05", deviceNumber: 0 },
        { mac: "02:00:00:00:01:07", deviceNumber: 2 },
      ]),
    });
    const sandbox = new ScriptSandbox(readFileSync(join(root, SETUP_SCRIPT_PATH), "utf8"));
    try {
      sandbox.addLink("ens7", "02:00:00:00:01:07");
      const run = await sandbox.run(["ens7"], imds.endpoint);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.commands.includes("ip link set dev ens7 name multus2"));
      assert.ok(run.commands.includes("ip link set dev multus2 up"));
    } finally {
      sandbox.cleanup();
      await imds.close();
    }
  });

  it("passes shellcheck (installer and setup script)", function () {
    if (!shellcheckAvailable) {
      // Not a pass: the check did not run. Install it with `apt-get install shellcheck`.
      this.skip();
    }
    const installer = join(work, "installer.sh");
    writeFileSync(installer, shellPart(renderNodeUserData(ARGS)));
    const setup = join(work, "setup.sh");
    writeFileSync(setup, renderInterfaceSetupScript(ARGS.networks));
    const result = spawnSync("shellcheck", ["--shell=bash", installer, setup], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stdout);
  });

  it("renders a script that still runs with no Multus networks (nothing to configure)", async () => {
    const empty = renderInterfaceSetupScript([]);
    assert.match(empty, /declare -A NAME_BY_DEVICE_INDEX=\(\)/);
    const imds = await startFakeImds({
      tree: eniMetadataTree([{ mac: "02:00:00:00:02:06", deviceNumber: 1 }]),
    });
    const sandbox = new ScriptSandbox(empty);
    try {
      sandbox.addLink("ens6", "02:00:00:00:02:06");
      const run = await sandbox.run(["--scan"], imds.endpoint);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.commands, []);
    } finally {
      sandbox.cleanup();
      await imds.close();
    }
  });
});
