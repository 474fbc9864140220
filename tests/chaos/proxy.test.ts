import assert from "node:assert/strict";
import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { startChaosProxy, type ChaosProxy, type ChaosProxyOptions } from "../../lambda/bench/chaos-proxy";
import { FaultInjector } from "../../lambda/bench/fault-injector";
import { LatencyModel, parseRange } from "../../lambda/bench/latency-model";
import { SeededRandom } from "../../lambda/bench/seeded-random";
import {
  TokenBucket,
  drainSeconds,
  EC2_THROTTLE_TABLE,
  bucketSpecFor,
} from "../../lambda/bench/token-bucket";
import { AZ_A, buildWorld, ec2For, launchInstance } from "../lambda/fixture";
import { motoClientConfig, useMoto } from "../support/moto";

describe("chaos proxy: token bucket", () => {
  it("lets the bucket's content through, then one request per refilled token", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => bucket.tryTake()),
      [true, true, true, false],
    );
    now += 499;
    assert.equal(bucket.tryTake(), false, "less than one token refilled after 499 ms at 2/s");
    now += 1;
    assert.equal(bucket.tryTake(), true);
    now += 10_000;
    assert.equal(bucket.available(), 3, "refill stops at the capacity");
  });

  it("uses EC2's published buckets and computes the drain time", () => {
    assert.deepEqual(bucketSpecFor(EC2_THROTTLE_TABLE, "CreateNetworkInterface"), {
      capacity: 100,
      refillPerSecond: 5,
    });
    assert.deepEqual(bucketSpecFor(EC2_THROTTLE_TABLE, "AttachNetworkInterface"), {
      capacity: 50,
      refillPerSecond: 5,
    });
    assert.deepEqual(bucketSpecFor(EC2_THROTTLE_TABLE, "DescribeNetworkInterfaces"), {
      capacity: 100,
      refillPerSecond: 20,
    });
    assert.equal(drainSeconds(400, { capacity: 100, refillPerSecond: 5 }), 60);
    assert.equal(drainSeconds(40, { capacity: 100, refillPerSecond: 5 }), 0);
    assert.throws(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }), /capacity > 0/);
  });
});

describe("chaos proxy: seeded faults", () => {
  const actions = Array.from(
    { length: 300 },
    (_, i) => ["DescribeInstances", "CreateNetworkInterface", "AttachNetworkInterface"][i % 3],
  );
  const decisions = (seed: number): string[] => {
    const injector = new FaultInjector(
      [{ action: "AttachNetworkInterface", occurrence: 4, mode: "throttle-storm", stormLength: 3 }],
      0.2,
      seed,
    );
    return actions.map((action) => JSON.stringify(injector.decide(action)));
  };

  it("makes the same decisions for the same seed and request order", () => {
    const first = decisions(42);
    assert.deepEqual(decisions(42), first);
    assert.notDeepEqual(decisions(43), first);
    const failures = first.filter((decision) => decision.includes("fail-")).length;
    assert.ok(failures > 30 && failures < 100, `about 20% of 300 requests fail at random (got ${failures})`);
  });

  it("throttles exactly the storm's requests of the targeted action", () => {
    const injector = new FaultInjector(
      [{ action: "AttachNetworkInterface", occurrence: 2, mode: "throttle-storm", stormLength: 3 }],
      0,
      1,
    );
    const kinds = [1, 2, 3, 4, 5].map(() => injector.decide("AttachNetworkInterface").kind);
    assert.deepEqual(kinds, ["pass", "throttle", "throttle", "throttle", "pass"]);
    assert.equal(injector.decide("CreateNetworkInterface").kind, "pass");
    assert.equal(injector.fired.length, 1);
  });

  it("gives forked streams that do not depend on the parent's use", () => {
    const a = new SeededRandom(5);
    const b = new SeededRandom(5);
    a.next();
    assert.equal(a.fork(3).next(), b.fork(3).next());
  });
});

