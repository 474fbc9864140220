/**
 * The invocation deadline, the order of the two Modify calls, and an attach whose reply was lost,
 * against a real moto server. These come from the chaos benchmarks (lambda/bench): with 10 SDK
 * attempts a throttled call can outlast the function, so every call is bounded by the deadline.
 */

import { strict as assert } from "node:assert";
import {
  AttachNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  EC2ServiceException,
} from "@aws-sdk/client-ec2";
import { INSTANCE_TAG_KEY } from "../../components/model/tags";
import { guardWithDeadline, InvocationDeadline } from "../../lambda/src/deadline";
import { createHandler } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import { CLEANUP_RESERVE_MS, FINAL_MARGIN_MS } from "../../lambda/src/retry-settings";
import { useMoto } from "../support/moto";
import { failEc2Calls } from "../support/moto-recorder";
import {
  AZ_A,
  buildWorld,
  configFor,
  depsFor,
  ec2For,
  launchEvent,
  launchInstance,
  type World,
} from "./fixture";

/** DeleteOnTermination changes are refused, as a broken IAM policy would refuse them. */
function refuseDeleteOnTermination(ec2: Parameters<typeof failEc2Calls>[0]): void {
  failEc2Calls(
    ec2,
    "ModifyNetworkInterfaceAttribute",
    (input) => "Attachment" in input,
    "UnauthorizedOperation",
  );
}

describe("InvocationDeadline", function () {
  it("stops the work phase at the clean-up reserve and the finish phase at the final margin", function () {
    let now = 1_000_000;
    const deadline = new InvocationDeadline(() => now);
    deadline.begin(CLEANUP_RESERVE_MS + 10_000);
    now += 9_999;
    deadline.check();
    now += 2;
    assert.throws(() => deadline.check(), { name: "InvocationDeadlineExceeded" });
    deadline.enterFinish();
    deadline.check();
    now += CLEANUP_RESERVE_MS - FINAL_MARGIN_MS;
    assert.throws(() => deadline.check(), /finish phase/);
    deadline.end();
    deadline.check();
  });
});

