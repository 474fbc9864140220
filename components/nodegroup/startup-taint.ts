/**
 * The node startup taint (CONTRACTS item 6): every node registers with `multus-eks/not-ready:NoSchedule`
 * (nodeadm → kubelet registerWithTaints), the Multus DaemonSet tolerates it, and the node's own
 * `multus-eks-untaint` service removes it once Multus has written its configuration on that node.
 *
 * NodeRestriction forbids a kubelet to change its Node's taints after registration, so the service
 * uses its own identity: an IAM role the node roles may assume (session name = the instance ID, which
 * the role's trust policy enforces), mapped by an EKS access entry to a Kubernetes group whose RBAC
 * allows get/patch on nodes, and narrowed by a ValidatingAdmissionPolicy to exactly this: remove the
 * startup taint, change nothing else, and only on the Node whose providerID names the caller's
 * session (its own instance).
 * Pure: data in, documents out.
 */
import { createHash } from "crypto";

export const STARTUP_TAINT_KEY = "multus-eks/not-ready";
export const STARTUP_TAINT_EFFECT = "NoSchedule";
export const STARTUP_TAINT = { key: STARTUP_TAINT_KEY, effect: STARTUP_TAINT_EFFECT } as const;

interface NodeConfigShape {
  spec: { kubelet?: { config?: Record<string, unknown> } & Record<string, unknown> } & Record<
    string,
    unknown
  >;
}

/**
 * The NodeConfig with the startup taint in kubelet's `registerWithTaints`: only kubelet can set a
 * taint on its Node, and only when it registers it.
 */
export function withStartupTaint<T extends NodeConfigShape>(nodeConfig: T): T {
  const kubelet = nodeConfig.spec.kubelet ?? {};
  return {
    ...nodeConfig,
    spec: {
      ...nodeConfig.spec,
      kubelet: { ...kubelet, config: { ...kubelet.config, registerWithTaints: [{ ...STARTUP_TAINT }] } },
    },
  };
}

/** The Kubernetes group the remover's access entry maps to. */
export const UNTAINT_GROUP = "multus-eks:startup-untaint";
export const UNTAINT_CLUSTER_ROLE = "multus-eks:startup-untaint";
export const UNTAINT_POLICY_NAME = "multus-eks-startup-untaint";
/** Installed by h2's delivery from components/nodegroup/rootfs/. */
export const UNTAINT_SCRIPT_PATH = "/usr/local/sbin/multus-eks-untaint";
export const UNTAINT_SERVICE_NAME = "multus-eks-untaint.service";

/**
 * `multus-untaint-<16 hex>`: the node derives the same name from the region and cluster name in
 * /etc/multus-eks/node-config.json (IAM role names are per account, so the region is part of it:
 * the same cluster name in Ningxia and Beijing gets two roles).
 */
export function untaintRoleName(region: string, clusterName: string): string {
  const hash = createHash("sha256").update(`${region}/${clusterName}`).digest("hex").slice(0, 16);
  return `multus-untaint-${hash}`;
}

/** Where the nodes run; their instance ARNs are `arn:<partition>:ec2:<region>:<account>:instance/<id>`. */
export interface UntaintTrustScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Only this cluster's node roles may assume the remover role, and only from an instance, with that
 * instance's own ID as session name: the admission policy takes the session name for the caller's
 * instance ID. ec2:SourceInstanceARN is the ARN of the instance whose role credentials sign the
 * request, a global key usable with services other than EC2 (EC2 User Guide, "Condition keys for
 * Amazon EC2", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-policies-for-amazon-ec2.html);
 * sts:RoleSessionName is the session name asked for in AssumeRole, and any single-valued key can be a
 * policy variable in a condition value (IAM User Guide,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_rolesessionname
 * and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html). A request
 * without either key (credentials not delivered to an instance) matches nothing.
 */
export function untaintTrustPolicy(
  nodeRoleArns: readonly string[],
  scope: UntaintTrustScope,
): Record<string, unknown> {
  const instanceArnPrefix = `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:instance/`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: [...nodeRoleArns] },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "ec2:SourceInstanceARN": `${instanceArnPrefix}\${sts:RoleSessionName}` },
        },
      },
    ],
  };
}

type KubernetesObject = Record<string, unknown>;

export function untaintClusterRole(): KubernetesObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: UNTAINT_CLUSTER_ROLE },
    rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
  };
}