describe("chaos proxy: latency model", () => {
  const attachment = (id: string, status: string): string =>
    `<attachment><attachmentId>${id}</attachmentId><deviceIndex>1</deviceIndex><status>${status}</status></attachment>`;

  it("shows an accepted attachment as attaching until its drawn time has passed, and only that one", () => {
    let now = 1_000;
    const model = new LatencyModel(
      { roundTripMs: { min: 0, max: 0 }, attachingMs: { min: 500, max: 500 }, seed: 1 },
      () => now,
    );
    model.noteAttach(
      "<AttachNetworkInterfaceResponse><attachmentId>eni-attach-1</attachmentId></AttachNetworkInterfaceResponse>",
    );
    const body = `<set><item>${attachment("eni-attach-1", "attached")}</item><item>${attachment("eni-attach-0", "attached")}</item></set>`;
    assert.equal(
      model.rewrite(body),
      `<set><item>${attachment("eni-attach-1", "attaching")}</item><item>${attachment("eni-attach-0", "attached")}</item></set>`,
    );
    now += 499;
    assert.match(
      model.rewrite(body),
      /eni-attach-1<\/attachmentId><deviceIndex>1<\/deviceIndex><status>attaching/,
    );
    now += 1;
    assert.equal(model.rewrite(body), body, "attached once the time has passed");
    assert.equal(model.attachmentsShownAttaching, 2);
  });

  it("draws the same attach times for the same seed, within the range", () => {
    const times = (seed: number): number[] => {
      const model = new LatencyModel(
        { roundTripMs: { min: 0, max: 0 }, attachingMs: { min: 800, max: 2_000 }, seed },
        () => 0,
      );
      return [1, 2, 3, 4, 5].map((n) => {
        model.noteAttach(`<attachmentId>a-${n}</attachmentId>`);
        return model.readyAt(`a-${n}`) as number;
      });
    };
    assert.deepEqual(times(3), times(3));
    assert.notDeepEqual(times(3), times(4));
    assert.ok(
      times(3).every((t) => t >= 800 && t <= 2_000),
      JSON.stringify(times(3)),
    );
  });

  it("parses and checks its ranges", () => {
    assert.deepEqual(parseRange("40-120", "rtt-ms"), { min: 40, max: 120 });
    assert.deepEqual(parseRange("80", "rtt-ms"), { min: 80, max: 80 });
    assert.throws(() => parseRange("120-40", "rtt-ms"), /--rtt-ms must be/);
    assert.throws(
      () => new LatencyModel({ roundTripMs: { min: 5, max: 1 }, attachingMs: { min: 0, max: 0 }, seed: 1 }),
      /roundTripMs must satisfy/,
    );
  });
});

