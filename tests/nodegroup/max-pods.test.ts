// kubelet maxPods and the ENI check, and the node group's fixed names.
import { strict as assert } from "node:assert";
import {
  derivedMaxPods,
  INSTANCE_NETWORK_LIMITS,
  maxPodsProblems,
  resolveMaxPods,
} from "../../components/nodegroup/max-pods";
import { autoScalingGroupName, eniLambdaName, multusSubnetId } from "../../components/nodegroup/plan";

describe("node group max pods", () => {
  it("derives (ENIs - Multus ENIs) x (IPv4 per ENI - 1) + 2", () => {
    // Without Multus ENIs the formula gives the VPC CNI's published figures.
    assert.equal(derivedMaxPods(INSTANCE_NETWORK_LIMITS["c5.large"], 0), 29);
    assert.equal(derivedMaxPods(INSTANCE_NETWORK_LIMITS["m5.xlarge"], 0), 58);
    assert.equal(derivedMaxPods(INSTANCE_NETWORK_LIMITS["c5n.18xlarge"], 0), 737);
    assert.equal(resolveMaxPods({ instanceType: "c5.large", maxPods: 0, multusDeviceIndexes: [1, 2] }), 11);
    assert.equal(
      resolveMaxPods({ instanceType: "c5.4xlarge", maxPods: 0, multusDeviceIndexes: [1, 2] }),
      176,
    );
  });

  it("prefers an explicit maxPods", () => {
    assert.equal(resolveMaxPods({ instanceType: "c5.large", maxPods: 20, multusDeviceIndexes: [1] }), 20);
  });

  it("checks the highest device index against the type's ENI limit, even with an explicit maxPods", () => {
    const problems = maxPodsProblems({ instanceType: "t3.medium", maxPods: 10, multusDeviceIndexes: [3] });
    assert.equal(problems.length, 1);
    assert.equal(problems[0].setting, "nodeInstanceType");
    assert.match(problems[0].message, /t3\.medium attaches at most 3 ENIs/);
    assert.deepEqual(
      maxPodsProblems({ instanceType: "t3.medium", maxPods: 0, multusDeviceIndexes: [1, 2] }),
      [],
    );
  });

  it("asks for nodeMaxPods when the type is not in the table", () => {
    const problems = maxPodsProblems({ instanceType: "m7i.large", maxPods: 0, multusDeviceIndexes: [1, 2] });
    assert.deepEqual(
      problems.map((problem) => problem.setting),
      ["nodeMaxPods"],
    );
    assert.throws(
      () => resolveMaxPods({ instanceType: "m7i.large", maxPods: 0, multusDeviceIndexes: [1, 2] }),
      /nodeMaxPods: .*m7i\.large/,
    );
    assert.equal(resolveMaxPods({ instanceType: "m7i.large", maxPods: 25, multusDeviceIndexes: [1, 2] }), 25);
  });

  it("does not mistake Object.prototype keys for instance types", () => {
    assert.equal(
      maxPodsProblems({ instanceType: "constructor", maxPods: 0, multusDeviceIndexes: [1] }).length,
      1,
    );
  });
});

describe("node group names", () => {
  it("fixes the group's name from the cluster's", () => {
    assert.equal(autoScalingGroupName("eks-multus-cluster"), "eks-multus-cluster-multus-nodes");
  });

  it("keeps the Lambda's name within 64 characters and distinct for long cluster names", () => {
    assert.equal(eniLambdaName("short"), "short-multus-eni");
    const first = eniLambdaName(`${"a".repeat(70)}-one`);
    const second = eniLambdaName(`${"a".repeat(70)}-two`);
    assert.equal(first.length, 64);
    assert.notEqual(first, second);
    assert.match(first, /^a+-[0-9a-f]{8}-multus-eni$/);
  });

  it("names the network and AZ when a Multus subnet is missing", () => {
    assert.throws(
      () => multusSubnetId({ "net-a": { "cn-north-1a": "subnet-1" } }, "net-a", "cn-north-1b"),
      /"net-a" has no subnet in cn-north-1b/,
    );
  });
});
