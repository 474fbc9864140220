// multus-node-activate enables what CONTRACTS item 1 says, for files other helpers drop into the
// tree too: every *.timer, every *.service with an [Install] section, never a template or a
// service without [Install]. Run on a bundle built with extra units, extracted by GNU tar.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeBundle } from "../../components/nodegroup/node-bundle";
import { NodeFile, readRootfs } from "../../components/nodegroup/rootfs";
import { runProcess, writeRecorder } from "./userdata-harness";

const unit = (path: string, text: string): NodeFile => ({
  path,
  mode: 0o644,
  content: Buffer.from(text),
});

describe("multus-node-activate (bash, temp root)", function () {
  let work: string;
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it("enables and starts every timer and every service with [Install], and nothing else", async function () {
    work = mkdtempSync(join(tmpdir(), "multus-activate-"));
    const root = join(work, "root");
    mkdirSync(root);
    const extra = [
      unit(
        "/etc/systemd/system/extra-daily.timer",
        "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
      ),
      unit("/etc/systemd/system/extra-daily.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n"),
      unit(
        "/etc/systemd/system/extra-taint.service",
        "[Service]\nType=oneshot\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
      ),
      unit(
        "/etc/systemd/system/extra@.service",
        "[Service]\nExecStart=/bin/true %I\n[Install]\nWantedBy=x.target\n",
      ),
    ];
    const bundle = nodeBundle({ clusterName: "c", region: "cn-northwest-1", networks: [] }, [
      ...readRootfs(),
      ...extra,
    ]);
    const archive = join(work, "bundle.tar.gz");
    writeFileSync(archive, bundle.content);
    const extracted = spawnSync("tar", ["--extract", "--gzip", "--file", archive, "--directory", root]);
    assert.equal(extracted.status, 0, String(extracted.stderr));
    const log = join(work, "commands.log");
    const recorder = join(work, "record");
    writeRecorder(recorder, log);

    const result = await runProcess("bash", [join(root, "usr/local/sbin/multus-node-activate")], {
      PATH: process.env.PATH,
      MULTUS_INSTALL_ROOT: root,
      MULTUS_SYSTEMCTL_CMD: `${recorder} systemctl`,
      MULTUS_UDEVADM_CMD: `${recorder} udevadm`,
      MULTUS_ENI_SETUP_CMD: `${recorder} multus-eni-setup`,
    });
    assert.equal(result.code, 0, result.stderr);
    // The repo's own units (rootfs) plus the extra ones written above, sorted.
    const enabled =
      "extra-daily.timer extra-taint.service multus-eks-untaint.service multus-eni-scan.service multus-eni-scan.timer multus-vpc-ip-reconcile.timer";
    assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), [
      "systemctl daemon-reload",
      "udevadm control --reload",
      `systemctl enable ${enabled}`,
      "multus-eni-setup --scan",
      `systemctl start --no-block ${enabled}`,
    ]);
  });
});