export function untaintClusterRoleBinding(): KubernetesObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: UNTAINT_CLUSTER_ROLE },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: UNTAINT_CLUSTER_ROLE },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: UNTAINT_GROUP }],
  };
}

/** The part after the last "/": the session name (the instance ID) in an assumed-role session ARN. */
const last = (expression: string): string => `${expression}.substring(${expression}.lastIndexOf('/') + 1)`;

/** `path` of object (or oldObject), with `fallback` where the field is absent (has() guards it). */
const valueOf = (root: "object" | "oldObject", path: string, fallback: string): string =>
  `(has(${root}.${path}) ? ${root}.${path} : ${fallback})`;
const unchanged = (path: string, fallback: string): string =>
  `${valueOf("object", path, fallback)} == ${valueOf("oldObject", path, fallback)}`;

/**
 * Every field of a Node (core/v1 ObjectMeta and NodeSpec, Kubernetes 1.35) a PATCH could change,
 * with the value an absent field stands for. Status is not among them: an update of the Node itself
 * keeps the old status (the nodes/status subresource, which RBAC does not grant, changes it);
 * managedFields are the API server's record of who set what. A ownerReference to an object that
 * does not exist makes the garbage collector delete the Node; a finalizer blocks its deletion;
 * podCIDR(s) and providerID are set once and read by other controllers.
 */
const UNCHANGED_NODE_FIELDS: readonly (readonly [string, string])[] = [
  ["metadata.labels", "{}"],
  ["metadata.annotations", "{}"],
  ["metadata.finalizers", "[]"],
  ["metadata.ownerReferences", "[]"],
  ["metadata.generateName", "''"],
  ["spec.providerID", "''"],
  ["spec.podCIDR", "''"],
  ["spec.podCIDRs", "[]"],
  ["spec.unschedulable", "false"],
  ["spec.externalID", "''"],
  ["spec.configSource", "null"],
];

/**
 * CEL rules, evaluated only for requests of the remover group (matchConditions). The access entry
 * keeps EKS's default username for a role, the session ARN `arn:<p>:sts::<acct>:assumed-role/<role>/<session>`.
 * Everything is read from `oldObject`, the Node as stored, or compared with it: the request may not
 * make a Node its own (providerID) in the same patch that removes the taint.
 */
export function untaintValidations(): { expression: string; message: string }[] {
  const taints = (root: "object" | "oldObject") => valueOf(root, "spec.taints", "[]");
  const hasStartup = (root: "object" | "oldObject") =>
    `${taints(root)}.exists(t, t.key == '${STARTUP_TAINT_KEY}')`;
  const others = (root: "object" | "oldObject") =>
    `${taints(root)}.filter(t, t.key != '${STARTUP_TAINT_KEY}')`;
  return [
    {
      expression: `has(oldObject.spec.providerID) && oldObject.spec.providerID.endsWith('/' + ${last("request.userInfo.username")})`,
      message: `the startup-taint remover may only change the Node of its own instance (session name = instance ID)`,
    },
    {
      expression: `${hasStartup("oldObject")} && !${hasStartup("object")} && ${others("object")} == ${others("oldObject")}`,
      message: `the startup-taint remover may only remove the ${STARTUP_TAINT_KEY} taint`,
    },
    ...UNCHANGED_NODE_FIELDS.map(([path, fallback]) => ({
      expression: unchanged(path, fallback),
      message: `the startup-taint remover may not change ${path}`,
    })),
  ];
}

export function untaintAdmissionPolicy(): KubernetesObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: UNTAINT_POLICY_NAME },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["nodes"] },
        ],
      },
      matchConditions: [
        { name: "startup-untaint-group", expression: `'${UNTAINT_GROUP}' in request.userInfo.groups` },
      ],
      validations: untaintValidations(),
    },
  };
}

export function untaintAdmissionPolicyBinding(): KubernetesObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: UNTAINT_POLICY_NAME },
    spec: { policyName: UNTAINT_POLICY_NAME, validationActions: ["Deny"] },
  };
}

/** The cluster-side objects, in apply order (the policy and its binding before the RBAC grant). */
export function untaintKubernetesObjects(): KubernetesObject[] {
  return [
    untaintAdmissionPolicy(),
    untaintAdmissionPolicyBinding(),
    untaintClusterRole(),
    untaintClusterRoleBinding(),
  ];
}
