/** Pure rules of the Lambda: event classification, ENI plan, duplicate choice, sweep decision. */

import { strict as assert } from "node:assert";
import type { NetworkInterface } from "@aws-sdk/client-ec2";
import {
  CLUSTER_TAG_KEY,
  DEVICE_INDEX_TAG_KEY,
  INSTANCE_TAG_KEY,
  NO_MANAGE_TAG_KEY,
} from "../../components/model/tags";
import type { LambdaConfig } from "../../lambda/src/config";
import {
  UnrecoverableLaunchError,
  clientTokenFor,
  eniAtIndex,
  isSlotEni,
  planSlots,
} from "../../lambda/src/eni-plan";
import { classifyEvent } from "../../lambda/src/events";
import { sweepDecision } from "../../lambda/src/sweeper";
import { SWEEP_EVENT, launchEvent, terminateEvent } from "./fixture";

const config: LambdaConfig = {
  clusterName: "c1",
  instanceArnPrefix: "arn:aws-cn:ec2:cn-north-1:123456789012:instance/",
  networks: [
    {
      name: "n1",
      deviceIndex: 1,
      subnetIdsByAz: { "cn-north-1a": "subnet-aaaa1111", "cn-north-1b": "subnet-bbbb1111" },
      securityGroupIds: ["sg-11111111"],
      prefixDelegation: false,
      ipam: "host-local",
    },
    {
      name: "n2",
      deviceIndex: 2,
      subnetIdsByAz: { "cn-north-1a": "subnet-aaaa2222" },
      securityGroupIds: ["sg-11111111"],
      prefixDelegation: true,
      ipam: "eni-prefix",
    },
  ],
  tags: { team: "core" },
  sweepGraceMinutes: 15,
};

