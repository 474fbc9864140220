import assert from "node:assert/strict";
import { runFaultTrials } from "../../lambda/bench/fault-trial";
import { startMoto, type MotoServer } from "../support/moto";

describe("randomized fault trial (short)", function () {
  // Throttle storms make the SDK back off for real seconds; 10 trials run at a time.
  this.timeout(300_000);
  let moto: MotoServer | undefined;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("ends 50 trials (one fault, then a redelivery) either complete or cleanly abandoned", async () => {
    const summary = await runFaultTrials(moto as MotoServer, 50, "chaos-test-1", 10);
    const bad = summary.records.filter((record) => record.outcome === "bad");
    assert.deepEqual(
      bad.map((record) => ({
        fault: record.fault,
        deliveries: record.deliveries,
        problems: record.problems,
      })),
      [],
    );
    assert.equal(summary.records.length, 50);
    const fired = summary.records.filter((record) => record.fired).length;
    assert.ok(fired >= 35, `most faults must hit a request (fired ${fired} of 50)`);
    assert.ok(summary.records.some((record) => record.outcome === "A complete"));
  });
});
