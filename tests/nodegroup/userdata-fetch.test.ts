// The user data's fetch part run with bash against a real S3 API (the moto server) through the
// real AWS CLI (v1 here; the node's v2 takes the same `s3api get-object` arguments): it downloads
// the node files object the stack builds, checks its digest, extracts it into a temp root and runs
// multus-node-activate (systemctl, udevadm and the ENI setup recorded). On any failure the node
// must not join: kubelet and nodeadm's run phase get masked.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeBundle, NodeBundle } from "../../components/nodegroup/node-bundle";
import { readRootfs } from "../../components/nodegroup/rootfs";
import { renderFetchScript } from "../../components/nodegroup/userdata";
import { DUMMY_CREDENTIALS, MOTO_REGION, REPO_ROOT, useMoto } from "../support/moto";
import { runProcess, writeRecorder } from "./userdata-harness";

const BUCKET = "multus-node-files-test";
const AWS = join(REPO_ROOT, ".venv", "bin", "aws");

describe("user data fetch part (bash, real AWS CLI, moto S3)", function () {
  const moto = useMoto();
  let work: string;
  let root: string;
  let log: string;
  let bundle: NodeBundle;

  const awsEnv = (): NodeJS.ProcessEnv => ({
    PATH: `${join(REPO_ROOT, ".venv", "bin")}:${process.env.PATH ?? ""}`,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  });
  const aws = (...args: string[]): void => {
    const result = spawnSync(AWS, ["--region", MOTO_REGION, ...args], { env: awsEnv(), encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
  };
  const upload = (key: string, bytes: Buffer): void => {
    const file = join(work, "upload.bin");
    writeFileSync(file, bytes);
    aws("s3api", "put-object", "--bucket", BUCKET, "--key", key, "--body", file);
  };
  const runFetch = (sha256: string, key = bundle.key) => {
    const script = join(work, "fetch.sh");
    writeFileSync(script, renderFetchScript({ bucket: BUCKET, key, sha256, region: MOTO_REGION }));
    const recorder = join(work, "record");
    return runProcess("bash", [script], {
      ...awsEnv(),
      MULTUS_INSTALL_ROOT: root,
      MULTUS_SYSTEMCTL_CMD: `${recorder} systemctl`,
      MULTUS_UDEVADM_CMD: `${recorder} udevadm`,
      MULTUS_ENI_SETUP_CMD: `${recorder} multus-eni-setup`,
      MULTUS_NODE_FILES_ATTEMPTS: "2",
    });
  };
  const commands = (): string[] =>
    existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];

  before(function () {
    bundle = nodeBundle({
      clusterName: "multus-cn",
      region: MOTO_REGION,
      networks: [
        {
          name: "ipvlan-conf-1",
          deviceIndex: 1,
          interfaceName: "multus1",
          ipam: "host-local",
          subnetCidrs: ["10.0.4.0/24", "10.0.5.0/24"],
          rangeStart: 70,
          rangeEnd: 80,
        },
      ],
    });
  });
  beforeEach(function () {
    work = mkdtempSync(join(tmpdir(), "multus-fetch-"));
    root = join(work, "root");
    spawnSync("mkdir", [root]);
    log = join(work, "commands.log");
    writeRecorder(join(work, "record"), log);
    aws(
      "s3api",
      "create-bucket",
      "--bucket",
      BUCKET,
      "--create-bucket-configuration",
      `LocationConstraint=${MOTO_REGION}`,
    );
  });
  afterEach(function () {
    rmSync(work, { recursive: true, force: true });
  });

  it("downloads, checks and extracts every node file with its mode, then activates them", async function () {
    upload(bundle.key, bundle.content);
    const result = await runFetch(bundle.sha256);
    assert.equal(result.code, 0, result.stderr);

    for (const file of readRootfs()) {
      const installed = join(root, file.path);
      assert.ok(readFileSync(installed).equals(file.content), `${file.path} differs from the rootfs file`);
      // CONTRACTS item 1: usr/local/sbin, usr/local/bin, opt/cni/bin 0755; the rest 0644.
      const executable = /^\/(usr\/local\/s?bin|opt\/cni\/bin)\//.test(file.path);
      assert.equal(statSync(installed).mode & 0o777, executable ? 0o755 : 0o644, file.path);
    }
    const config = JSON.parse(readFileSync(join(root, "etc/multus-eks/node-config.json"), "utf8")) as {
      networks: { name: string }[];
    };
    assert.equal(config.networks[0].name, "ipvlan-conf-1");
    assert.equal(statSync(join(root, "etc/multus-eks/node-config.json")).mode & 0o777, 0o644);

    // Enabled: every *.timer and every *.service with an [Install] section, never a template.
    assert.deepEqual(commands(), [
      "systemctl daemon-reload",
      "udevadm control --reload",
      "systemctl enable multus-eks-untaint.service multus-eni-scan.service multus-eni-scan.timer multus-vpc-ip-reconcile.timer",
      "multus-eni-setup --scan",
      "systemctl start --no-block multus-eks-untaint.service multus-eni-scan.service multus-eni-scan.timer multus-vpc-ip-reconcile.timer",
    ]);
  });

  it("refuses an object whose digest differs: nothing extracted, kubelet masked, boot script fails", async function () {
    const tampered = Buffer.from(bundle.content);
    tampered[tampered.length - 10] ^= 0xff;
    upload(bundle.key, tampered);
    const result = await runFetch(bundle.sha256);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`expected ${bundle.sha256}`));
    assert.match(result.stderr, /will NOT join the cluster/);
    assert.equal(existsSync(join(root, "usr")), false, "files were extracted");
    assert.deepEqual(commands(), ["systemctl mask kubelet.service nodeadm-run.service"]);
  });

  it("retries a download that fails, then gives up loudly and masks kubelet", async function () {
    const result = await runFetch(bundle.sha256, "node-files/missing.tar.gz");
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /download attempt 1 of 2 failed/);
    assert.match(
      result.stderr,
      /could not download s3:\/\/multus-node-files-test\/node-files\/missing\.tar\.gz/,
    );
    assert.deepEqual(commands(), ["systemctl mask kubelet.service nodeadm-run.service"]);
  });

  it("says which object it could not fetch, why (the AWS CLI's own error) and how to fix it (issue 21)", async function () {
    // The object uploaded, then deleted, as a principal with s3:* could before the bucket policy.
    upload(bundle.key, bundle.content);
    aws("s3api", "delete-object", "--bucket", BUCKET, "--key", bundle.key);
    const result = await runFetch(bundle.sha256);
    assert.notEqual(result.code, 0);
    // The real AWS CLI's words for S3's NoSuchKey error (S3 API reference, GetObject errors).
    assert.match(
      result.stderr,
      new RegExp(
        `could not download s3://${BUCKET}/${bundle.key.replace(/[./]/g, "\\$&")} \\(An error occurred \\(NoSuchKey\\) when calling the GetObject operation`,
      ),
    );
    assert.match(
      result.stderr,
      /run pulumi up for the stack to upload it again, or restore an earlier version/,
    );
    assert.match(result.stderr, /this node will NOT join the cluster/);
  });
});
