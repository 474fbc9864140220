/**
 * nodeGroups: the default (one group from the node* settings, the blog's stack files unchanged),
 * validation of a list, and a two-group stack in the resource graph and through the policy gate.
 */
import { strict as assert } from "node:assert";
import { parseLambdaConfig } from "../../lambda/src/config";
import { singleAvailabilityZone } from "../../lambda/src/eni-plan";
import { ConfigError, ConfigProblem, parseSettings } from "../../stacks/config";
import { fakeId, rawConfig } from "../../stacks/offline/engine";
import { runGate } from "../../stacks/offline/gate";
import { readStackFile } from "../../stacks/offline/stack-file";
import { SUBNET, resourcesOfType, runStack } from "../support/offline";

const CONTEXT = { project: "multus-eks", stack: "test" };
const EXAMPLE = "examples/Pulumi.two-groups.yaml";
const GROUP = "aws:autoscaling/group:Group";
const LAMBDA = "aws:lambda/function:Function";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

function ningxiaWith(changes: Record<string, unknown>): Record<string, unknown> {
  return { ...rawConfig(readStackFile("ningxia")), ...changes };
}

function problemsOf(changes: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    parseSettings(ningxiaWith(changes), CONTEXT);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail("the configuration was accepted");
}

const settingsOf = (problems: readonly ConfigProblem[]) => problems.map((problem) => problem.setting).sort();

