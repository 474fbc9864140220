/**
 * The startup-taint remover's RBAC and ValidatingAdmissionPolicy (components/nodegroup/startup-taint.ts)
 * on a real kube-apiserver 1.35.8, with real requests as the identity EKS gives the remover role.
 *
 * Identity: an access entry for an IAM role, without a custom username, authenticates a session as
 * `arn:<partition>:sts::<account>:assumed-role/<role-name>/{{SessionName}}` (EKS User Guide,
 * "Create access entries" / set-custom-username), with the entry's Kubernetes groups.
 *
 * Expectations come from what the remover is for (remove the startup taint from its own Node and
 * nothing else: issue 21, defect 1, each case listed there) and from the API's documented behaviour:
 * an ownerReference to an object that does not exist makes the garbage collector delete the dependent
 * ("Garbage collection", Kubernetes docs; shown here by the control case); RBAC refuses verbs it does
 * not grant with 403.
 */
import { strict as assert } from "node:assert";
import {
  STARTUP_TAINT_KEY,
  UNTAINT_GROUP,
  UNTAINT_POLICY_NAME,
  untaintKubernetesObjects,
  untaintValidations,
  untaintRoleName,
} from "../../components/nodegroup/startup-taint";
import { eventually } from "../support/eventually";
import { applyServerSide, type KubeObject } from "./harness/apply";
import { useKubeCluster, type ApiResponse } from "./harness/cluster";

const REGION = "cn-northwest-1";
const ZONE = "cn-northwest-1a";
const CLUSTER = "eks-multus-cluster";
const INSTANCE = "i-0123456789abcdef0";
const OTHER_INSTANCE = "i-0fedcba9876543210";
const REMOVER = `arn:aws-cn:sts::123456789012:assumed-role/${untaintRoleName(REGION, CLUSTER)}/${INSTANCE}`;
const STARTUP = { key: STARTUP_TAINT_KEY, effect: "NoSchedule" };
const OTHER_TAINT = { key: "dedicated", value: "telco", effect: "NoSchedule" };
const JSON_PATCH = "application/json-patch+json";
const MERGE_PATCH = "application/merge-patch+json";

type Outcome = "allowed" | "refused by the policy" | "refused by RBAC";

interface NodeShape {
  readonly providerID?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly taints?: readonly object[];
}

interface Case {
  readonly name: string;
  readonly node?: NodeShape;
  /** The request; `path` is relative to the case's Node (`""`, `/status`) unless absolute. */
  readonly method?: string;
  readonly path?: string;
  readonly contentType?: string;
  /** The request body, or a function of the Node as created. */
  readonly body: unknown | ((created: KubeObject) => unknown);
  readonly expect: Outcome;
  /** For a refusal by the policy: the rule that refuses (part of its message). */
  readonly because?: string;
  /** Checked on the Node (or its absence) a few seconds after the request. */
  readonly after?: (node: KubeObject | undefined) => void;
}

const removeStartup = [
  { op: "test", path: "/spec/taints/1", value: STARTUP },
  { op: "remove", path: "/spec/taints/1" },
];
const taintsOf = (node: KubeObject | undefined): object[] => node?.spec?.taints ?? [];
/**
 * The taints of a new Node but the startup taint. The API server's TaintNodesByCondition admission
 * plugin (on by default, as on EKS) adds node.kubernetes.io/not-ready at creation; here no node
 * lifecycle controller removes it.
 */
const withoutStartup = (node: KubeObject | undefined) =>
  taintsOf(node).filter((taint) => (taint as { key: string }).key !== STARTUP_TAINT_KEY);

