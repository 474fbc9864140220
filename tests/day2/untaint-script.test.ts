/**
 * The node's multus-eks-untaint script (components/nodegroup/rootfs/usr/local/sbin/), run by bash
 * with the real AWS CLI (PyPI awscli) against moto's STS, a fake IMDS and a fake Kubernetes API
 * that authenticates EKS tokens through STS. Checks: nothing is patched before Multus is ready;
 * then exactly the startup taint is removed, by a session of the remover role named after the
 * instance; a Node that is not this instance's is left alone; an unready Multus times out.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  STARTUP_TAINT_KEY,
  untaintRoleName,
  untaintTrustPolicy,
} from "../../components/nodegroup/startup-taint";
import { conditionHolds } from "../iam/evaluate";
import type { FakeImds } from "../support/fake-imds";
import { startFakeKubeNodes, type FakeKubeNodes, type NodeObject } from "../support/fake-kube-nodes";
import { eventually } from "../support/eventually";
import { useMoto } from "../support/moto";
import { spawnUntaintScript, startNodeImds, UNTAINT_SCRIPT as SCRIPT } from "../support/untaint-script";

const CLUSTER = "eks-multus-cluster";
const REGION = "cn-northwest-1";
const INSTANCE = "i-0123456789abcdef0";
const ZONE = "cn-northwest-1a";
const NODE = "ip-10-0-2-15.cn-northwest-1.compute.internal";
const OTHER_TAINT = { key: "dedicated", value: "telco", effect: "NoSchedule" };
const STARTUP = { key: STARTUP_TAINT_KEY, effect: "NoSchedule" };

function node(providerID = `aws:///${ZONE}/${INSTANCE}`): NodeObject {
  return {
    metadata: { name: NODE, labels: { "multus-eks/node-group": "multus" } },
    spec: { providerID, taints: [OTHER_TAINT, STARTUP] },
  };
}

interface Run {
  readonly done: Promise<{ code: number | null; stderr: string }>;
  stderr(): string;
}

describe("multus-eks-untaint (node script)", function () {
  const moto = useMoto();
  let dir: string;
  let imds: FakeImds;
  let api: FakeKubeNodes;
  let socket: Server | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "untaint-"));
    writeFileSync(
      join(dir, "node-config.json"),
      JSON.stringify({ clusterName: CLUSTER, region: REGION, networks: [] }),
    );
    imds = await startNodeImds({ instanceId: INSTANCE, name: NODE, zone: ZONE });
    api = await startFakeKubeNodes({
      stsEndpoint: moto.endpoint,
      clusterName: CLUSTER,
      roleName: untaintRoleName(REGION, CLUSTER),
    });
  });

  afterEach(async () => {
    await imds.close();
    await api.close();
    await new Promise<void>((done) => (socket ? socket.close(() => done()) : done()));
    socket = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function start(timeoutSeconds = 60): Run {
    const child = spawnUntaintScript({
      dir,
      awsEndpoint: moto.endpoint,
      apiServer: api.endpoint,
      caFile: join(dir, "no-ca.crt"),
      imdsEndpoint: imds.endpoint,
      timeoutSeconds,
      intervalSeconds: 0.2,
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return {
      done: new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr }))),
      stderr: () => stderr,
    };
  }

  /** What multus-daemon does once it runs: write 00-multus.conf and listen on its socket. */
  async function multusBecomesReady(): Promise<void> {
    writeFileSync(
      join(dir, "00-multus.conf"),
      JSON.stringify({ cniVersion: "0.3.1", name: "multus-cni-network", type: "multus-shim" }),
    );
    socket = createServer();
    await new Promise<void>((ready) => socket!.listen(join(dir, "multus.sock"), ready));
  }

  const patches = () => api.requests.filter((request) => request.method === "PATCH");

  it("waits for Multus, then removes only the startup taint, as the remover role's session of this instance", async () => {
    api.nodes.set(NODE, node());
    const run = start();
    await eventually("the script to wait for Multus", () => run.stderr().includes("waiting for Multus"), {
      intervalMs: 100,
    });
    // Longer than the script's remaining AWS CLI calls and API requests would take.
    await new Promise((wait) => setTimeout(wait, 6000));
    assert.deepEqual(api.requests, [], "no API request before Multus is ready");
    await multusBecomesReady();
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.deepEqual(api.nodes.get(NODE)?.spec.taints, [OTHER_TAINT]);
    const [patch] = patches();
    assert.equal(patch.status, 200);
    assert.equal(
      patch.arn,
      `arn:aws-cn:sts::123456789012:assumed-role/${untaintRoleName(REGION, CLUSTER)}/${INSTANCE}`,
    );
    assert.equal(patches().length, 1);
    // moto does not evaluate trust policies: the session name it saw must satisfy the role's, with
    // the instance ARN IAM would put in the request (this instance, in the EC2 docs' ARN form).
    const trust = untaintTrustPolicy(["arn:aws-cn:iam::123456789012:role/nodes"], {
      partition: "aws-cn",
      region: REGION,
      accountId: "123456789012",
    }) as { Statement: Parameters<typeof conditionHolds>[0][] };
    const sessionName = patch.arn!.slice(patch.arn!.lastIndexOf("/") + 1);
    assert.ok(
      trust.Statement.every((statement) =>
        conditionHolds(statement, {
          "ec2:SourceInstanceARN": `arn:aws-cn:ec2:${REGION}:123456789012:instance/${INSTANCE}`,
          "sts:RoleSessionName": sessionName,
        }),
      ),
    );
  });

  it("keeps trying until the Node is registered", async () => {
    await multusBecomesReady();
    const run = start();
    await eventually(
      "a GET before the Node existed",
      () => api.requests.some((request) => request.status === 404),
      { intervalMs: 100 },
    );
    api.nodes.set(NODE, node());
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.deepEqual(api.nodes.get(NODE)?.spec.taints, [OTHER_TAINT]);
  });

  it("leaves a Node alone whose providerID is another instance's", async () => {
    await multusBecomesReady();
    api.nodes.set(NODE, node(`aws:///${ZONE}/i-0fffffffffffffff0`));
    const { code, stderr } = await start().done;
    assert.equal(code, 1);
    assert.match(stderr, /not aws:\/\/\/cn-northwest-1a\/i-0123456789abcdef0/);
    assert.deepEqual(patches(), []);
    assert.equal(api.nodes.get(NODE)?.spec.taints?.length, 2);
  });

  it("gives up, tainted, when Multus never becomes ready", async () => {
    api.nodes.set(NODE, node());
    const { code, stderr } = await start(2).done;
    assert.equal(code, 1);
    assert.match(stderr, /Multus not ready after 2s/);
    assert.deepEqual(api.requests, []);
  });

  it("passes shellcheck", () => {
    const result = spawnSync("shellcheck", [SCRIPT], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});
