/**
 * A node group in one AZ (the blog's stacks): the Lambda knows the AZ from its configuration and
 * does not describe the instance on the happy path. Through the chaos proxy, which enforces EC2's
 * ClientToken and device-index rules that moto lacks.
 */

import { strict as assert } from "node:assert";
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
} from "@aws-sdk/client-ec2";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY } from "../../components/model/tags";
import { chaosDeps, INVOCATION_TIME_MS } from "../../lambda/bench/chaos-clients";
import { startChaosProxy, type ChaosProxy } from "../../lambda/bench/chaos-proxy";
import { availableClusterEnis } from "../../lambda/bench/end-state";
import type { LambdaConfig } from "../../lambda/src/config";
import { callsByKind, happyPathCalls } from "../../lambda/src/call-budget";
import { createHandler } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import {
  AZ_A,
  AZ_B,
  buildWorld,
  configFor,
  ec2For,
  launchEvent,
  launchInstance,
  type World,
} from "../lambda/fixture";
import { useMoto } from "../support/moto";

describe("ENI Lambda, node group in one AZ (chaos proxy)", function () {
  this.timeout(60_000);
  const moto = useMoto();
  let world: World;
  let config: LambdaConfig;
  let proxy: ChaosProxy;

  beforeEach(async () => {
    world = await buildWorld(ec2For(moto.endpoint), 2);
    // Both networks host-local, subnets in AZ a only: the blog's layout.
    config = configFor(world, {
      networks: world.networks.map((network) => ({
        ...network,
        subnetIdsByAz: { [AZ_A]: network.subnetIdsByAz[AZ_A] },
        ipam: "host-local",
        prefixDelegation: false,
      })),
    });
    proxy = await startChaosProxy({ upstream: moto.endpoint, throttle: false });
  });
  afterEach(async () => {
    await proxy.stop();
  });

  async function deliver(event: ReturnType<typeof launchEvent>, lambdaConfig: LambdaConfig = config) {
    const container = chaosDeps(proxy.endpoint, lambdaConfig);
    try {
      const outcome = (await createHandler(container.deps)(event, INVOCATION_TIME_MS)) as LaunchOutcome;
      return { outcome, calls: container.calls.byOperation() };
    } finally {
      container.destroy();
    }
  }

  const instanceEnis = async (instanceId: string) =>
    (
      await ec2For(moto.endpoint).send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [config.clusterName] },
            { Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instanceId] },
          ],
        }),
      )
    ).NetworkInterfaces ?? [];

  // Expected calls, from EC2's documented behaviour rather than from this Lambda: per ENI a create,
  // an attach and DeleteOnTermination (the Amazon VPC CNI's AllocENI makes the same three), and in
  // host-local the source/dest check, which cannot share the DeleteOnTermination call
  // (ModifyNetworkInterfaceAttribute: "You can specify only one attribute at a time"); per launch
  // CompleteLifecycleAction. moto attaches at once, so the first attachment check is the only one.
  it("makes 3 mutating calls per ENI + 1, plus the source/dest check in host-local, and one Describe: no DescribeInstances", async () => {
    const instanceId = await launchInstance(ec2For(moto.endpoint), world, AZ_A);
    const { outcome, calls } = await deliver(launchEvent(instanceId));
    assert.equal(outcome.outcome, "CONTINUE", outcome.error);
    assert.deepEqual(calls, {
      CreateNetworkInterface: 2,
      AttachNetworkInterface: 2,
      ModifyNetworkInterfaceAttribute: 4,
      DescribeNetworkInterfaces: 1,
      CompleteLifecycleAction: 1,
    });
    assert.deepEqual(callsByKind(calls), { mutating: 3 * 2 + 1 + 2, nonMutating: 1 });
    const enis = await instanceEnis(instanceId);
    assert.equal(enis.length, 2);
    assert.ok(
      enis.every((eni) => eni.Attachment?.InstanceId === instanceId && eni.SourceDestCheck === false),
    );
  });

  it("one node group per AZ needs no DescribeInstances in the other AZ too; one group in both AZs describes the instance: one non-mutating call more", async () => {
    // The configurations the program gives a group in AZ b only, and a group in both AZs
    // (components/nodegroup/plan.ts: each network's subnets in the group's AZs).
    const inZones = (zones: string[]): LambdaConfig => ({
      ...config,
      networks: config.networks.map((network, i) => ({
        ...network,
        subnetIdsByAz: Object.fromEntries(zones.map((zone) => [zone, world.networks[i].subnetIdsByAz[zone]])),
      })),
    });
    const groupB = inZones([AZ_B]);
    const bothZones = inZones([AZ_A, AZ_B]);
    const perEniAndLaunch = {
      CreateNetworkInterface: 2,
      AttachNetworkInterface: 2,
      ModifyNetworkInterfaceAttribute: 4,
      DescribeNetworkInterfaces: 1,
      CompleteLifecycleAction: 1,
    };
    const planned = (lambdaConfig: LambdaConfig) => {
      const { mutating, nonMutating } = happyPathCalls(lambdaConfig);
      return { mutating, nonMutating };
    };

    const inB = await launchInstance(ec2For(moto.endpoint), world, AZ_B);
    const alone = await deliver(launchEvent(inB), groupB);
    assert.equal(alone.outcome.outcome, "CONTINUE", alone.outcome.error);
    assert.equal(alone.outcome.availabilityZone, AZ_B);
    assert.deepEqual(alone.calls, perEniAndLaunch);
    assert.deepEqual(callsByKind(alone.calls), { mutating: 3 * 2 + 1 + 2, nonMutating: 1 });
    assert.deepEqual(planned(groupB), callsByKind(alone.calls), "the plan's figures are what was made");

    const alsoInB = await launchInstance(ec2For(moto.endpoint), world, AZ_B);
    const shared = await deliver(launchEvent(alsoInB), bothZones);
    assert.equal(shared.outcome.outcome, "CONTINUE", shared.outcome.error);
    assert.equal(shared.outcome.availabilityZone, AZ_B);
    assert.deepEqual(shared.calls, { ...perEniAndLaunch, DescribeInstances: 1 });
    assert.deepEqual(callsByKind(shared.calls), { mutating: 3 * 2 + 1 + 2, nonMutating: 2 });
    assert.deepEqual(planned(bothZones), callsByKind(shared.calls), "the plan's figures are what was made");

    for (const instanceId of [inB, alsoInB]) {
      const enis = await instanceEnis(instanceId);
      assert.equal(enis.length, 2);
      assert.ok(enis.every((eni) => eni.AvailabilityZone === AZ_B && eni.SourceDestCheck === false));
    }
  });

  it("a redelivery reuses the ENIs (ClientToken); a new action token (warm pool) adopts them and deletes its surplus ENIs", async () => {
    const instanceId = await launchInstance(ec2For(moto.endpoint), world, AZ_A);
    const first = await deliver(launchEvent(instanceId));
    assert.equal(first.outcome.outcome, "CONTINUE", first.outcome.error);
    const ids = first.outcome.eniIds;

    const again = await deliver(launchEvent(instanceId));
    assert.equal(again.outcome.outcome, "ALREADY_COMPLETED", again.outcome.error);
    assert.deepEqual(again.outcome.eniIds, ids);

    const warm = await deliver(launchEvent(instanceId, "leaving-the-warm-pool"));
    assert.equal(warm.outcome.outcome, "CONTINUE", warm.outcome.error);
    assert.deepEqual(warm.outcome.eniIds, ids, "the attached ENIs are adopted");
    assert.deepEqual(
      (await instanceEnis(instanceId)).map((eni) => eni.NetworkInterfaceId).sort(),
      [...ids].sort(),
    );
    assert.deepEqual(await availableClusterEnis(ec2For(moto.endpoint), config.clusterName), []);
  });

  it("a redelivery that cannot confirm an attach (Describe refused) leaves the first delivery's attached ENIs alone", async () => {
    // The first delivery's attachment check is the 1st Describe; from the 2nd on, all are refused:
    // the redelivery's attach answers InUse and cannot be confirmed.
    await proxy.stop();
    proxy = await startChaosProxy({
      upstream: moto.endpoint,
      throttle: false,
      faults: [{ action: "DescribeNetworkInterfaces", occurrence: 2, mode: "refused" }],
    });
    const instanceId = await launchInstance(ec2For(moto.endpoint), world, AZ_A);
    const first = await deliver(launchEvent(instanceId));
    assert.equal(first.outcome.outcome, "CONTINUE", first.outcome.error);
    const again = await deliver(launchEvent(instanceId));
    assert.equal(again.outcome.outcome, "ALREADY_COMPLETED");
    assert.equal(again.outcome.result, "ABANDON");
    assert.deepEqual(again.outcome.deletedEniIds, []);
    const enis = await instanceEnis(instanceId);
    assert.deepEqual(enis.map((eni) => eni.NetworkInterfaceId).sort(), [...first.outcome.eniIds].sort());
    assert.ok(enis.every((eni) => eni.Attachment?.InstanceId === instanceId));
  });

  it("abandons, naming the interface, when a device index holds an ENI the Lambda did not create", async () => {
    const direct = ec2For(moto.endpoint);
    const instanceId = await launchInstance(direct, world, AZ_A);
    const foreign = await direct.send(
      new CreateNetworkInterfaceCommand({ SubnetId: world.networks[0].subnetIdsByAz[AZ_A] }),
    );
    const foreignId = foreign.NetworkInterface?.NetworkInterfaceId as string;
    await direct.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: foreignId,
        InstanceId: instanceId,
        DeviceIndex: 1,
      }),
    );
    const { outcome } = await deliver(launchEvent(instanceId));
    assert.equal(outcome.outcome, "ABANDON");
    assert.match(outcome.error ?? "", new RegExp(`device index 1 of ${instanceId} is taken by ${foreignId}`));
    assert.deepEqual(await availableClusterEnis(direct, config.clusterName), []);
  });
});
