/**
 * The bastion reads the NetworkAttachmentDefinitions (issue 21, defect 8), on a real API server with
 * the program's own objects and access entry. EKS gives a session of the bastion's role the username
 * `arn:<partition>:sts::<account>:assumed-role/<role-name>/{{SessionName}}` and the entry's
 * `kubernetesGroups` as groups (EKS user guide, "Create access entries"). The entry's access policy
 * (AmazonEKSViewPolicy, AmazonEKSEditPolicy) is enforced by EKS's own authorizer, which does not run
 * here; it is stood in for by Kubernetes' `view`/`edit` ClusterRole bound to the same user in the
 * same scope: neither covers custom resources such as NADs (anchors.md; the control case shows it
 * on this server).
 */
import { strict as assert } from "node:assert";
import { runStack, type OfflineRun } from "../support/offline";
import { applyCrds, applyServerSide } from "./harness/apply";
import { useKubeCluster, type KubeCluster } from "./harness/cluster";
import { renderedObjects } from "./harness/rendered";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NADS = "/apis/k8s.cni.cncf.io/v1";

/** The bastion entry the stack gives @pulumi/eks, and the identity EKS would authenticate it as. */
function bastionIdentity(run: OfflineRun): { username: string; groups: string[] } {
  const cluster = run.resources.find((resource) => resource.type === "eks:index:Cluster")!;
  const entry = (cluster.inputs as Json).accessEntries.bastion;
  // The assumed-role ARN names the role without its path.
  const [, partition, account, roleName] = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(
    entry.principalArn,
  )!;
  return {
    username: `arn:${partition}:sts::${account}:assumed-role/${roleName}/i-0b45e1a5c0ffee000`,
    groups: [...(entry.kubernetesGroups ?? [])],
  };
}

/** Stands in for the entry's EKS access policy: Kubernetes' view/edit, in the entry's scope. */
async function grantAccessPolicy(cluster: KubeCluster, run: OfflineRun, username: string): Promise<void> {
  const { clusterAccess, accessNamespaces } = run.settings.bastion;
  const role = clusterAccess === "edit" ? "edit" : "view";
  const binding = {
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: username }],
  };
  const objects =
    accessNamespaces.length === 0
      ? [
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "eks-access-policy" },
            ...binding,
          },
        ]
      : accessNamespaces.map((namespace) => ({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "eks-access-policy", namespace },
          ...binding,
        }));
  const applied = await applyServerSide(cluster, objects);
  assert.equal(applied.status, 0, applied.stderr);
}

async function deploy(cluster: KubeCluster, run: OfflineRun): Promise<void> {
  const objects = renderedObjects(run).map((entry) => entry.object);
  await applyCrds(cluster, objects);
  // The RBAC objects and the NADs (workloads are not needed here).
  const wanted = objects.filter((object) =>
    ["ClusterRole", "ClusterRoleBinding", "RoleBinding", "NetworkAttachmentDefinition"].includes(object.kind),
  );
  const applied = await applyServerSide(cluster, wanted);
  assert.equal(applied.status, 0, applied.stderr);
}

describe("bastion reads the NADs (real API server, the stack's access entry and RBAC)", function () {
  this.timeout(120_000);

  describe("ningxia: view, whole cluster", () => {
    const cluster = useKubeCluster({ scheduler: false });
    let run: OfflineRun;
    let bastion: string;
    let viewOnly: string;

    before(async () => {
      run = await runStack("ningxia");
      await deploy(cluster(), run);
      const identity = bastionIdentity(run);
      await grantAccessPolicy(cluster(), run, identity.username);
      bastion = cluster().tokenFor(identity);
      viewOnly = cluster().tokenFor({ username: identity.username });
    });

    it("control: the access policy alone (view) cannot list NADs", async () => {
      const response = await cluster().request("GET", `${NADS}/network-attachment-definitions`, {
        token: viewOnly,
      });
      assert.equal(response.status, 403);
      const pods = await cluster().request("GET", "/api/v1/pods", { token: viewOnly });
      assert.equal(pods.status, 200, "view itself is in force");
    });

    it("lists and gets the NADs in every namespace with the entry's group (kubectl get net-attach-def -A)", async () => {
      const token = bastion;
      const listed = await cluster().kubectl(["get", "network-attachment-definitions", "-A", "-o", "name"], {
        token,
      });
      assert.equal(listed.status, 0, listed.stderr);
      assert.deepEqual(listed.stdout.trim().split("\n").sort(), [
        "networkattachmentdefinition.k8s.cni.cncf.io/ipvlan-conf-1",
        "networkattachmentdefinition.k8s.cni.cncf.io/ipvlan-conf-2",
      ]);
      const got = await cluster().request(
        "GET",
        `${NADS}/namespaces/default/network-attachment-definitions/ipvlan-conf-1`,
        {
          token,
        },
      );
      assert.equal(got.status, 200);
      assert.match(got.body.spec.config, /"type":"ipvlan"/);
    });

    it("cannot change or delete a NAD", async () => {
      const path = `${NADS}/namespaces/default/network-attachment-definitions/ipvlan-conf-1`;
      const patched = await cluster().request("PATCH", path, {
        token: bastion,
        contentType: "application/merge-patch+json",
        body: { metadata: { labels: { a: "b" } } },
      });
      assert.equal(patched.status, 403);
      assert.equal((await cluster().request("DELETE", path, { token: bastion })).status, 403);
    });
  });

  describe("edit scoped to one namespace", () => {
    const cluster = useKubeCluster({ scheduler: false });
    let bastion: string;

    before(async () => {
      const run = await runStack("ningxia", {
        bastionClusterAccess: "edit",
        bastionAccessNamespaces: ["default"],
      });
      await deploy(cluster(), run);
      const identity = bastionIdentity(run);
      await grantAccessPolicy(cluster(), run, identity.username);
      bastion = cluster().tokenFor(identity);
      // A NAD elsewhere, which the bastion must not see.
      const other = await cluster().kubectl(["create", "namespace", "telco"]);
      assert.equal(other.status, 0, other.stderr);
      const nad = await applyServerSide(cluster(), [
        {
          apiVersion: "k8s.cni.cncf.io/v1",
          kind: "NetworkAttachmentDefinition",
          metadata: { name: "private", namespace: "telco" },
          spec: { config: "{}" },
        },
      ]);
      assert.equal(nad.status, 0, nad.stderr);
    });

    it("reads the NADs of its namespace, not those of another", async () => {
      const inScope = await cluster().request(
        "GET",
        `${NADS}/namespaces/default/network-attachment-definitions`,
        {
          token: bastion,
        },
      );
      assert.equal(inScope.status, 200);
      assert.equal(inScope.body.items.length, 2);
      const outOfScope = await cluster().request(
        "GET",
        `${NADS}/namespaces/telco/network-attachment-definitions`,
        {
          token: bastion,
        },
      );
      assert.equal(outOfScope.status, 403);
      const everywhere = await cluster().request("GET", `${NADS}/network-attachment-definitions`, {
        token: bastion,
      });
      assert.equal(everywhere.status, 403);
    });
  });

  it("gives an admin bastion no extra group (cluster admin reads everything)", async () => {
    const run = await runStack("ningxia", { bastionClusterAccess: "admin" });
    assert.deepEqual(bastionIdentity(run).groups, []);
    assert.deepEqual(
      renderedObjects(run).filter((entry) => /nad-reader/.test(entry.resource)),
      [],
    );
  });
});
