/** Terminate lifecycle action and the scheduled sweeper against a real moto server. */

import { strict as assert } from "node:assert";
import {
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY } from "../../components/model/tags";
import { createHandler } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import type { SweepOutcome } from "../../lambda/src/sweeper";
import type { TerminateOutcome } from "../../lambda/src/terminate";
import { useMoto } from "../support/moto";
import {
  AZ_A,
  CLUSTER,
  SWEEP_EVENT,
  buildWorld,
  configFor,
  depsFor,
  ec2For,
  launchEvent,
  launchInstance,
  terminateEvent,
  type World,
} from "./fixture";

async function strayEni(ec2: EC2Client, subnetId: string, tags: Record<string, string>): Promise<string> {
  const tagList = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  const response = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: subnetId,
      ...(tagList.length > 0
        ? { TagSpecifications: [{ ResourceType: "network-interface", Tags: tagList }] }
        : {}),
    }),
  );
  return response.NetworkInterface?.NetworkInterfaceId as string;
}

async function eniIds(ec2: EC2Client): Promise<Set<string>> {
  const response = await ec2.send(new DescribeNetworkInterfacesCommand({}));
  return new Set(
    (response.NetworkInterfaces ?? []).map((eni: NetworkInterface) => eni.NetworkInterfaceId as string),
  );
}

describe("ENI Lambda terminate and sweep (moto)", function () {
  const moto = useMoto();
  let world: World;
  let ec2: EC2Client;
  let subnetId: string;

  beforeEach(async () => {
    ec2 = ec2For(moto.endpoint);
    world = await buildWorld(ec2);
    subnetId = world.networks[0].subnetIdsByAz[AZ_A];
  });

  it("terminate: requests DeleteOnTermination for attached ENIs, deletes unattached ones, CONTINUEs", async () => {
    const instance = await launchInstance(ec2, world, AZ_A);
    const { deps, ec2Calls, autoScalingCalls } = depsFor(moto.endpoint, configFor(world));
    const handle = createHandler(deps);
    const launched = (await handle(launchEvent(instance))) as LaunchOutcome;
    assert.equal(launched.result, "CONTINUE", launched.error);
    const leftover = await strayEni(ec2, subnetId, {
      [CLUSTER_TAG_KEY]: CLUSTER,
      [INSTANCE_TAG_KEY]: instance,
    });
    ec2Calls.clear();

    const outcome = (await handle(terminateEvent(instance))) as TerminateOutcome;

    assert.deepEqual(outcome.errors, []);
    assert.deepEqual(outcome.deletedEniIds, [leftover]);
    assert.ok(!(await eniIds(ec2)).has(leftover));
    // moto leaves DeleteOnTermination false, so the terminate path asks again: check the requests.
    const requested = ec2Calls.inputs("ModifyNetworkInterfaceAttribute").map((input) => ({
      eni: input.NetworkInterfaceId,
      attachment: input.Attachment as { DeleteOnTermination?: boolean },
    }));
    assert.deepEqual(new Set(requested.map((request) => request.eni)), new Set(launched.eniIds));
    assert.ok(requested.every((request) => request.attachment.DeleteOnTermination === true));
    assert.deepEqual(
      autoScalingCalls
        .inputs("CompleteLifecycleAction")
        .map((input) => [input.LifecycleActionResult, input.LifecycleActionToken]),
      [
        ["CONTINUE", `token-${instance}`],
        ["CONTINUE", `term-${instance}`],
      ],
    );
  });

  it("sweep: deletes this cluster's leaked ENIs only, respecting the grace period", async () => {
    const running = await launchInstance(ec2, world, AZ_A);
    const gone = await launchInstance(ec2, world, AZ_A);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    const ours = { [CLUSTER_TAG_KEY]: CLUSTER };
    const ofGoneInstance = await strayEni(ec2, subnetId, { ...ours, [INSTANCE_TAG_KEY]: gone });
    const ofUnknownInstance = await strayEni(ec2, subnetId, {
      ...ours,
      [INSTANCE_TAG_KEY]: "i-0123456789abcdef0",
    });
    const ofRunningInstance = await strayEni(ec2, subnetId, { ...ours, [INSTANCE_TAG_KEY]: running });
    const otherCluster = await strayEni(ec2, subnetId, {
      [CLUSTER_TAG_KEY]: "another-cluster",
      [INSTANCE_TAG_KEY]: gone,
    });
    const untagged = await strayEni(ec2, subnetId, {});
    const noInstanceTag = await strayEni(ec2, subnetId, ours);

    const fresh = depsFor(moto.endpoint, configFor(world));
    const handle = createHandler(fresh.deps);
    const launched = (await handle(launchEvent(running))) as LaunchOutcome;
    assert.equal(launched.result, "CONTINUE", launched.error);

    const first = (await handle(SWEEP_EVENT)) as SweepOutcome;
    assert.deepEqual(new Set(first.deletedEniIds), new Set([ofGoneInstance, ofUnknownInstance]));
    let remaining = await eniIds(ec2);
    for (const survivor of [ofRunningInstance, otherCluster, untagged, noInstanceTag, ...launched.eniIds]) {
      assert.ok(remaining.has(survivor), `${survivor} must survive the first sweep`);
    }

    // Twenty minutes later the running instance's stray ENI is past the 15-minute grace.
    const later = depsFor(moto.endpoint, configFor(world), () => new Date(Date.now() + 20 * 60_000));
    const second = (await createHandler(later.deps)(SWEEP_EVENT)) as SweepOutcome;
    assert.deepEqual(second.deletedEniIds, [ofRunningInstance]);
    remaining = await eniIds(ec2);
    for (const survivor of [otherCluster, untagged, noInstanceTag, ...launched.eniIds]) {
      assert.ok(remaining.has(survivor), `${survivor} must survive the second sweep`);
    }
    // Only cluster-filtered Describe calls: the sweep never lists other clusters' ENIs.
    for (const input of later.ec2Calls.inputs("DescribeNetworkInterfaces")) {
      const filters = input.Filters as { Name: string; Values: string[] }[];
      assert.deepEqual(filters.find((filter) => filter.Name === `tag:${CLUSTER_TAG_KEY}`)?.Values, [CLUSTER]);
    }
  });
});
