/**
 * The node startup taint (CONTRACTS item 6) in the resource graph: every node group's nodes
 * register with it, the Multus DaemonSet tolerates it (Kubernetes toleration rules), and the
 * cluster side of its removal: a remover role only the node roles may assume, mapped to a group
 * whose RBAC allows get/patch on nodes, narrowed by a ValidatingAdmissionPolicy. Also the node
 * files' layout (CONTRACTS item 1).
 */
import { strict as assert } from "node:assert";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { STARTUP_TAINT_KEY, UNTAINT_GROUP, untaintRoleName } from "../../components/nodegroup/startup-taint";
import { nodeConfigOfUserData } from "../../stacks/offline/day2-report";
import { MOCK_ACCOUNT_ID } from "../../stacks/offline/engine";
import { REPO_ROOT } from "../support/moto";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** Kubernetes' documented rule: an empty key with Exists matches every taint; empty effect matches every effect. */
function tolerates(toleration: Toleration, taint: { key: string; value?: string; effect: string }): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (!toleration.key) return toleration.operator === "Exists";
  if (toleration.key !== taint.key) return false;
  return toleration.operator === "Exists" || (toleration.value ?? "") === (taint.value ?? "");
}

describe("node startup taint", () => {
  let run: OfflineRun;
  before(async () => {
    run = await runStack("examples/Pulumi.two-groups.yaml");
  });

  it("is set at registration by every node group's NodeConfig", () => {
    const templates = resourcesOfType(run, "aws:ec2/launchTemplate:LaunchTemplate");
    assert.equal(templates.length, 2);
    for (const template of templates) {
      const config = nodeConfigOfUserData(String(template.inputs.userData)) as {
        spec: { kubelet: { config: { registerWithTaints: unknown } } };
      };
      assert.deepEqual(config.spec.kubelet.config.registerWithTaints, [
        { key: STARTUP_TAINT_KEY, effect: "NoSchedule" },
      ]);
    }
  });

  it("is tolerated by the Multus DaemonSet", () => {
    const daemonSet = resourcesOfType(run, "kubernetes:apps/v1:DaemonSet")[0];
    const deployed = (daemonSet.inputs.spec as { template: { spec: { tolerations: Toleration[] } } }).template
      .spec.tolerations;
    assert.ok(
      deployed.some((toleration) => tolerates(toleration, { key: STARTUP_TAINT_KEY, effect: "NoSchedule" })),
    );
  });

  it("is not tolerated by the samples, which must wait for Multus", () => {
    // Bare pods (the cross-node responder) and the samples' Deployments (their pod templates).
    const podSpecs = [
      ...resourcesOfType(run, "kubernetes:core/v1:Pod").map((pod) => ({
        name: pod.name,
        spec: pod.inputs.spec,
      })),
      ...resourcesOfType(run, "kubernetes:apps/v1:Deployment").map((deployment) => ({
        name: deployment.name,
        spec: (deployment.inputs.spec as { template: { spec: unknown } }).template.spec,
      })),
    ];
    assert.ok(podSpecs.length >= 2, "the samples are rendered");
    for (const { name, spec } of podSpecs) {
      const tolerations = (spec as { tolerations?: Toleration[] }).tolerations ?? [];
      assert.ok(
        !tolerations.some((toleration) =>
          tolerates(toleration, { key: STARTUP_TAINT_KEY, effect: "NoSchedule" }),
        ),
        name,
      );
    }
  });

  it("can be removed only through a role the node roles assume, mapped to a group with get/patch on nodes", () => {
    const roles = resourcesOfType(run, "aws:iam/role:Role");
    const remover = roles.find(
      (role) => role.inputs.name === untaintRoleName("cn-northwest-1", "telco-core"),
    )!;
    assert.ok(remover, "the remover role, under the name the node script derives");
    const trust = JSON.parse(String(remover.inputs.assumeRolePolicy)) as {
      Statement: { Principal: { AWS: string[] }; Action: string; Condition: unknown }[];
    };
    const nodeRoleArns = Object.values(run.outputs.nodeGroups as Record<string, { nodeRoleArn: string }>).map(
      (group) => group.nodeRoleArn,
    );
    assert.equal(nodeRoleArns.length, 2);
    assert.deepEqual(
      trust.Statement.map((statement) => [statement.Action, [...statement.Principal.AWS].sort()]),
      [["sts:AssumeRole", [...nodeRoleArns].sort()]],
    );
    // The caller's instance, in the EC2 documentation's ARN form, must be named by the session name
    // (evaluated in untaint-trust.test.ts); here: the stack's partition, region and account.
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: {
        "ec2:SourceInstanceARN": `arn:aws-cn:ec2:cn-northwest-1:${MOCK_ACCOUNT_ID}:instance/\${sts:RoleSessionName}`,
      },
    });
    const entries = resourcesOfType(run, "aws:eks/accessEntry:AccessEntry").filter(
      (entry) => entry.inputs.type === "STANDARD",
    );
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0].inputs.kubernetesGroups, [UNTAINT_GROUP]);
    // No access policy: only the RBAC below.
    assert.equal(resourcesOfType(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").length, 0);
    const role = resourcesOfType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").find((item) =>
      String((item.inputs.metadata as { name: string }).name).startsWith("multus-eks:startup-untaint"),
    )!;
    assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }]);
    const binding = resourcesOfType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").find(
      (item) =>
        (item.inputs.roleRef as { name: string }).name === (role.inputs.metadata as { name: string }).name,
    )!;
    assert.deepEqual(binding.inputs.subjects, [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: UNTAINT_GROUP },
    ]);
  });

  it("is guarded by a ValidatingAdmissionPolicy on node updates of that group, bound to deny", () => {
    const [policy] = resourcesOfType(
      run,
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
    );
    const spec = policy.inputs.spec as {
      failurePolicy: string;
      matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[] };
      matchConditions: { expression: string }[];
      validations: { expression: string }[];
    };
    assert.equal(spec.failurePolicy, "Fail");
    assert.deepEqual(
      spec.matchConstraints.resourceRules.map((rule) => [rule.resources, rule.operations]),
      [[["nodes"], ["UPDATE"]]],
    );
    assert.ok(spec.matchConditions[0].expression.includes(`'${UNTAINT_GROUP}' in request.userInfo.groups`));
    const rules = spec.validations.map((rule) => rule.expression).join("\n");
    assert.match(rules, /request\.userInfo\.username/);
    assert.match(rules, /object\.spec\.providerID/);
    assert.ok(rules.includes(`t.key != '${STARTUP_TAINT_KEY}'`));
    const [binding] = resourcesOfType(
      run,
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
    );
    assert.deepEqual((binding.inputs.spec as { validationActions: string[] }).validationActions, ["Deny"]);
  });

  it("ships the node files where they land, the script executable and the unit enabled", () => {
    const rootfs = join(REPO_ROOT, "components/nodegroup/rootfs");
    const script = join(rootfs, "usr/local/sbin/multus-eks-untaint");
    assert.ok((statSync(script).mode & 0o111) !== 0, "executable in the repository");
    const unit = readFileSync(join(rootfs, "etc/systemd/system/multus-eks-untaint.service"), "utf8");
    assert.match(unit, /^ExecStart=\/usr\/local\/sbin\/multus-eks-untaint$/m);
    // h2's delivery enables every *.service that has an [Install] section.
    assert.match(unit, /^\[Install\]\nWantedBy=multi-user\.target$/m);
  });
});
