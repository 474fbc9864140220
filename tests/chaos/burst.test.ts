import assert from "node:assert/strict";
import { burstPassed, runBurst } from "../../lambda/bench/burst-bench";
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
  });
});