const CASES: Case[] = [
  {
    name: "removes the startup taint from its own Node (the node script's JSON patch)",
    body: removeStartup,
    expect: "allowed",
  },
  {
    name: "removes the startup taint when it is the Node's only taint",
    node: { taints: [STARTUP] },
    body: [{ op: "remove", path: "/spec/taints/0" }],
    expect: "allowed",
  },
  {
    name: "removes the startup taint from its own Node that has no labels",
    node: { labels: {} },
    body: removeStartup,
    expect: "allowed",
  },
  {
    name: "removes the startup taint with a merge patch that lists the other taints",
    contentType: MERGE_PATCH,
    body: (created: KubeObject) => ({ spec: { taints: withoutStartup(created) } }),
    expect: "allowed",
  },
  {
    name: "removes another taint as well",
    body: [{ op: "replace", path: "/spec/taints", value: [] }],
    expect: "refused by the policy",
    because: "only remove",
  },
  {
    name: "changes another taint and keeps the startup taint",
    body: [{ op: "add", path: "/spec/taints/-", value: { key: "x", effect: "NoExecute" } }],
    expect: "refused by the policy",
    because: "only remove",
  },
  {
    name: "removes the startup taint from another instance's Node",
    node: { providerID: `aws:///${ZONE}/${OTHER_INSTANCE}` },
    body: removeStartup,
    expect: "refused by the policy",
    because: "its own instance",
  },
  {
    name: "sets its own providerID on a Node whose providerID is empty, and removes its taint",
    node: { providerID: "" },
    body: [{ op: "add", path: "/spec/providerID", value: `aws:///${ZONE}/${INSTANCE}` }, ...removeStartup],
    expect: "refused by the policy",
    because: "its own instance",
    after: (node) => assert.equal(node?.spec?.providerID ?? "", ""),
  },
  {
    name: "adds a label",
    body: [...removeStartup, { op: "add", path: "/metadata/labels/role", value: "x" }],
    expect: "refused by the policy",
    because: "metadata.labels",
  },
  {
    name: "adds an annotation",
    body: [...removeStartup, { op: "add", path: "/metadata/annotations", value: { a: "b" } }],
    expect: "refused by the policy",
    because: "metadata.annotations",
  },
  {
    name: "cordons the Node",
    body: [...removeStartup, { op: "add", path: "/spec/unschedulable", value: true }],
    expect: "refused by the policy",
    because: "spec.unschedulable",
  },
  {
    name: "adds a finalizer",
    body: [...removeStartup, { op: "add", path: "/metadata/finalizers", value: ["example.com/keep"] }],
    expect: "refused by the policy",
    because: "metadata.finalizers",
  },
  {
    name: "adds an ownerReference to a UID that does not exist (the garbage collector would delete the Node)",
    body: [
      ...removeStartup,
      {
        op: "add",
        path: "/metadata/ownerReferences",
        value: [
          { apiVersion: "v1", kind: "Node", name: "ghost", uid: "6a1b3f4e-0000-4000-8000-000000000001" },
        ],
      },
    ],
    expect: "refused by the policy",
    because: "metadata.ownerReferences",
    after: (node) => assert.ok(node, "the Node still exists"),
  },
  {
    name: "sets spec.podCIDR and spec.podCIDRs",
    body: [
      ...removeStartup,
      { op: "add", path: "/spec/podCIDR", value: "10.0.4.0/24" },
      { op: "add", path: "/spec/podCIDRs", value: ["10.0.4.0/24"] },
    ],
    expect: "refused by the policy",
    because: "spec.podCIDR",
  },
  {
    name: "changes a label and keeps the startup taint",
    body: [{ op: "add", path: "/metadata/labels/role", value: "x" }],
    expect: "refused by the policy",
    because: "only remove",
  },
  {
    name: "replaces the Node (PUT: update is not granted)",
    method: "PUT",
    body: undefined,
    expect: "refused by RBAC",
  },
  {
    name: "patches the Node's status",
    path: "/status",
    contentType: MERGE_PATCH,
    body: { status: { conditions: [{ type: "Ready", status: "True" }] } },
    expect: "refused by RBAC",
  },
  {
    name: "deletes the Node",
    method: "DELETE",
    body: undefined,
    expect: "refused by RBAC",
    after: (node) => assert.ok(node, "the Node still exists"),
  },
  {
    name: "creates a Node",
    method: "POST",
    path: "/api/v1/nodes",
    body: { apiVersion: "v1", kind: "Node", metadata: { name: "ip-10-0-2-250" } },
    expect: "refused by RBAC",
  },
  {
    name: "lists Nodes",
    method: "GET",
    path: "/api/v1/nodes",
    body: undefined,
    expect: "refused by RBAC",
  },
  {
    name: "patches a Pod",
    path: "/api/v1/namespaces/default/pods/p",
    contentType: MERGE_PATCH,
    body: { metadata: { labels: { a: "b" } } },
    expect: "refused by RBAC",
  },
];