describe("chaos proxy in front of moto", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let proxy: ChaosProxy | undefined;
  const clients: { destroy(): void }[] = [];

  async function start(options: Omit<ChaosProxyOptions, "upstream">): Promise<ChaosProxy> {
    proxy = await startChaosProxy({ upstream: moto.endpoint, ...options });
    return proxy;
  }
  function ec2Via(endpoint: string, maxAttempts: number): EC2Client {
    const client = new EC2Client({ ...motoClientConfig(endpoint), maxAttempts, retryMode: "standard" });
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    for (const client of clients.splice(0)) client.destroy();
  });

  it("answers RequestLimitExceeded (HTTP 503) once the bucket is empty, which the SDK retries as throttling, and admits again after the refill", async () => {
    let now = 0;
    const tiny = { capacity: 2, refillPerSecond: 1 };
    const chaos = await start({
      throttle: { byAction: {}, mutating: tiny, nonMutating: tiny },
      nowMs: () => now,
    });
    const once = ec2Via(chaos.endpoint, 1);
    const describe = new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: "status", Values: ["available"] }],
    });
    await once.send(describe);
    await once.send(describe);
    const error = await once.send(describe).then(
      () => assert.fail("the third request in the same instant must be throttled"),
      (thrown: unknown) => thrown as { name: string; $metadata: { httpStatusCode?: number } },
    );
    assert.equal(error.name, "RequestLimitExceeded");
    assert.equal(error.$metadata.httpStatusCode, 503);

    // With retries the SDK keeps trying the throttled call (3 attempts, all throttled: clock stands still).
    const retrying = ec2Via(chaos.endpoint, 3);
    const retried = await retrying.send(describe).then(
      () => assert.fail("still throttled"),
      (thrown: unknown) => thrown as { name: string; $metadata: { attempts?: number } },
    );
    assert.equal(retried.name, "RequestLimitExceeded");
    assert.equal(retried.$metadata.attempts, 3);
    assert.equal(chaos.stats.get("DescribeNetworkInterfaces")?.throttled, 4);

    now += 1_000;
    await once.send(describe);
    assert.equal(chaos.stats.get("DescribeNetworkInterfaces")?.performed, 3);
  });

  it("loses the answer of a create that moto performed, and replays it for the retry with the same ClientToken, as EC2 does", async () => {
    const direct = ec2For(moto.endpoint);
    clients.push(direct);
    const world = await buildWorld(direct, 1);
    const subnetId = world.networks[0].subnetIdsByAz[AZ_A];
    const chaos = await start({
      faults: [{ action: "CreateNetworkInterface", occurrence: 1, mode: "after" }],
    });
    const create = new CreateNetworkInterfaceCommand({ SubnetId: subnetId, ClientToken: "token-1" });

    const lost = await ec2Via(chaos.endpoint, 1)
      .send(create)
      .then(
        () => assert.fail("the answer must be lost"),
        (thrown: unknown) => thrown as { $metadata: { httpStatusCode?: number } },
      );
    assert.equal(lost.$metadata.httpStatusCode, 503);
    const inSubnet = async (): Promise<string[]> =>
      (
        (
          await direct.send(
            new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [subnetId] }] }),
          )
        ).NetworkInterfaces ?? []
      ).map((eni) => eni.NetworkInterfaceId as string);
    const created = await inSubnet();
    assert.equal(created.length, 1, "moto performed the create");

    const replay = await ec2Via(chaos.endpoint, 1).send(create);
    assert.equal(replay.NetworkInterface?.NetworkInterfaceId, created[0]);
    assert.deepEqual(await inSubnet(), created, "no second ENI");
    assert.equal(chaos.fidelity.clientTokenReplays, 1);
  });

  it("refuses an attach at a taken device index like EC2 (moto would overwrite)", async () => {
    const direct = ec2For(moto.endpoint);
    clients.push(direct);
    const world = await buildWorld(direct, 1);
    const instanceId = await launchInstance(direct, world, AZ_A);
    const subnetId = world.networks[0].subnetIdsByAz[AZ_A];
    const chaos = await start({});
    const via = ec2Via(chaos.endpoint, 1);
    const [first, second] = await Promise.all(
      [1, 2].map(
        async () =>
          (await via.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface
            ?.NetworkInterfaceId,
      ),
    );
    const attach = (eniId: string | undefined): AttachNetworkInterfaceCommand =>
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eniId,
        InstanceId: instanceId,
        DeviceIndex: 1,
      });
    await via.send(attach(first));
    await assert.rejects(via.send(attach(second)), { name: "InvalidParameterValue" });
    await assert.rejects(via.send(attach(first)), { name: "InvalidNetworkInterface.InUse" });
  });

  it("answers CompleteLifecycleAction once per token and records every request with its instance", async () => {
    const chaos = await start({});
    const autoScaling = new AutoScalingClient({ ...motoClientConfig(chaos.endpoint), maxAttempts: 1 });
    clients.push(autoScaling);
    const complete = (result: string): CompleteLifecycleActionCommand =>
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: "nodes",
        LifecycleHookName: "multus-eni",
        LifecycleActionToken: "action-1",
        InstanceId: "i-0123456789abcdef0",
        LifecycleActionResult: result,
      });
    await autoScaling.send(complete("CONTINUE"));
    await assert.rejects(autoScaling.send(complete("ABANDON")), { name: "ValidationError" });
    assert.deepEqual(
      chaos.ledger.requestsFor("i-0123456789abcdef0").map((c) => [c.result, c.accepted]),
      [
        ["CONTINUE", true],
        ["ABANDON", false],
      ],
    );
  });
});
