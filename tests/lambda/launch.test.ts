/**
 * Launch lifecycle action against a real moto server.
 *
 * moto ignores some request parameters (ClientToken, Ipv4PrefixCount, NetworkCardIndex and the
 * Attachment.DeleteOnTermination modification, which it answers OK but leaves false), and does not
 * implement CompleteLifecycleAction. For those the tests assert on the request the handler SENT,
 * recorded by SDK middleware; everything moto does model is asserted on moto's state.
 */

import { strict as assert } from "node:assert";
import { DescribeNetworkInterfacesCommand, type NetworkInterface } from "@aws-sdk/client-ec2";
import {
  CLUSTER_TAG_KEY,
  DEVICE_INDEX_TAG_KEY,
  INSTANCE_TAG_KEY,
  NETWORK_TAG_KEY,
  NO_MANAGE_TAG_KEY,
} from "../../components/model/tags";
import { callsByKind } from "../../lambda/src/call-budget";
import { createHandler } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import { useMoto } from "../support/moto";
import { failEc2Calls, throttleEc2Calls } from "../support/moto-recorder";
import {
  AZ_A,
  AZ_B,
  CLUSTER,
  buildWorld,
  configFor,
  depsFor,
  ec2For,
  launchEvent,
  launchInstance,
  type World,
} from "./fixture";

function tag(eni: NetworkInterface, key: string): string | undefined {
  return eni.TagSet?.find((candidate) => candidate.Key === key)?.Value;
}

async function enisOf(endpoint: string, instanceId: string): Promise<NetworkInterface[]> {
  const response = await ec2For(endpoint).send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instanceId] }],
    }),
  );
  return response.NetworkInterfaces ?? [];
}