function nodeObject(name: string, shape: NodeShape = {}): KubeObject {
  const labels = shape.labels ?? { "multus-eks/node-group": "multus", "topology.kubernetes.io/zone": ZONE };
  const providerID = shape.providerID ?? `aws:///${ZONE}/${INSTANCE}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(shape.annotations ? { annotations: shape.annotations } : {}),
    },
    spec: { ...(providerID ? { providerID } : {}), taints: shape.taints ?? [OTHER_TAINT, STARTUP] },
  };
}

/** The policy's denial message(s), after the API server's prefix. */
function denial(response: ApiResponse): string {
  const message = String(response.body?.message ?? "");
  return message.includes("denied request: ")
    ? message.slice(message.indexOf("denied request: ") + 16)
    : message;
}

function outcomeOf(response: ApiResponse): Outcome | string {
  if (response.status >= 200 && response.status < 300) return "allowed";
  const message = String(response.body?.message ?? response.body);
  if (message.includes(`ValidatingAdmissionPolicy '${UNTAINT_POLICY_NAME}'`)) return "refused by the policy";
  if (response.status === 403 && message.includes("cannot")) return "refused by RBAC";
  return `${response.status}: ${message}`;
}

describe("startup-taint remover on a real API server (RBAC + ValidatingAdmissionPolicy)", function () {
  this.timeout(120_000);
  const cluster = useKubeCluster({ scheduler: false });
  let remover: string;

  before(async () => {
    const applied = await applyServerSide(cluster(), untaintKubernetesObjects());
    assert.equal(applied.status, 0, applied.stderr);
    remover = cluster().tokenFor({ username: REMOVER, groups: [UNTAINT_GROUP] });
    // A policy is in force once the API server has loaded it: wait until it refuses a label change.
    const probe = nodeObject("ip-10-0-2-254");
    assert.equal((await cluster().request("POST", "/api/v1/nodes", { body: probe })).status, 201);
    await eventually("the admission policy to be in force", async () => {
      const response = await cluster().request("PATCH", "/api/v1/nodes/ip-10-0-2-254", {
        token: remover,
        contentType: JSON_PATCH,
        body: [{ op: "add", path: "/metadata/labels/probe", value: "x" }],
      });
      return outcomeOf(response) === "refused by the policy";
    });
  });

  const table: string[] = [];
  after(() => {
    if (table.length) console.log(`\n      remover ${REMOVER}\n${table.join("\n")}\n`);
  });

  CASES.forEach((testCase, index) => {
    it(`${testCase.expect}: ${testCase.name}`, async () => {
      const name = `ip-10-0-2-${index + 10}.${REGION}.compute.internal`;
      const created = await cluster().request("POST", "/api/v1/nodes", {
        body: nodeObject(name, testCase.node),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const method = testCase.method ?? "PATCH";
      const path = testCase.path?.startsWith("/api")
        ? testCase.path
        : `/api/v1/nodes/${name}${testCase.path ?? ""}`;
      const body =
        method === "PUT"
          ? { ...created.body, spec: { ...created.body.spec, taints: withoutStartup(created.body) } }
          : typeof testCase.body === "function"
            ? testCase.body(created.body)
            : testCase.body;
      const response = await cluster().request(method, path, {
        token: remover,
        ...(body === undefined
          ? {}
          : {
              body,
              contentType: testCase.contentType ?? (method === "PATCH" ? JSON_PATCH : "application/json"),
            }),
      });
      const outcome = outcomeOf(response);
      const why = outcome === "refused by the policy" ? ` (${denial(response)})` : "";
      table.push(
        `      ${outcome === testCase.expect ? "ok  " : "FAIL"} ${outcome.padEnd(22)} ${testCase.name}${why}`,
      );
      assert.equal(outcome, testCase.expect);
      if (testCase.because) assert.ok(denial(response).includes(testCase.because), denial(response));
      // Long enough for the garbage collector, which deletes an orphaned dependent within a second.
      await new Promise((wait) => setTimeout(wait, testCase.after ? 3000 : 0));
      const now = await cluster().request("GET", `/api/v1/nodes/${name}`);
      const node = now.status === 200 ? (now.body as KubeObject) : undefined;
      if (testCase.expect === "allowed") {
        assert.deepEqual(taintsOf(node), withoutStartup(created.body), "exactly the startup taint is gone");
      } else {
        assert.ok(node, "the Node still exists");
        assert.deepEqual(node.metadata.labels, created.body.metadata.labels);
        assert.deepEqual(node.spec, created.body.spec, "a refused request changes nothing");
        // (not the resourceVersion: the controller manager's TTL controller annotates new Nodes)
        assert.deepEqual(node.metadata.finalizers, created.body.metadata.finalizers);
        assert.deepEqual(node.metadata.ownerReferences, created.body.metadata.ownerReferences);
      }
      testCase.after?.(node);
    });
  });

  it("compares every writable Node field the real API server's schema has (OpenAPI v3)", async () => {
    const { body } = await cluster().request("GET", "/openapi/v3/api/v1");
    const properties = (schema: string) => Object.keys(body.components.schemas[schema].properties);
    // ObjectMeta fields the API server sets itself or never lets an update change (API conventions,
    // "Metadata"; name and namespace identify the object).
    const serverManaged = [
      "creationTimestamp",
      "deletionGracePeriodSeconds",
      "deletionTimestamp",
      "generation",
      "managedFields",
      "name",
      "namespace",
      "resourceVersion",
      "selfLink",
      "uid",
    ];
    const expressions = untaintValidations().map((rule) => rule.expression);
    const compared = (path: string) =>
      expressions.some(
        (expression) => expression.includes(`object.${path})`) && expression.includes(`oldObject.${path})`),
      );
    const missing = [
      ...properties("io.k8s.api.core.v1.NodeSpec").map((field) => `spec.${field}`),
      ...properties("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        .filter((field) => !serverManaged.includes(field))
        .map((field) => `metadata.${field}`),
    ].filter((path) => !compared(path));
    assert.deepEqual(missing, []);
  });

  it("control: an ownerReference to a missing UID makes the garbage collector delete the Node", async () => {
    const name = "ip-10-0-2-253";
    assert.equal((await cluster().request("POST", "/api/v1/nodes", { body: nodeObject(name) })).status, 201);
    const patched = await cluster().request("PATCH", `/api/v1/nodes/${name}`, {
      contentType: MERGE_PATCH,
      body: {
        metadata: {
          ownerReferences: [
            { apiVersion: "v1", kind: "Node", name: "ghost", uid: "6a1b3f4e-0000-4000-8000-000000000002" },
          ],
        },
      },
    });
    assert.equal(patched.status, 200);
    await eventually(
      "the garbage collector to delete the Node",
      async () => (await cluster().request("GET", `/api/v1/nodes/${name}`)).status === 404,
    );
  });

  it("leaves other identities' Node updates to RBAC (the policy matches only the remover group)", async () => {
    const name = "ip-10-0-2-252";
    assert.equal((await cluster().request("POST", "/api/v1/nodes", { body: nodeObject(name) })).status, 201);
    const response = await cluster().request("PATCH", `/api/v1/nodes/${name}`, {
      contentType: JSON_PATCH,
      body: [{ op: "add", path: "/metadata/labels/role", value: "x" }],
    });
    assert.equal(response.status, 200, "admin may still label a Node");
    const sameNameNoGroup = cluster().tokenFor({ username: REMOVER });
    const refused = await cluster().request("PATCH", `/api/v1/nodes/${name}`, {
      token: sameNameNoGroup,
      contentType: JSON_PATCH,
      body: removeStartup,
    });
    assert.equal(outcomeOf(refused), "refused by RBAC", "the grant is the group's, not the username's");
  });
});