describe("ENI Lambda planning rules", () => {
  describe("classifyEvent", () => {
    it("recognises launch, terminate and the scheduled sweep", () => {
      assert.equal(classifyEvent(launchEvent("i-1")).kind, "launch");
      assert.equal(classifyEvent(terminateEvent("i-1")).kind, "terminate");
      assert.equal(classifyEvent(SWEEP_EVENT).kind, "sweep");
    });

    it("ignores test notifications and incomplete lifecycle events", () => {
      const test = {
        source: "aws.autoscaling",
        "detail-type": "EC2 Instance-launch Lifecycle Action",
        detail: { LifecycleTransition: "autoscaling:TEST_NOTIFICATION" },
      };
      assert.equal(classifyEvent(test).kind, "ignored");
      const launch = launchEvent("i-1");
      const withoutToken = {
        ...launch,
        detail: { ...(launch.detail as object), LifecycleActionToken: undefined },
      };
      const classified = classifyEvent(withoutToken);
      assert.equal(classified.kind, "ignored");
      assert.match((classified as { reason: string }).reason, /LifecycleActionToken/);
    });

    it("keeps the warm-pool destination", () => {
      const classified = classifyEvent(launchEvent("i-1", "t", { Destination: "WarmPool" }));
      assert.equal(classified.kind === "launch" && classified.action.destination, "WarmPool");
    });
  });

  describe("planSlots", () => {
    it("picks each network's subnet in the instance's AZ and tags with no_manage=true", () => {
      const slots = planSlots(config, "i-1", "cn-north-1a", "tok");
      assert.deepEqual(
        slots.map((slot) => [slot.deviceIndex, slot.subnetId, slot.prefixDelegation]),
        [
          [1, "subnet-aaaa1111", false],
          [2, "subnet-aaaa2222", true],
        ],
      );
      const tags = Object.fromEntries(slots[0].tags.map((tag) => [tag.Key, tag.Value]));
      assert.equal(tags[NO_MANAGE_TAG_KEY], "true");
      assert.equal(tags[CLUSTER_TAG_KEY], "c1");
      assert.equal(tags[INSTANCE_TAG_KEY], "i-1");
      // The instance's ARN as the Service Authorization Reference writes it
      // (arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}): what EC2 compares with
      // ec2:SourceInstanceARN in the vpc-ip node statement.
      assert.equal(tags["multus-eks/instance-arn"], "arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1");
      assert.equal(tags.team, "core");
    });

    it("fails clearly when a network has no subnet in the AZ", () => {
      assert.throws(
        () => planSlots(config, "i-1", "cn-north-1b", "tok"),
        (error: unknown) => {
          assert.ok(error instanceof UnrecoverableLaunchError);
          assert.match(error.message, /cn-north-1b.*n2/);
          assert.doesNotMatch(error.message, /n1,/);
          return true;
        },
      );
    });

    it("derives a stable client token per lifecycle action and device index, within EC2's 64 characters", () => {
      assert.equal(clientTokenFor("tok", 1), clientTokenFor("tok", 1));
      assert.notEqual(clientTokenFor("tok", 1), clientTokenFor("tok", 2));
      assert.notEqual(clientTokenFor("tok", 1), clientTokenFor("tok2", 1));
      assert.ok(clientTokenFor("x".repeat(500), 1).length <= 64);
    });
  });

  describe("eniAtIndex and isSlotEni", () => {
    it("finds the interface at a device index on card 0 only, ignoring one that is leaving", () => {
      const enis = [
        { networkInterfaceId: "eni-primary", deviceIndex: 0 },
        { networkInterfaceId: "eni-old", deviceIndex: 1, attachmentStatus: "detaching" },
        { networkInterfaceId: "eni-tpl", deviceIndex: 1, attachmentStatus: "attached" },
        { networkInterfaceId: "eni-card1", deviceIndex: 2, networkCardIndex: 1 },
      ];
      assert.equal(eniAtIndex(enis, 1)?.networkInterfaceId, "eni-tpl");
      assert.equal(eniAtIndex(enis, 2), undefined);
      assert.equal(eniAtIndex(enis, 3), undefined);
    });

    it("owns an ENI only when cluster, instance and device index tags all match", () => {
      const tagged = (tags: Record<string, string>): NetworkInterface => ({
        NetworkInterfaceId: "eni-1",
        TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      });
      const own = { [CLUSTER_TAG_KEY]: "c", [INSTANCE_TAG_KEY]: "i-1", [DEVICE_INDEX_TAG_KEY]: "1" };
      assert.equal(isSlotEni(tagged(own), "c", "i-1", 1), true);
      assert.equal(isSlotEni(tagged(own), "c", "i-1", 2), false);
      assert.equal(isSlotEni(tagged(own), "other", "i-1", 1), false);
      assert.equal(isSlotEni(tagged({ ...own, [INSTANCE_TAG_KEY]: "i-2" }), "c", "i-1", 1), false);
      assert.equal(isSlotEni(tagged({}), "c", "i-1", 1), false);
    });
  });

  describe("sweepDecision", () => {
    const now = new Date("2026-01-01T12:00:00Z");
    const eni = (tags: Record<string, string>, status = "available"): NetworkInterface => ({
      NetworkInterfaceId: "eni-1",
      Status: status as NetworkInterface["Status"],
      TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
    const ours = { [CLUSTER_TAG_KEY]: "c1", [INSTANCE_TAG_KEY]: "i-1" };
    const launchedAgo = (minutes: number) => ({
      instanceId: "i-1",
      state: "running",
      launchTime: new Date(now.getTime() - minutes * 60_000),
      enis: [],
    });

    it("removes an available ENI whose instance is gone or long launched", () => {
      assert.equal(sweepDecision(eni(ours), "c1", undefined, now, 15).remove, true);
      assert.equal(
        sweepDecision(eni(ours), "c1", { ...launchedAgo(1), state: "terminated" }, now, 15).remove,
        true,
      );
      assert.equal(sweepDecision(eni(ours), "c1", launchedAgo(16), now, 15).remove, true);
    });

    it("keeps it within the grace period, when in use, of another cluster, or without instance tag", () => {
      assert.equal(sweepDecision(eni(ours), "c1", launchedAgo(14), now, 15).remove, false);
      assert.equal(sweepDecision(eni(ours, "in-use"), "c1", undefined, now, 15).remove, false);
      assert.equal(
        sweepDecision(eni({ ...ours, [CLUSTER_TAG_KEY]: "c2" }), "c1", undefined, now, 15).remove,
        false,
      );
      assert.equal(sweepDecision(eni({ [CLUSTER_TAG_KEY]: "c1" }), "c1", undefined, now, 15).remove, false);
      assert.equal(sweepDecision(eni({}), "c1", undefined, now, 15).remove, false);
    });
  });
});
