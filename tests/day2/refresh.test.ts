/**
 * Instance refresh preferences against the limits EC2 Auto Scaling documents for RefreshPreferences
 * and InstanceMaintenancePolicy: MinHealthyPercentage 0-100, MaxHealthyPercentage 100-200, and
 * max - min <= 100. Capacity is a percentage of the desired capacity; a min of 100 % replaces one
 * instance at a time and never goes below desired.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { minHealthyPercentageProblem, refreshPlan } from "../../components/nodegroup/refresh";
import { resourceNamed, resourcesOfType, runStack } from "../support/offline";

const GROUP = "aws:autoscaling/group:Group";

describe("instance refresh plan", () => {
  it("stays within EC2's documented ranges for every group size and minimum", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 100 }), (desired, min) => {
        const { preferences } = refreshPlan({ desiredSize: desired, minHealthyPercentage: min });
        assert.equal(preferences.minHealthyPercentage, min);
        assert.ok(preferences.maxHealthyPercentage >= 100 && preferences.maxHealthyPercentage <= 200);
        assert.ok(preferences.maxHealthyPercentage - preferences.minHealthyPercentage <= 100);
      }),
    );
  });

  it("by default keeps every desired node and surges exactly one at a time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), (desired) => {
        const { strategy, preferences } = refreshPlan({ desiredSize: desired });
        assert.equal(strategy, "Rolling");
        assert.equal(preferences.minHealthyPercentage, 100);
        // Instances the group may run during the refresh (EC2 rounds the percentage down).
        const ceiling = Math.floor((desired * preferences.maxHealthyPercentage) / 100);
        assert.ok(ceiling >= desired + 1, `desired ${desired}: room for ${ceiling}`);
        // One node of surge, not two (for 1..100 nodes, 100/desired rounds to at most one node).
        assert.ok(
          ceiling <= desired + 1 || preferences.maxHealthyPercentage === 200,
          `desired ${desired}: ${ceiling}`,
        );
      }),
    );
  });

  it("gives the one-node blog group a surge of one: max healthy 200 %", () => {
    assert.equal(refreshPlan({ desiredSize: 1 }).preferences.maxHealthyPercentage, 200);
  });

  it("refuses minimums outside 0-100", () => {
    for (const bad of [-1, 101, 50.5]) assert.match(minHealthyPercentageProblem(bad) ?? "", /0 to 100/);
    for (const good of [0, 50, 100]) assert.equal(minHealthyPercentageProblem(good), undefined);
  });

  it("gets a new launch template (so a refresh) from a new kubernetesVersion or AMI", async () => {
    const imageOf = async (overrides: Record<string, unknown>) =>
      resourcesOfType(await runStack("ningxia", overrides), "aws:ec2/launchTemplate:LaunchTemplate")[0].inputs
        .imageId;
    const current = await imageOf({});
    assert.match(String(current), /optimized-ami\/1\.35\//);
    assert.notEqual(await imageOf({ kubernetesVersion: "1.34" }), current);
    assert.equal(await imageOf({ nodeAmiId: "ami-0123456789abcdef0" }), "ami-0123456789abcdef0");
  });

  it("is on the Ningxia stack's Auto Scaling group, rolling on launch template changes", async () => {
    const run = await runStack("ningxia");
    const group = resourceNamed(run, GROUP, "eks-multus-cluster-nodes");
    const refresh = group.inputs.instanceRefresh as {
      strategy: string;
      preferences: Record<string, unknown>;
    };
    assert.equal(refresh.strategy, "Rolling");
    assert.equal(refresh.preferences.minHealthyPercentage, 100);
    assert.equal(refresh.preferences.maxHealthyPercentage, 200);
    // Health-check replacements follow the same rule: launch first, then terminate.
    assert.deepEqual(group.inputs.instanceMaintenancePolicy, {
      minHealthyPercentage: 100,
      maxHealthyPercentage: 200,
    });
    // The provider starts a refresh when the launch template (or its version) changes; no extra triggers.
    assert.equal((refresh as { triggers?: unknown }).triggers, undefined);
    // Refreshed instances launch through the same lifecycle hooks as any other.
    const hooks = group.inputs.initialLifecycleHooks as { lifecycleTransition: string }[];
    assert.deepEqual(hooks.map((hook) => hook.lifecycleTransition).sort(), [
      "autoscaling:EC2_INSTANCE_LAUNCHING",
      "autoscaling:EC2_INSTANCE_TERMINATING",
    ]);
  });
});