async function allEnis(endpoint: string): Promise<NetworkInterface[]> {
  return (await ec2For(endpoint).send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? [];
}

describe("ENI Lambda launch (moto)", function () {
  const moto = useMoto();
  let world: World;
  let instanceA: string;
  let instanceB: string;

  beforeEach(async () => {
    const ec2 = ec2For(moto.endpoint);
    world = await buildWorld(ec2);
    instanceA = await launchInstance(ec2, world, AZ_A);
    instanceB = await launchInstance(ec2, world, AZ_B);
  });

  it("attaches one tagged ENI per network from the instance's own AZ and completes with CONTINUE", async () => {
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world));
    const outcome = (await createHandler(deps)(launchEvent(instanceB))) as LaunchOutcome;

    assert.equal(outcome.result, "CONTINUE", outcome.error);
    assert.equal(outcome.availabilityZone, AZ_B);
    const enis = await enisOf(moto.endpoint, instanceB);
    assert.equal(enis.length, 2);
    for (const network of world.networks) {
      const eni = enis.find((candidate) => tag(candidate, NETWORK_TAG_KEY) === network.name);
      assert.ok(eni, `no ENI for ${network.name}`);
      assert.equal(eni.SubnetId, network.subnetIdsByAz[AZ_B], "ENI must come from the instance's AZ");
      assert.equal(eni.Attachment?.InstanceId, instanceB);
      assert.equal(eni.Attachment?.DeviceIndex, network.deviceIndex);
      assert.equal(eni.Status, "in-use");
      // Off only where pods use addresses that are not the ENI's (host-local); left on otherwise.
      assert.equal(
        eni.SourceDestCheck,
        network.ipam !== "host-local",
        `source/dest check of ${network.ipam}`,
      );
      assert.deepEqual(
        eni.Groups?.map((group) => group.GroupId),
        [world.securityGroupId],
      );
      assert.equal(tag(eni, NO_MANAGE_TAG_KEY), "true");
      assert.equal(tag(eni, CLUSTER_TAG_KEY), CLUSTER);
      assert.equal(tag(eni, INSTANCE_TAG_KEY), instanceB);
      assert.equal(tag(eni, DEVICE_INDEX_TAG_KEY), String(network.deviceIndex));
      assert.equal(tag(eni, "team"), "telecom");
    }
    assert.deepEqual(new Set(outcome.eniIds), new Set(enis.map((eni) => eni.NetworkInterfaceId)));

    // moto keeps DeleteOnTermination false whatever is asked: assert on the requests sent.
    const deleteOnTermination = ec2Calls
      .inputs("ModifyNetworkInterfaceAttribute")
      .filter((input) => input.Attachment !== undefined)
      .map((input) => input.Attachment as { AttachmentId: string; DeleteOnTermination: boolean });
    assert.deepEqual(
      new Set(deleteOnTermination.map((attachment) => attachment.AttachmentId)),
      new Set(enis.map((eni) => eni.Attachment?.AttachmentId)),
    );
    assert.ok(deleteOnTermination.every((attachment) => attachment.DeleteOnTermination === true));

    // One TagSpecification per create (real EC2 accepts more, moto does not), attach on card 0.
    for (const input of ec2Calls.inputs("CreateNetworkInterface")) {
      assert.equal((input.TagSpecifications as unknown[]).length, 1);
      assert.match(input.ClientToken as string, /^[0-9a-f]{64}$/);
    }
    for (const input of ec2Calls.inputs("AttachNetworkInterface")) assert.equal(input.NetworkCardIndex, 0);

    const completions = autoScalingCalls.inputs("CompleteLifecycleAction");
    assert.equal(completions.length, 1);
    assert.equal(completions[0].LifecycleActionResult, "CONTINUE");
    assert.equal(completions[0].InstanceId, instanceB);
    assert.equal(completions[0].LifecycleActionToken, `token-${instanceB}`);

    // The other instance got nothing.
    assert.equal((await enisOf(moto.endpoint, instanceA)).length, 0);
  });

  it("makes 3 mutating calls per ENI + 1 per launch, a 4th per ENI (source/dest check) in host-local only; non-mutating: DescribeInstances and one attachment check", async () => {
    // Mixed layout: network 1 host-local, network 2 eni-prefix.
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world));
    const outcome = (await createHandler(deps)(launchEvent(instanceA))) as LaunchOutcome;
    assert.equal(outcome.outcome, "CONTINUE", outcome.error);
    assert.deepEqual(
      { ...ec2Calls.byOperation(), ...autoScalingCalls.byOperation() },
      {
        DescribeInstances: 1,
        CreateNetworkInterface: 2,
        AttachNetworkInterface: 2,
        ModifyNetworkInterfaceAttribute: 3,
        DescribeNetworkInterfaces: 1,
        CompleteLifecycleAction: 1,
      },
    );
    // Per ENI create, attach, DeleteOnTermination (as the Amazon VPC CNI's AllocENI); the
    // source/dest check cannot share the Modify call (EC2: one attribute per call).
    assert.deepEqual(callsByKind({ ...ec2Calls.byOperation(), ...autoScalingCalls.byOperation() }), {
      mutating: 3 * 2 + 1 + 1,
      nonMutating: 2,
    });

    // Every network in eni-prefix (or vpc-ip): no source/dest-check call at all.
    for (const ipam of ["eni-prefix", "vpc-ip"] as const) {
      const networks = world.networks.map((network) => ({
        ...network,
        ipam,
        prefixDelegation: ipam === "eni-prefix",
      }));
      const other = await launchInstance(ec2For(moto.endpoint), world, AZ_A);
      const run = depsFor(moto.endpoint, configFor(world, { networks }));
      const result = (await createHandler(run.deps)(launchEvent(other))) as LaunchOutcome;
      assert.equal(result.outcome, "CONTINUE", result.error);
      const modifies = run.ec2Calls.inputs("ModifyNetworkInterfaceAttribute");
      assert.deepEqual(
        modifies.map((input) => Object.keys(input).sort()),
        [
          ["Attachment", "NetworkInterfaceId"],
          ["Attachment", "NetworkInterfaceId"],
        ],
        `${ipam}: DeleteOnTermination only`,
      );
      assert.deepEqual(
        callsByKind({ ...run.ec2Calls.byOperation(), ...run.autoScalingCalls.byOperation() }),
        { mutating: 3 * 2 + 1, nonMutating: 2 },
        `${ipam}: 3 x networks + 1 mutating`,
      );
    }
  });

  it("runs the networks' slots concurrently: every create is sent before the first attach", async () => {
    const fourNetworks = await buildWorld(ec2For(moto.endpoint), 4);
    const instance = await launchInstance(ec2For(moto.endpoint), fourNetworks, AZ_A);
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(fourNetworks));
    const outcome = (await createHandler(deps)(launchEvent(instance))) as LaunchOutcome;
    assert.equal(outcome.outcome, "CONTINUE", outcome.error);
    const order = ec2Calls.calls.map((call) => call.operation);
    assert.deepEqual(order.slice(0, 5), [
      "DescribeInstances",
      ...Array<string>(4).fill("CreateNetworkInterface"),
    ]);
    assert.equal(outcome.eniIds.length, 4);
  });

  it("checks the attachments once every attach is accepted, not a further pause after a late one: EC2 attaches them at once", async () => {
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    // The deployed schedule, and the second network's attach answered 0.6 s late (as under throttling).
    const sent: { operation: string; atMs: number }[] = [];
    let attaches = 0;
    deps.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName).replace(/Command$/, "");
        if (operation === "DescribeNetworkInterfaces") sent.push({ operation, atMs: Date.now() });
        const result = await next(args);
        if (operation === "AttachNetworkInterface") {
          if (++attaches === 2) await new Promise((resolve) => setTimeout(resolve, 600));
          sent.push({ operation, atMs: Date.now() });
        }
        return result;
      },
      { step: "initialize", name: "testAttachTiming", priority: "high" },
    );
    const outcome = (await createHandler({ ...deps, attachChecks: undefined })(
      launchEvent(instanceA),
    )) as LaunchOutcome;
    assert.equal(outcome.outcome, "CONTINUE", outcome.error);
    const lastAttach = Math.max(
      ...sent.filter((s) => s.operation === "AttachNetworkInterface").map((s) => s.atMs),
    );
    const firstCheck = sent.find((s) => s.operation === "DescribeNetworkInterfaces" && s.atMs >= lastAttach);
    assert.ok(firstCheck, "an attachment check after the attaches");
    assert.ok(
      firstCheck.atMs - lastAttach < 150,
      `first check ${firstCheck.atMs - lastAttach} ms after the last attach`,
    );
    assert.equal(ec2Calls.count("DescribeNetworkInterfaces"), 1, "moto attaches at once: one check");
  });

  it("asks for one IPv4 prefix only on the prefix-delegation network (moto ignores Ipv4PrefixCount)", async () => {
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    await createHandler(deps)(launchEvent(instanceA));
    const creates = ec2Calls.inputs("CreateNetworkInterface");
    assert.equal(creates.length, 2);
    const prefixNetwork = world.networks.find((network) => network.prefixDelegation);
    const plainNetwork = world.networks.find((network) => !network.prefixDelegation);
    const bySubnet = (subnetId: string | undefined) => creates.find((input) => input.SubnetId === subnetId);
    assert.equal(bySubnet(prefixNetwork?.subnetIdsByAz[AZ_A])?.Ipv4PrefixCount, 1);
    assert.equal(bySubnet(plainNetwork?.subnetIdsByAz[AZ_A])?.Ipv4PrefixCount, undefined);
  });

  it("creates nothing new when the same event is delivered again", async () => {
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world));
    const handle = createHandler(deps);
    await handle(launchEvent(instanceA));
    const before = (await allEnis(moto.endpoint)).map((eni) => eni.NetworkInterfaceId).sort();
    ec2Calls.clear();

    const again = (await handle(launchEvent(instanceA))) as LaunchOutcome;

    assert.equal(again.result, "CONTINUE", again.error);
    assert.deepEqual((await allEnis(moto.endpoint)).map((eni) => eni.NetworkInterfaceId).sort(), before);
    assert.equal(ec2Calls.count("CreateNetworkInterface"), 0);
    assert.equal(ec2Calls.count("AttachNetworkInterface"), 0);
    assert.deepEqual(
      autoScalingCalls.inputs("CompleteLifecycleAction").map((input) => input.LifecycleActionResult),
      ["CONTINUE", "CONTINUE"],
    );
  });

  it("treats a launch into a warm pool like any launch", async () => {
    const { deps } = depsFor(moto.endpoint, configFor(world));
    const outcome = (await createHandler(deps)(
      launchEvent(instanceA, "warm", { Destination: "WarmPool" }),
    )) as LaunchOutcome;
    assert.equal(outcome.result, "CONTINUE", outcome.error);
    assert.equal((await enisOf(moto.endpoint, instanceA)).length, 2);
  });

  it("leaks no ENI and abandons when attaching one network fails after its ENI was created", async () => {
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world));
    const failingIndex = world.networks[1].deviceIndex;
    failEc2Calls(
      deps.ec2,
      "AttachNetworkInterface",
      (input) => input.DeviceIndex === failingIndex,
      "AttachmentLimitExceeded",
    );

    const outcome = (await createHandler(deps)(launchEvent(instanceA))) as LaunchOutcome;

    assert.equal(outcome.result, "ABANDON");
    assert.match(outcome.error ?? "", /AttachmentLimitExceeded/);
    assert.equal(ec2Calls.count("CreateNetworkInterface"), 2, "both ENIs were created before the failure");
    const left = await enisOf(moto.endpoint, instanceA);
    assert.deepEqual(
      left.filter((eni) => eni.Status === "available"),
      [],
      "no unattached ENI may remain",
    );
    // The network that did attach stays with the instance, which Auto Scaling now terminates:
    // its DeleteOnTermination was requested (moto ignores the value, so check the request).
    const attachedIds = left.map((eni) => eni.NetworkInterfaceId);
    assert.equal(attachedIds.length, 1);
    const requested = ec2Calls
      .inputs("ModifyNetworkInterfaceAttribute")
      .filter((input) => input.NetworkInterfaceId === attachedIds[0] && input.Attachment !== undefined);
    assert.ok(requested.length >= 1, "DeleteOnTermination must be requested for the attached ENI");
    assert.equal(outcome.deletedEniIds.length, 1);
    assert.deepEqual(
      autoScalingCalls.inputs("CompleteLifecycleAction").map((input) => input.LifecycleActionResult),
      ["ABANDON"],
    );
  });

  it("rides out EC2 throttling through the SDK's bounded retries", async () => {
    const { deps, ec2Calls } = depsFor(moto.endpoint, configFor(world));
    const createThrottles = throttleEc2Calls(deps.ec2, "CreateNetworkInterface", 2);
    const attachThrottles = throttleEc2Calls(deps.ec2, "AttachNetworkInterface", 2);
    const outcome = (await createHandler(deps)(launchEvent(instanceA))) as LaunchOutcome;
    assert.equal(outcome.result, "CONTINUE", outcome.error);
    assert.equal(createThrottles.injected, 2);
    assert.equal(attachThrottles.injected, 2);
    // Retries happen below `send`: the handler issued each call once, and no ENI was duplicated.
    assert.equal(ec2Calls.count("CreateNetworkInterface"), 2);
    assert.equal((await enisOf(moto.endpoint, instanceA)).length, 2);
  });

  it("abandons without creating anything when a network has no subnet in the instance's AZ", async () => {
    const networks = world.networks.map((network, i) =>
      i === 0 ? { ...network, subnetIdsByAz: { [AZ_A]: network.subnetIdsByAz[AZ_A] } } : network,
    );
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world, { networks }));
    const outcome = (await createHandler(deps)(launchEvent(instanceB))) as LaunchOutcome;
    assert.equal(outcome.result, "ABANDON");
    assert.match(outcome.error ?? "", new RegExp(`${AZ_B}.*multus-1`));
    assert.equal(ec2Calls.count("CreateNetworkInterface"), 0);
    assert.deepEqual(
      autoScalingCalls.inputs("CompleteLifecycleAction").map((input) => input.LifecycleActionResult),
      ["ABANDON"],
    );
  });
});
