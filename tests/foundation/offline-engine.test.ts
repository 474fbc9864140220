/** runOffline is called many times in one test process: each run must be complete and isolated. */
import * as assert from "assert";
import { MULTUS_VPC, SUBNET, resourceNamed, resourcesOfType, runStack } from "../support/offline";

describe("offline engine", () => {
  it("runs two stacks one after the other in one process, each with its own settings and resources", async () => {
    const rejections: unknown[] = [];
    const collect = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on("unhandledRejection", collect);
    try {
      const ningxia = await runStack("ningxia");
      const beijing = await runStack("beijing");
      // Let anything still queued from the runs settle before looking.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepStrictEqual(rejections.map(String), []);

      assert.strictEqual(ningxia.outputs.region, "cn-northwest-1");
      assert.strictEqual(beijing.outputs.region, "cn-north-1");
      const zonesOf = (run: typeof ningxia): string[] =>
        [
          ...new Set(resourcesOfType(run, SUBNET).map((subnet) => String(subnet.inputs.availabilityZone))),
        ].sort();
      assert.deepStrictEqual(zonesOf(ningxia), ["cn-northwest-1a", "cn-northwest-1b"]);
      assert.deepStrictEqual(zonesOf(beijing), ["cn-north-1a", "cn-north-1b"]);
      // The second run records only its own resources.
      assert.strictEqual(resourcesOfType(beijing, MULTUS_VPC).length, 1);
      assert.strictEqual(resourceNamed(beijing, MULTUS_VPC, "eks-multus-cluster").parent, undefined);
    } finally {
      process.off("unhandledRejection", collect);
    }
  });

  it("queues runs started together instead of mixing their mocks", async () => {
    const [first, second] = await Promise.all([runStack("ningxia"), runStack("beijing")]);
    assert.strictEqual(first.outputs.region, "cn-northwest-1");
    assert.strictEqual(second.outputs.region, "cn-north-1");
    assert.strictEqual(resourcesOfType(first, MULTUS_VPC).length, 1);
    assert.strictEqual(resourcesOfType(second, MULTUS_VPC).length, 1);
  });
});