describe("ENI Lambda under its deadline (moto)", function () {
  const moto = useMoto();
  let world: World;
  let instance: string;

  beforeEach(async () => {
    const ec2 = ec2For(moto.endpoint);
    world = await buildWorld(ec2);
    instance = await launchInstance(ec2, world, AZ_A);
  });

  it("abandons cleanly when the work phase has no time left, deleting what it created", async () => {
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world));
    let now = Date.now();
    const deadline = new InvocationDeadline(() => now);
    guardWithDeadline(deps.ec2, deadline);
    guardWithDeadline(deps.autoScaling, deadline);
    // The first Attach call moves the clock past the work deadline (but not the finish deadline):
    // the ENIs exist, nothing attaches.
    let jumped = false;
    deps.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "AttachNetworkInterfaceCommand" && !jumped) {
          jumped = true;
          now += 120_000;
        }
        return next(args);
      },
      { step: "initialize", name: "testClockJump", priority: "high" },
    );
    const outcome = (await createHandler({ ...deps, deadline })(
      launchEvent(instance),
      () => CLEANUP_RESERVE_MS + 100_000,
    )) as LaunchOutcome;

    assert.equal(outcome.result, "ABANDON");
    assert.match(outcome.error ?? "", /no time left for the work phase/);
    assert.equal(outcome.createdEniIds.length, 2);
    assert.deepEqual([...outcome.deletedEniIds].sort(), [...outcome.createdEniIds].sort());
    const left = await ec2For(moto.endpoint).send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instance] }],
      }),
    );
    assert.equal(left.NetworkInterfaces?.length ?? 0, 0);
    const completion = autoScalingCalls.calls.find((call) => call.operation === "CompleteLifecycleAction");
    assert.equal(completion?.input.LifecycleActionResult, "ABANDON");
    assert.equal(ec2Calls.calls.filter((call) => call.operation === "AttachNetworkInterface").length, 2);
  });

  it("sets DeleteOnTermination from the attach's own answer when Describe is refused after attaching", async () => {
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    const attachSent = (): boolean =>
      ec2Calls.calls.some((call) => call.operation === "AttachNetworkInterface");
    failEc2Calls(deps.ec2, "DescribeNetworkInterfaces", attachSent, "UnauthorizedOperation");
    const outcome = (await createHandler(deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(outcome.result, "ABANDON");
    const attachments = ec2Calls.calls.filter((call) => call.operation === "AttachNetworkInterface");
    assert.ok(attachments.length >= 1);
    const deleteOnTermination = ec2Calls.calls.filter(
      (call) =>
        call.operation === "ModifyNetworkInterfaceAttribute" &&
        (call.input.Attachment as { DeleteOnTermination?: boolean } | undefined)?.DeleteOnTermination ===
          true,
    );
    const attachedIds = new Set(attachments.map((call) => call.input.NetworkInterfaceId));
    assert.deepEqual(new Set(deleteOnTermination.map((call) => call.input.NetworkInterfaceId)), attachedIds);
    for (const call of deleteOnTermination) {
      assert.match(String((call.input.Attachment as { AttachmentId: string }).AttachmentId), /^eni-attach-/);
    }
  });

  it("detaches and deletes an attached ENI whose DeleteOnTermination is refused, then abandons", async () => {
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    refuseDeleteOnTermination(deps.ec2);
    const outcome = (await createHandler(deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(outcome.result, "ABANDON");
    assert.equal(ec2Calls.calls.filter((call) => call.operation === "DetachNetworkInterface").length, 2);
    assert.deepEqual([...outcome.deletedEniIds].sort(), [...outcome.createdEniIds].sort());
    const left = await ec2For(moto.endpoint).send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instance] }],
      }),
    );
    assert.equal(left.NetworkInterfaces?.length ?? 0, 0);
  });

  it("never detaches ENIs that an earlier delivery attached (its CONTINUE may have been accepted)", async () => {
    const first = depsFor(moto.endpoint, configFor(world));
    const done = (await createHandler(first.deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(done.result, "CONTINUE", done.error);

    // moto forgets DeleteOnTermination, so the redelivery sets it again, and that is refused now.
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    refuseDeleteOnTermination(deps.ec2);
    await createHandler(deps)(launchEvent(instance));
    assert.equal(ec2Calls.calls.filter((call) => call.operation === "DetachNetworkInterface").length, 0);
    const enis = await ec2For(moto.endpoint).send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instance] }],
      }),
    );
    assert.deepEqual(
      (enis.NetworkInterfaces ?? []).map((eni) => eni.Attachment?.InstanceId),
      [instance, instance],
    );
  });

  it("sets DeleteOnTermination first, and turns the source/dest check off in host-local only", async () => {
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    const outcome = (await createHandler(deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(outcome.result, "CONTINUE", outcome.error);
    // eniIds come in the order of the networks.
    outcome.eniIds.forEach((eniId, i) => {
      const modifies = ec2Calls.calls.filter(
        (call) =>
          call.operation === "ModifyNetworkInterfaceAttribute" && call.input.NetworkInterfaceId === eniId,
      );
      assert.deepEqual(
        modifies.map((call) => ("Attachment" in call.input ? "DeleteOnTermination" : "SourceDestCheck")),
        world.networks[i].ipam === "host-local"
          ? ["DeleteOnTermination", "SourceDestCheck"]
          : ["DeleteOnTermination"],
        `${world.networks[i].name} (${world.networks[i].ipam})`,
      );
    });
  });

  it("takes InvalidNetworkInterface.InUse after a lost attach reply as attached", async () => {
    const { deps } = depsFor(moto.endpoint, configFor(world));
    // EC2 performed the attach, the reply was lost, and the SDK's retry finds the ENI in use.
    deps.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "AttachNetworkInterfaceCommand") return next(args);
        await next(args);
        throw new EC2ServiceException({
          name: "InvalidNetworkInterface.InUse",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "Interface is already in use",
        });
      },
      { step: "initialize", name: "testLostAttachReply", priority: "low" },
    );
    const outcome = (await createHandler(deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(outcome.result, "CONTINUE", outcome.error);
    assert.equal(outcome.eniIds.length, 2);
  });

  it("still refuses InvalidNetworkInterface.InUse when the ENI is attached elsewhere", async () => {
    const other = await launchInstance(ec2For(moto.endpoint), world, AZ_A);
    const { deps } = depsFor(moto.endpoint, configFor(world));
    deps.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "AttachNetworkInterfaceCommand") return next(args);
        const input = args.input as { NetworkInterfaceId: string; DeviceIndex: number };
        // Someone else took the ENI first.
        await ec2For(moto.endpoint).send(
          new AttachNetworkInterfaceCommand({ ...input, InstanceId: other, NetworkCardIndex: 0 }),
        );
        throw new EC2ServiceException({
          name: "InvalidNetworkInterface.InUse",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "Interface is already in use",
        });
      },
      { step: "initialize", name: "testStolenEni", priority: "low" },
    );
    const outcome = (await createHandler(deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(outcome.result, "ABANDON");
    assert.match(outcome.error ?? "", /InvalidNetworkInterface\.InUse/);
  });
});
