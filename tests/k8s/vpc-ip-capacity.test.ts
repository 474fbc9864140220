/**
 * vpc-ip room per node, with the real components: the node script multus-eks-untaint (bash, the
 * real AWS CLI against moto's STS for EKS tokens) advertises the node config's vpc-ip resources in
 * its Node's status on a real kube-apiserver, as the node itself (the Node authorizer and
 * NodeRestriction decide, as on EKS, where the node role's access entry makes the instance
 * `system:node:<private DNS name>`); then the real kube-scheduler places no more pods requesting
 * the resource than the node advertised. Expectations: c5.large holds 10 IPv4 addresses per ENI
 * (EC2 User Guide, "IP addresses per network interface per instance type"), its primary included;
 * the scheduler's "Insufficient <resource>" refusal is its documented behaviour for extended
 * resources (Kubernetes docs, "Advertise Extended Resources for a Node").
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeConfig, renderNodeConfig } from "../../components/nodegroup/node-config";
import { INSTANCE_NETWORK_LIMITS } from "../../components/nodegroup/max-pods";
import { vpcIpResourceName } from "../../components/model/vpc-ip-capacity";
import { containerResources } from "../../components/networks/samples";
import { runStack } from "../support/offline";
import { callerArn } from "../support/fake-kube-nodes";
import type { FakeImds } from "../support/fake-imds";
import { useMoto } from "../support/moto";
import { spawnUntaintScript, startNodeImds } from "../support/untaint-script";
import { eventually } from "../support/eventually";
import { useKubeCluster, type KubeIdentity } from "./harness/cluster";
import { registerNode } from "./harness/nodes";

const CLUSTER = "eks-multus-cluster";
const REGION = "cn-northwest-1";
const ZONE = "cn-northwest-1a";
const INSTANCE = "i-0123456789abcdef0";
const NODE = "ip-10-0-2-15.cn-northwest-1.compute.internal";
const OTHER_NODE = "ip-10-0-2-16.cn-northwest-1.compute.internal";

describe("vpc-ip room per node (multus-eks-untaint and the scheduler, real API server)", function () {
  this.timeout(120_000);
  const cluster = useKubeCluster();
  const moto = useMoto();
  let dir: string;
  let imds: FakeImds;
  let socket: Server;
  let network: string;

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(join(tmpdir(), "vpc-ip-capacity-"));
    // The shipped vpc-ip example's networks, its node config as the stack renders it for c5.large.
    const run = await runStack("stacks/examples/Pulumi.ningxia-vpc-ip.yaml");
    const vpcIp = run.settings.networks.filter((candidate) => candidate.ipam === "vpc-ip");
    assert.ok(vpcIp.length > 0, "the example has vpc-ip networks");
    network = vpcIp[0].name;
    const config = nodeConfig({
      clusterName: CLUSTER,
      region: REGION,
      availabilityZones: [ZONE],
      networks: vpcIp.map((candidate) => ({
        ...candidate,
        subnets: candidate.subnets.map((subnet) => ({ ...subnet, availabilityZone: ZONE })),
      })),
      ipv4AddressesPerInterface: INSTANCE_NETWORK_LIMITS["c5.large"].ipv4PerEni,
    });
    writeFileSync(join(dir, "node-config.json"), renderNodeConfig(config));
    // What multus-daemon leaves once it runs: the script waits for both.
    writeFileSync(
      join(dir, "00-multus.conf"),
      JSON.stringify({ cniVersion: "0.3.1", name: "multus-cni-network" }),
    );
    socket = createServer();
    await new Promise<void>((ready) => socket.listen(join(dir, "multus.sock"), ready));
    imds = await startNodeImds({ instanceId: INSTANCE, name: NODE, zone: ZONE });
    await registerNode(cluster(), { name: NODE, zone: ZONE, instanceId: INSTANCE });
  });

  after(async () => {
    await imds?.close();
    await new Promise<void>((done) => (socket ? socket.close(() => done()) : done()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** EKS's authentication: the STS identity behind the token, mapped as the access entries map it. */
  function authenticateAs(nodeName: string): void {
    cluster().setTokenReviewer(async (token): Promise<KubeIdentity | undefined> => {
      const arn = await callerArn(token, { stsEndpoint: moto.endpoint, clusterName: CLUSTER });
      if (!arn) return undefined;
      // The remover role's session: may read the Node (its own tests cover what else it may do).
      if (arn.includes(":assumed-role/multus-untaint-")) return { username: arn, groups: ["system:masters"] };
      // The instance role (EC2_LINUX access entry): the kubelet's identity.
      return { username: `system:node:${nodeName}`, groups: ["system:nodes"] };
    });
  }

  function runScript(timeoutSeconds: number): Promise<{ code: number | null; stderr: string }> {
    const child = spawnUntaintScript({
      dir,
      awsEndpoint: moto.endpoint,
      apiServer: cluster().server,
      caFile: cluster().caFile,
      imdsEndpoint: imds.endpoint,
      timeoutSeconds,
      intervalSeconds: 0.5,
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  }

  async function advertised(): Promise<{ capacity?: string; allocatable?: string }> {
    const node = await cluster().request("GET", `/api/v1/nodes/${NODE}`);
    const resource = vpcIpResourceName(network);
    return {
      capacity: node.body.status.capacity[resource],
      allocatable: node.body.status.allocatable[resource],
    };
  }

  it("control: as another node's kubelet, the script cannot set this Node's status (Node authorizer)", async () => {
    authenticateAs(OTHER_NODE);
    const { code, stderr } = await runScript(6);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /could not advertise the vpc-ip resources/);
    assert.deepEqual(await advertised(), { capacity: undefined, allocatable: undefined });
  });

  it("advertises ENI addresses minus the primary (c5.large: 9) for each vpc-ip network, as the node itself", async () => {
    authenticateAs(NODE);
    const { code, stderr } = await runScript(60);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /advertised the vpc-ip resources/);
    assert.deepEqual(await advertised(), { capacity: "9", allocatable: "9" });
  });

  it("the scheduler binds 9 pods of the network to the node and leaves the 10th pending: Insufficient", async () => {
    const pods = Array.from({ length: 10 }, (_, index) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `vpc-ip-${index}`, namespace: "default" },
      spec: {
        containers: [
          { name: "c", image: "busybox", ...containerResources([{ network, ipam: "vpc-ip" as const }]) },
        ],
      },
    }));
    for (const pod of pods) {
      const created = await cluster().request("POST", "/api/v1/namespaces/default/pods", { body: pod });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    let unschedulable = "";
    await eventually("9 pods bound and one refused by the scheduler", async () => {
      const list = await cluster().request("GET", "/api/v1/namespaces/default/pods");
      const items = list.body.items as {
        spec: { nodeName?: string };
        status: { conditions?: { type: string; reason?: string; message?: string }[] };
      }[];
      const refused = items.filter((pod) =>
        (pod.status.conditions ?? []).some(
          (condition) => condition.type === "PodScheduled" && condition.reason === "Unschedulable",
        ),
      );
      unschedulable = refused
        .flatMap((pod) => pod.status.conditions ?? [])
        .map((condition) => condition.message ?? "")
        .join(" ");
      return items.filter((pod) => pod.spec.nodeName === NODE).length === 9 && refused.length === 1;
    });
    assert.match(
      unschedulable,
      new RegExp(`Insufficient ${vpcIpResourceName(network).replace(/\./g, "\\.")}`),
    );
  });
});
