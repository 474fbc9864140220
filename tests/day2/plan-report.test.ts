/**
 * `npm run plan` shows the day-2 settings as the program would send them: the refresh, the taint
 * in the nodes' NodeConfig and the alarms (read back from the recorded resources).
 */
import { strict as assert } from "node:assert";
import { renderDay2 } from "../../stacks/offline/day2-report";
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
});
