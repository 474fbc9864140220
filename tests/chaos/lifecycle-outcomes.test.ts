/**
 * How every lifecycle action ends, through the chaos proxy (EC2's rules where moto is lenient, and
 * Auto Scaling's CompleteLifecycleAction, which answers a second completion of a token with
 * `ValidationError: No active Lifecycle Action found with token ...`, as Auto Scaling does):
 * - duplicate deliveries of one launch event at the same time: one completes, the others log
 *   ALREADY_COMPLETED and return (no thrown error, so no Lambda retry and no error metric);
 * - exactly one JSON log line with `outcome` per delivery, with `reason` on ABANDON (the alarms'
 *   metric filter matches `{ $.outcome = "ABANDON" }`);
 * - a call that IAM refuses ends in ABANDON whose reason names the action and the resources.
 */

import { strict as assert } from "node:assert";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY } from "../../components/model/tags";
import { chaosDeps, INVOCATION_TIME_MS } from "../../lambda/bench/chaos-clients";
import { startChaosProxy, type ChaosProxy } from "../../lambda/bench/chaos-proxy";
import { availableClusterEnis, judge, snapshotEnis } from "../../lambda/bench/end-state";
import type { TargetedFault } from "../../lambda/bench/fault-injector";
import { listEnis } from "../../lambda/src/ec2-ops";
import { createHandler, type HandlerOutcome } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import {
  AZ_A,
  buildWorld,
  configFor,
  ec2For,
  launchEvent,
  launchInstance,
  terminateEvent,
  type World,
} from "../lambda/fixture";
import { capturedLogger } from "../support/log-capture";
import { useMoto } from "../support/moto";

