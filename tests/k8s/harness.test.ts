/**
 * The test control plane behaves as EKS's does where the other API-server tests rely on it: the
 * release version, token identities, and NodeRestriction (a kubelet may set taints only when it
 * registers its Node; kubernetes PR #63167, anchors.md "Kubernetes node facts").
 */
import { strict as assert } from "node:assert";
import { useKubeCluster } from "./harness/cluster";

describe("test control plane (real kube-apiserver 1.35.8)", function () {
  const cluster = useKubeCluster({ controllerManager: false, scheduler: false });

  it("reports the release it was built from", async () => {
    const { status, body } = await cluster().request("GET", "/version");
    assert.equal(status, 200);
    assert.equal(body.gitVersion, "v1.35.8");
  });

  it("authenticates minted tokens as their identity and refuses unknown ones", async () => {
    const token = cluster().tokenFor({ username: "someone", groups: ["team-a"] });
    const review = await cluster().request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      token,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assert.equal(review.status, 201);
    assert.equal(review.body.status.userInfo.username, "someone");
    assert.deepEqual(review.body.status.userInfo.groups, ["team-a", "system:authenticated"]);
    const unknown = await cluster().request("GET", "/api/v1/nodes", { token: "not-a-token" });
    assert.equal(unknown.status, 401);
  });

  it("lets a kubelet set taints when it registers its Node, never afterwards (NodeRestriction)", async () => {
    const name = "ip-10-0-2-99.cn-northwest-1.compute.internal";
    const kubelet = cluster().tokenFor({ username: `system:node:${name}`, groups: ["system:nodes"] });
    const taint = { key: "multus-eks/not-ready", effect: "NoSchedule" };
    const created = await cluster().request("POST", "/api/v1/nodes", {
      token: kubelet,
      body: { apiVersion: "v1", kind: "Node", metadata: { name }, spec: { taints: [taint] } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const patched = await cluster().request("PATCH", `/api/v1/nodes/${name}`, {
      token: kubelet,
      contentType: "application/merge-patch+json",
      body: { spec: { taints: [] } },
    });
    assert.equal(patched.status, 403);
    assert.match(patched.body.message, /is not allowed to modify taints/);
  });
});