describe("node groups", () => {
  it("default to one group built from the node* settings, with every network", () => {
    for (const stack of ["ningxia", "beijing"]) {
      const settings = parseSettings(rawConfig(readStackFile(stack)), CONTEXT);
      assert.equal(settings.nodeGroups.length, 1);
      const [group] = settings.nodeGroups;
      assert.equal(group.name, "multus");
      assert.equal(group.instanceType, "c5.large");
      assert.deepEqual([group.desiredSize, group.minSize, group.maxSize], [1, 1, 1]);
      assert.deepEqual(group.networks, ["ipvlan-conf-1", "ipvlan-conf-2"]);
      assert.deepEqual(group.availabilityZones, [settings.availabilityZones[0]]);
      assert.equal(settings.nodeGroup, group);
    }
  });

  it("keep the blog group's resource names, so existing stacks are not replaced", async () => {
    const run = await runStack("ningxia");
    assert.deepEqual(
      resourcesOfType(run, GROUP).map((group) => group.inputs.name),
      ["eks-multus-cluster-multus-nodes"],
    );
    assert.deepEqual(
      resourcesOfType(run, LAMBDA).map((fn) => fn.inputs.name),
      ["eks-multus-cluster-multus-eni"],
    );
  });

  it("take unset fields from the node* settings", () => {
    const settings = parseSettings(
      ningxiaWith({
        nodeInstanceType: "c5.xlarge",
        nodeGroups: [{ name: "a" }, { name: "b", instanceType: "c5.2xlarge", networks: [] }],
      }),
      CONTEXT,
    );
    assert.deepEqual(
      settings.nodeGroups.map((group) => [group.name, group.instanceType, group.networks.length]),
      [
        ["a", "c5.xlarge", 2],
        ["b", "c5.2xlarge", 0],
      ],
    );
  });

  it("report every bad group field together, each under its own key", () => {
    const problems = problemsOf({
      nodeGroups: [
        { name: "a", networks: ["ipvlan-conf-9"], availabilityZones: ["cn-north-1a"] },
        { name: "a", desiredSize: 5, maxSize: 2, colour: "blue" },
        { name: "Bad_Name", refreshMinHealthyPercentage: 120 },
      ],
    });
    assert.deepEqual(settingsOf(problems), [
      "multus-eks:nodeGroups[0].availabilityZones[0]",
      "multus-eks:nodeGroups[0].networks[0]",
      "multus-eks:nodeGroups[1].colour",
      "multus-eks:nodeGroups[1].desiredSize",
      "multus-eks:nodeGroups[1].name",
      "multus-eks:nodeGroups[2].name",
      "multus-eks:nodeGroups[2].refreshMinHealthyPercentage",
    ]);
    const message = (key: string) => problems.find((problem) => problem.setting.endsWith(key))?.message ?? "";
    assert.match(
      message("[0].networks[0]"),
      /"ipvlan-conf-9" is not a Multus network.*ipvlan-conf-1, ipvlan-conf-2/,
    );
    assert.match(message("[1].name"), /used by an earlier group/);
    assert.match(message("[1].colour"), /not a node group field/);
  });

  it("check device indexes against each group's own instance type", () => {
    // c5.large holds 3 ENIs, c5.xlarge 4 (EC2's published limits): device index 3 needs the larger.
    const networks = [
      { name: "n1", deviceIndex: 1 },
      { name: "n3", deviceIndex: 3 },
    ];
    const problems = problemsOf({
      networks,
      nodeGroups: [
        { name: "small-ok", instanceType: "c5.large", networks: ["n1"] },
        { name: "small-bad", instanceType: "c5.large", networks: ["n3"] },
        { name: "big", instanceType: "c5.xlarge", networks: ["n1", "n3"] },
      ],
    });
    assert.deepEqual(settingsOf(problems), ["multus-eks:nodeGroups[1].instanceType"]);
    assert.match(problems[0].message, /c5\.large attaches at most 3 ENIs.*device index 3/);
  });

  it("name the node* setting when the default group is wrong", () => {
    const problems = problemsOf({ networks: [{ name: "n3", deviceIndex: 3 }] });
    assert.deepEqual(settingsOf(problems), ["multus-eks:nodeInstanceType"]);
  });

  it("give a group's ENI Lambda the Multus subnets of the group's own AZs only, so a group in one AZ knows its AZ", async () => {
    const [a, b] = ["cn-northwest-1a", "cn-northwest-1b"];
    const zonesOfGroup: Record<string, string[]> = { east: [a], west: [b], both: [a, b] };
    const run = await runStack("ningxia", {
      availabilityZones: [a, b],
      nodeGroups: Object.entries(zonesOfGroup).map(([name, availabilityZones]) => ({
        name,
        availabilityZones,
      })),
    });
    // Subnet ID -> its AZ, as the VPC declares it.
    const subnetZone = new Map(
      resourcesOfType(run, SUBNET).map((subnet) => [
        fakeId(SUBNET, subnet.name),
        String(subnet.inputs.availabilityZone),
      ]),
    );
    const lambdas = resourcesOfType(run, LAMBDA);
    assert.equal(lambdas.length, 3);
    for (const [group, zones] of Object.entries(zonesOfGroup)) {
      const lambda = lambdas.find((fn) => fn.inputs.name === `eks-multus-cluster-${group}-multus-eni`);
      assert.ok(lambda, `no ENI Lambda for group ${group}`);
      const environment = (lambda.inputs.environment as { variables: Record<string, string> }).variables;
      const config = parseLambdaConfig(environment.MULTUS_ENI_CONFIG);
      assert.equal(config.networks.length, 2);
      for (const network of config.networks) {
        assert.deepEqual(Object.keys(network.subnetIdsByAz).sort(), zones, `${group}: ${network.name}`);
        for (const [zone, subnetId] of Object.entries(network.subnetIdsByAz)) {
          assert.equal(subnetZone.get(subnetId), zone, `${group}: ${network.name} subnet ${subnetId}`);
        }
      }
      assert.equal(singleAvailabilityZone(config), zones.length === 1 ? zones[0] : undefined, group);
    }
  });

  describe(`the two-group example (${EXAMPLE})`, () => {
    it("plans one Auto Scaling group per group, and an ENI Lambda only for the group with networks", async () => {
      const run = await runStack(EXAMPLE);
      const groups = resourcesOfType(run, GROUP);
      assert.deepEqual(groups.map((group) => group.inputs.name).sort(), [
        "telco-core-control-plane-multus-nodes",
        "telco-core-user-plane-multus-nodes",
      ]);
      const controlPlane = groups.find((group) => String(group.inputs.name).includes("control-plane"))!;
      assert.deepEqual(controlPlane.inputs.initialLifecycleHooks, []);
      assert.deepEqual(
        resourcesOfType(run, LAMBDA).map((fn) => fn.inputs.name),
        ["telco-core-user-plane-multus-eni"],
      );
      // Pods talk across groups: each group's security group admits the other's nodes.
      const crossRules = resourcesOfType(run, INGRESS).filter((rule) =>
        /^telco-core-nodes-.+-to-.+$/.test(rule.name),
      );
      assert.deepEqual(crossRules.map((rule) => rule.name).sort(), [
        "telco-core-nodes-control-plane-to-user-plane",
        "telco-core-nodes-user-plane-to-control-plane",
      ]);
    });

    it("passes the policy gate", async () => {
      const result = await runGate(readStackFile(EXAMPLE));
      assert.deepEqual(result.mandatory, [], result.report);
    });
  });
});
