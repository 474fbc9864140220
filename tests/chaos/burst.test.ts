import assert from "node:assert/strict";
import { burstPassed, minimumCalls, mutatingBoundSeconds, runBurst } from "../../lambda/bench/burst-bench";
import { EC2_THROTTLE_TABLE } from "../../lambda/bench/token-bucket";
import type { LambdaIpamMode } from "../../lambda/src/config";
import { startMoto, type MotoServer } from "../support/moto";

describe("burst of launch events through the throttling proxy", function () {
  this.timeout(180_000);
  let moto: MotoServer | undefined;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("completes 10 simultaneous launches with every ENI at its index and nothing left available", async () => {
    const run = await runBurst({ moto: moto as MotoServer, events: 10 });
    assert.deepEqual(run.problems, []);
    assert.deepEqual(run.verdicts, { complete: 10 });
    assert.deepEqual(run.results, { CONTINUE: 10 });
    assert.equal(run.availableLeft, 0);
    assert.ok(burstPassed(run));
    const creates = run.actions.find((row) => row.action === "CreateNetworkInterface");
    assert.equal(creates?.admitted, 20, "two networks: one create each, no more");
    // moto attaches at once: each launch's first attachment check finds both ENIs attached.
    assert.deepEqual(run.describe, {
      requests: 10,
      throttled: 0,
      admitted: 10,
      allowed: run.describe.allowed,
    });
  });

  it("bounds a burst by its mutating calls only, from EC2's bucket sizes and refill rates", () => {
    // EC2's buckets (the anchors): Create/Delete/Modify 100 + 5/s, Attach 50 + 5/s, Describe 100 + 20/s.
    const networks = (ipams: LambdaIpamMode[]) =>
      ipams.map((ipam) => ({ ipam })) as Parameters<typeof minimumCalls>[1];
    // One host-local and one eni-prefix network: 300 Modify calls (DeleteOnTermination x 2, source/dest
    // check x 1), 100 at once and 200 at 5/s.
    assert.equal(
      mutatingBoundSeconds(minimumCalls(100, networks(["host-local", "eni-prefix"])), EC2_THROTTLE_TABLE),
      40,
    );
    // Both eni-prefix: 200 attaches, 50 at once and 150 at 5/s; the 200 Describe calls do not count.
    assert.equal(
      mutatingBoundSeconds(minimumCalls(100, networks(["eni-prefix", "eni-prefix"])), EC2_THROTTLE_TABLE),
      30,
    );
    assert.equal(mutatingBoundSeconds({ DescribeNetworkInterfaces: 1_000 }, EC2_THROTTLE_TABLE), 0);
  });
});
