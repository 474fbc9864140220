/**
 * `npm run plan` shows the day-2 settings as the program would send them: the refresh, the taint
 * in the nodes' NodeConfig and the alarms (read back from the recorded resources).
 */
import { strict as assert } from "node:assert";
import { renderDay2 } from "../../stacks/offline/day2-report";
import { renderEniLambdaCalls } from "../../stacks/offline/eni-lambda-report";
import { runStack } from "../support/offline";

describe("plan report, day 2", () => {
  it("shows the Ningxia group's refresh, its nodes' startup taint and the Lambda's three alarms", async () => {
    const report = renderDay2((await runStack("ningxia")).resources);
    assert.match(
      report,
      /eks-multus-cluster-multus-nodes: desired 1, min 1, max 1\n\s+refresh: Rolling, min healthy 100 %, max healthy 200 %/,
    );
    assert.match(report, /nodes register with taints: multus-eks\/not-ready=:NoSchedule/);
    assert.match(report, /metric filter .*\{ \$\.outcome = "ABANDON" \}/);
    assert.equal(report.match(/^ {2}alarm /gm)?.length, 3);
    assert.match(report, /failed async invocations -> arn:aws-cn:sqs:/);
    assert.match(report, /topic eks-multus-cluster-multus-alarms: no subscriber/);
  });

  it("shows no taint when a launch template's NodeConfig has none", async () => {
    const run = await runStack("ningxia");
    const stripped = run.resources.map((resource) => {
      if (resource.type !== "aws:ec2/launchTemplate:LaunchTemplate") return resource;
      const text = Buffer.from(String(resource.inputs.userData), "base64")
        .toString("utf8")
        .replace(/ {6}registerWithTaints:\n( {8}- .*\n( {10}.*\n)*)+/, "");
      return { ...resource, inputs: { ...resource.inputs, userData: Buffer.from(text).toString("base64") } };
    });
    assert.match(renderDay2(stripped), /nodes register with taints: none/);
  });

  describe("ENI Lambdas' calls per launch", () => {
    // The counts are the ones tests/chaos/single-az.test.ts measures through the EC2 proxy, and what
    // EC2 documents: per ENI a create, an attach and DeleteOnTermination (mutating; the Amazon VPC
    // CNI makes the same three per ENI) and, in host-local, the source/dest check, which cannot share
    // the Modify call (one attribute per ModifyNetworkInterfaceAttribute call); per launch
    // CompleteLifecycleAction; non-mutating: the attachment checks, and DescribeInstances in a group
    // of 2+ AZs.
    it("a group in one AZ (the blog's): 3 x 2 + 1 mutating + 2 source/dest checks, the AZ from the configuration", async () => {
      const report = renderEniLambdaCalls((await runStack("ningxia")).resources);
      assert.match(
        report,
        /eks-multus-cluster-multus-eni: 2 network\(s\) \(ipvlan-conf-1 host-local, ipvlan-conf-2 host-local\) in cn-northwest-1a\n {4}mutating: 9 = 3 x 2 \+ 1 \+ 2 source\/dest check\(s\) \(host-local; ModifyNetworkInterfaceAttribute sets one attribute per call\)\n {4}non-mutating: from 1: the attachment checks; the AZ comes from the configuration/,
      );
    });

    it("a host-local group in two AZs: DescribeInstances named as the extra non-mutating call, with the way around it", async () => {
      const report = renderEniLambdaCalls((await runStack("examples/Pulumi.two-groups.yaml")).resources);
      assert.match(
        report,
        /telco-core-user-plane-multus-eni: .* in cn-northwest-1a, cn-northwest-1b\n {4}mutating: 9 = 3 x 2 \+ 1 \+ 2 source\/dest check\(s\).*\n {4}non-mutating: from 2: DescribeInstances for the instance's AZ.*one node group per AZ avoids it/,
      );
    });

    it("an eni-prefix network needs no source/dest check: one mutating call less", async () => {
      const run = await runStack("ningxia", {
        networks: [
          { name: "ipvlan-conf-1", rangeStart: 70, rangeEnd: 80 },
          { name: "routed", ipam: "eni-prefix" },
        ],
        nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
      });
      assert.match(
        renderEniLambdaCalls(run.resources),
        /\(ipvlan-conf-1 host-local, routed eni-prefix\) in cn-northwest-1a, cn-northwest-1b\n {4}mutating: 8 = 3 x 2 \+ 1 \+ 1 source\/dest check\(s\).*\n {4}non-mutating: from 2: DescribeInstances/,
      );
    });
  });
});
