// The node files are what the repository tracks under rootfs, whatever else the checkout holds:
// CI once found a different launch template on a clean clone, because the Python bytecode cache
// the vpc-ip tests leave under rootfs/opt/cni/bin had been shipped in the bundle.
// Expectation from git itself (git ls-files), not from the code's own filter.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { nodeBundle } from "../../components/nodegroup/node-bundle";
import { ROOTFS_DIRECTORY, readRootfs } from "../../components/nodegroup/rootfs";

const CONFIG = {
  clusterName: "c",
  region: "cn-northwest-1",
  networks: [],
} as unknown as Parameters<typeof nodeBundle>[0];

describe("node files bundle: only the tracked tree", function () {
  let copy: string;
  before(function () {
    copy = mkdtempSync(join(tmpdir(), "rootfs-"));
    cpSync(ROOTFS_DIRECTORY, copy, { recursive: true });
    rmSync(join(copy, "opt/cni/bin/__pycache__"), { recursive: true, force: true });
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  it("ships exactly the files git tracks under rootfs", function () {
    const repository = join(__dirname, "../..");
    const tracked = execFileSync("git", ["ls-files", "--", relative(repository, ROOTFS_DIRECTORY)], {
      cwd: repository,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean)
      .map((path) => `/${relative(relative(repository, ROOTFS_DIRECTORY), path)}`)
      .sort();
    assert.deepEqual(
      readRootfs().map((file) => file.path),
      tracked,
    );
  });

  it("gives the same digest with a bytecode cache, a swap file and a backup in the tree", function () {
    const clean = nodeBundle(CONFIG, readRootfs(copy)).sha256;
    mkdirSync(join(copy, "opt/cni/bin/__pycache__"), { recursive: true });
    writeFileSync(join(copy, "opt/cni/bin/__pycache__/multus-vpc-ipcpython-311.pyc"), "bytecode");
    writeFileSync(join(copy, "opt/cni/bin/.multus-vpc-ip.swp"), "swap");
    writeFileSync(join(copy, "usr/local/sbin/multus-eni-setup~"), "backup");
    assert.equal(nodeBundle(CONFIG, readRootfs(copy)).sha256, clean);
  });

  it("does change the digest when a real node file is added (the comparison can fail)", function () {
    const before = nodeBundle(CONFIG, readRootfs(copy)).sha256;
    writeFileSync(join(copy, "etc/multus-eks-extra.conf"), "x");
    assert.notEqual(nodeBundle(CONFIG, readRootfs(copy)).sha256, before);
    rmSync(join(copy, "etc/multus-eks-extra.conf"));
  });
});