describe("lifecycle action outcomes (chaos proxy)", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: World;
  let proxy: ChaosProxy | undefined;

  beforeEach(async () => {
    world = await buildWorld(ec2For(moto.endpoint), 2);
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  async function start(faults: TargetedFault[] = []): Promise<ChaosProxy> {
    proxy = await startChaosProxy({
      upstream: moto.endpoint,
      throttle: false,
      faults,
      // Short, seeded latency so that concurrent deliveries really interleave.
      latency: { roundTripMs: { min: 5, max: 40 }, attachingMs: { min: 50, max: 300 }, seed: 13 },
    });
    return proxy;
  }

  /** One delivery in its own container, its log captured; returns the outcome or the thrown error. */
  async function deliver(
    chaos: ChaosProxy,
    event: Parameters<ReturnType<typeof createHandler>>[0],
    log: ReturnType<typeof capturedLogger>,
  ): Promise<HandlerOutcome | Error> {
    const container = chaosDeps(chaos.endpoint, configFor(world));
    try {
      return await createHandler({ ...container.deps, logger: log.logger })(event, INVOCATION_TIME_MS);
    } catch (error) {
      return error as Error;
    } finally {
      container.destroy();
    }
  }

  const outcomeLines = (log: ReturnType<typeof capturedLogger>): Record<string, unknown>[] =>
    log.lines.filter((line) => "outcome" in line);

  it("10 concurrent deliveries of one launch: one CONTINUE, nine ALREADY_COMPLETED, no error, the right 2 ENIs and nothing left", async () => {
    const direct = ec2For(moto.endpoint);
    const instanceId = await launchInstance(direct, world, AZ_A);
    const chaos = await start();
    const log = capturedLogger();
    const results = await log.capture(() =>
      Promise.all(Array.from({ length: 10 }, () => deliver(chaos, launchEvent(instanceId), log))),
    );

    const thrown = results.filter((result) => result instanceof Error);
    assert.deepEqual(thrown.map(String), [], "no delivery may throw");
    const outcomes = (results as LaunchOutcome[]).map((result) => result.outcome).sort();
    assert.deepEqual(outcomes, [...Array<string>(9).fill("ALREADY_COMPLETED"), "CONTINUE"]);
    // Auto Scaling's side: ten completions sent, exactly one accepted.
    assert.equal(chaos.ledger.requestsFor(instanceId).length, 10);
    assert.deepEqual(
      chaos.ledger.acceptedFor(instanceId).map((completion) => completion.result),
      ["CONTINUE"],
    );

    // EC2's side, read from moto directly: the instance's two ENIs, each at its index, and no other.
    const context = { config: configFor(world), ledger: chaos.ledger, fidelity: chaos.fidelity };
    const snapshot = await snapshotEnis(direct, configFor(world).clusterName, [instanceId]);
    assert.deepEqual(judge(context, snapshot, instanceId, AZ_A), { outcome: "complete", problems: [] });
    const tagged = await listEnis(direct, [
      { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [configFor(world).clusterName] },
      { Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instanceId] },
    ]);
    assert.equal(tagged.length, 2, "exactly the two ENIs, no duplicate");
    assert.deepEqual(await availableClusterEnis(direct, configFor(world).clusterName), []);

    // The log: one outcome line per delivery, and no ABANDON for the alarm to count.
    const lines = outcomeLines(log);
    assert.equal(lines.length, 10);
    assert.deepEqual(lines.map((line) => line.outcome).sort(), outcomes);
    for (const line of lines.filter((candidate) => candidate.outcome === "ALREADY_COMPLETED")) {
      assert.equal(line.attempted, "CONTINUE");
      assert.equal(line.instanceId, instanceId);
    }
    direct.destroy();
  });

  it("ends every lifecycle action with exactly one outcome line: CONTINUE, ABANDON with reason, terminate CONTINUE, ALREADY_COMPLETED", async () => {
    const direct = ec2For(moto.endpoint);
    const good = await launchInstance(direct, world, AZ_A);
    const bad = await launchInstance(direct, world, AZ_A);
    // The 3rd attach (the first of the second launch's) fails for good.
    const chaos = await start([{ action: "AttachNetworkInterface", occurrence: 3, mode: "refused" }]);
    const sequence: [string, Parameters<ReturnType<typeof createHandler>>[0], string, string?][] = [
      ["launch", launchEvent(good), "CONTINUE"],
      ["launch", launchEvent(bad), "ABANDON", "ec2:AttachNetworkInterface"],
      ["launch again", launchEvent(good), "ALREADY_COMPLETED"],
      ["terminate", terminateEvent(good), "CONTINUE"],
    ];
    for (const [what, event, expected, reason] of sequence) {
      const log = capturedLogger();
      const result = await log.capture(() => deliver(chaos, event, log));
      assert.ok(!(result instanceof Error), `${what} threw ${String(result)}`);
      const lines = outcomeLines(log);
      assert.equal(lines.length, 1, `${what}: exactly one outcome line (got ${JSON.stringify(lines)})`);
      assert.equal(lines[0].outcome, expected, what);
      assert.equal(lines[0].level, expected === "ABANDON" ? "ERROR" : "INFO");
      if (expected === "ABANDON") assert.match(String(lines[0].reason), new RegExp(reason as string));
      else assert.equal(lines[0].reason, undefined, `${what}: reason only on ABANDON`);
    }
    direct.destroy();
  });

  for (const [action, resource] of [
    ["DescribeInstances", /instance i-[0-9a-f]+/],
    ["CreateNetworkInterface", /subnet subnet-[0-9a-f]+/],
    ["ModifyNetworkInterfaceAttribute", /network-interface eni-[0-9a-f]+.*attachment eni-attach-/],
  ] as const) {
    it(`names the refused action and its resources when IAM refuses ${action}`, async () => {
      const direct = ec2For(moto.endpoint);
      const instanceId = await launchInstance(direct, world, AZ_A);
      const chaos = await start([{ action, occurrence: 1, mode: "refused" }]);
      const log = capturedLogger();
      const result = (await log.capture(() => deliver(chaos, launchEvent(instanceId), log))) as LaunchOutcome;

      assert.equal(result.outcome, "ABANDON");
      const [line] = outcomeLines(log);
      for (const text of [String(line.reason), result.error ?? ""]) {
        assert.match(text, new RegExp(`ec2:${action} on `));
        assert.match(text, resource);
        assert.match(text, /refused \(UnauthorizedOperation\)/);
      }
      const refused = line.refused as { action: string; resources: string[] }[];
      assert.ok(
        refused.some((entry) => entry.action === `ec2:${action}`),
        JSON.stringify(refused),
      );
      assert.ok(
        refused.every((entry) => entry.resources.length > 0),
        JSON.stringify(refused),
      );
      // Still cleaned up: nothing of this instance left unattached.
      assert.deepEqual(await availableClusterEnis(direct, configFor(world).clusterName), []);
      direct.destroy();
    });
  }
});
