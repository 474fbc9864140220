/**
 * `npm run verify`'s Kubernetes checks against the real API server (tests/k8s/harness), through the
 * real kubectl with the kubeconfig the stack outputs would hold: Nodes registered as kubelets
 * register them (with nodeadm's startup taint), the VPC CNI's service account and DaemonSet as the
 * add-on creates them (status as the DaemonSet controller reports it), and the check Jobs' status
 * as the Job controller reports it. No kubelet runs, so pod logs cannot be read: the web-identity
 * check must say so (skipped), never pass.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { STARTUP_TAINT } from "../../components/nodegroup/startup-taint";
import { kubernetesChecks } from "../../stacks/verify/checks/kubernetes";
import { KUBECTL_ENV, VerifyContext } from "../../stacks/verify/context";
import type { StackOutputs } from "../../stacks/verify/outputs";
import { settingsOf } from "../preflight/harness";
import { useKubeCluster, type KubeCluster } from "./harness/cluster";
import { registerNode } from "./harness/nodes";

const CNI_ROLE = "arn:aws-cn:iam::123456789012:role/eks-multus-cluster-vpc-cni";
const JOB = "multus-connectivity-check";

function outputs(cluster: KubeCluster): StackOutputs {
  return {
    region: "cn-northwest-1",
    clusterName: "eks-multus-cluster",
    kubeconfig: cluster.kubeconfigYaml(),
    nodeGroups: {},
    startupUntaintRoleArn: "arn:aws-cn:iam::123456789012:role/untaint",
    vpcCniRoleArn: CNI_ROLE,
    checkJobNames: [JOB],
  };
}

async function apply(cluster: KubeCluster, object: Record<string, unknown>): Promise<void> {
  const result = await cluster.kubectl(["apply", "--server-side", "-f", "-"], {
    input: JSON.stringify(object),
  });
  assert.equal(result.status, 0, result.stderr);
}

async function patchStatus(
  cluster: KubeCluster,
  path: string,
  status: Record<string, unknown>,
): Promise<void> {
  const answer = await cluster.request("PATCH", `${path}/status`, {
    body: { status },
    contentType: "application/merge-patch+json",
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

describe("npm run verify: Kubernetes checks on a real API server", function () {
  this.timeout(180_000);
  const cluster = useKubeCluster({ controllerManager: false, scheduler: false });
  let context: VerifyContext;
  const check = (name: string) => kubernetesChecks.find((candidate) => candidate.name === name)!;
  const run = (name: string) => check(name).run(context);

  before(async () => {
    const c = cluster();
    process.env[KUBECTL_ENV] = join(c.binDir, "kubectl");
    context = new VerifyContext(settingsOf("ningxia"), outputs(c), {} as never);
    await registerNode(c, {
      name: "ip-10-0-2-10",
      zone: "cn-northwest-1a",
      instanceId: "i-0aaaaaaaaaaaaaaaa",
    });
    await registerNode(c, {
      name: "ip-10-0-2-11",
      zone: "cn-northwest-1a",
      instanceId: "i-0bbbbbbbbbbbbbbbb",
      taints: [{ ...STARTUP_TAINT }],
    });
  });
  after(() => {
    context.dispose();
    delete process.env[KUBECTL_ENV];
  });

  it("names the node that still carries the startup taint, and passes once it is gone", async () => {
    const tainted = await run("startup taint gone");
    assert.equal(tainted.status, "fail");
    assert.match(tainted.detail, /1 of 2 node\(s\) still carry multus-eks\/not-ready: ip-10-0-2-11/);
    const node = await cluster().request("GET", "/api/v1/nodes/ip-10-0-2-11");
    const taints = (node.body.spec.taints as { key: string }[]).filter(
      (taint) => taint.key !== STARTUP_TAINT.key,
    );
    const removed = await cluster().request("PATCH", "/api/v1/nodes/ip-10-0-2-11", {
      body: { spec: { taints } },
      contentType: "application/merge-patch+json",
    });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const clean = await run("startup taint gone");
    assert.equal(clean.status, "pass", clean.detail);
    assert.match(clean.detail, /2 node\(s\), none with multus-eks\/not-ready/);
  });

  it("checks aws-node's IRSA annotation against the stack's role, and its readiness", async () => {
    const c = cluster();
    await apply(c, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "aws-node",
        namespace: "kube-system",
        annotations: { "eks.amazonaws.com/role-arn": "arn:aws-cn:iam::123456789012:role/someone-else" },
      },
    });
    await apply(c, {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "aws-node", namespace: "kube-system" },
      spec: {
        selector: { matchLabels: { "k8s-app": "aws-node" } },
        template: {
          metadata: { labels: { "k8s-app": "aws-node" } },
          spec: {
            serviceAccountName: "aws-node",
            containers: [{ name: "aws-node", image: "amazon-k8s-cni" }],
          },
        },
      },
    });
    const wrongRole = await run("aws-node IRSA role");
    assert.equal(wrongRole.status, "fail");
    assert.match(wrongRole.detail, /role\/someone-else, not the stack's .*role\/eks-multus-cluster-vpc-cni/);

    await apply(c, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "aws-node",
        namespace: "kube-system",
        annotations: { "eks.amazonaws.com/role-arn": CNI_ROLE },
      },
    });
    const path = "/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node";
    // aws-node scheduled on 2 nodes, `ready` of them Ready, as the DaemonSet controller reports it.
    const awsNodeReadyOn = (ready: number) =>
      patchStatus(c, path, {
        desiredNumberScheduled: 2,
        numberReady: ready,
        currentNumberScheduled: 2,
        numberMisscheduled: 0,
      });
    await awsNodeReadyOn(1);
    const notReady = await run("aws-node IRSA role");
    assert.equal(notReady.status, "fail");
    assert.match(notReady.detail, /aws-node ready on 1 of 2 node\(s\)/);
    await awsNodeReadyOn(2);
    const ready = await run("aws-node IRSA role");
    assert.equal(ready.status, "pass", ready.detail);
  });

  it("cannot read aws-node's logs without a kubelet, and says so instead of passing", async () => {
    const c = cluster();
    await apply(c, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "aws-node", namespace: "kube-system" },
    });
    await apply(c, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "aws-node-x1", namespace: "kube-system", labels: { "k8s-app": "aws-node" } },
      spec: {
        nodeName: "ip-10-0-2-10",
        // No controller manager here, so no default service account: the add-on's own one.
        serviceAccountName: "aws-node",
        automountServiceAccountToken: false,
        containers: [{ name: "aws-node", image: "amazon-k8s-cni" }],
      },
    });
    const result = await run("aws-node web identity");
    assert.equal(result.status, "skip");
    assert.match(result.detail, /could not read aws-node-x1's logs/);
  });

  it("passes the connectivity checks only once each Job succeeded", async () => {
    const c = cluster();
    const missing = await run("connectivity checks");
    assert.equal(missing.status, "fail");
    assert.match(missing.detail, new RegExp(`${JOB}: not found`));
    await apply(c, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: JOB, namespace: "default" },
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "ping", image: "busybox" }] } },
      },
    });
    const running = await run("connectivity checks");
    assert.match(running.detail, /not finished yet/);
    const path = `/apis/batch/v1/namespaces/default/jobs/${JOB}`;
    await patchStatus(c, path, { failed: 2 });
    const failed = await run("connectivity checks");
    assert.equal(failed.status, "fail");
    assert.match(failed.detail, /failed 2 time\(s\)/);
    await patchStatus(c, path, { succeeded: 1, failed: 2 });
    const passed = await run("connectivity checks");
    assert.equal(passed.status, "pass", passed.detail);
  });
});
