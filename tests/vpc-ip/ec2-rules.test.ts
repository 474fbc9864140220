/**
 * What EC2 documents about the calls the multus-vpc-ip plugin makes, and the plugin's answer to
 * each, through the fidelity layer in front of moto. Expectations come from EC2's documentation:
 * - "Error codes for the Amazon EC2 API" (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):
 *   Resource.AlreadyAssigned "The specified private IP address is already assigned to a resource";
 *   InvalidIPAddress.InUse "The specified IP address is already in use"; PrivateIpAddressLimitExceeded
 *   "You've reached the limit on the number of private IP addresses that you can assign to the
 *   specified network interface for that type of instance".
 * - "IP addresses per network interface per instance type" (EC2 User Guide, using-eni.html#AvailableIpPerENI):
 *   c5.large, 3 network interfaces, 10 IPv4 addresses per interface (the primary included).
 * - "Request throttling for the Amazon EC2 API" (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html):
 *   AssignPrivateIpAddresses and UnassignPrivateIpAddresses are uncategorized actions with their own
 *   buckets of 100, refilled 5 a second; DescribeNetworkInterfaces without a filter or pagination
 *   uses the smaller "unfiltered and unpaginated non-mutating" bucket (50, 10 a second), with a
 *   filter the non-mutating one (100, 20 a second).
 */
import { strict as assert } from "node:assert";
import { AssignPrivateIpAddressesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { motoClientConfig } from "../support/moto";
import { bucketSpecFor, EC2_THROTTLE_TABLE, requestBucket } from "../../lambda/bench/token-bucket";
import { addressOf, isCniError, useWorlds } from "./world";

describe("EC2's documented throttling buckets, as the fidelity layer applies them", () => {
  it("Assign and Unassign: 100 burst, 5 a second each; Describe: 50/10 unfiltered, 100/20 filtered", () => {
    for (const action of ["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"]) {
      assert.deepEqual(
        bucketSpecFor(EC2_THROTTLE_TABLE, action),
        { capacity: 100, refillPerSecond: 5 },
        action,
      );
    }
    const byId = new URLSearchParams({ "NetworkInterfaceId.1": "eni-1" });
    const filtered = new URLSearchParams({
      "Filter.1.Name": "network-interface-id",
      "Filter.1.Value.1": "eni-1",
    });
    const paged = new URLSearchParams({ MaxResults: "5" });
    const unfiltered = requestBucket(EC2_THROTTLE_TABLE, "DescribeNetworkInterfaces", byId);
    assert.deepEqual(unfiltered.spec, { capacity: 50, refillPerSecond: 10 });
    for (const params of [filtered, paged]) {
      const bucket = requestBucket(EC2_THROTTLE_TABLE, "DescribeNetworkInterfaces", params);
      assert.deepEqual(bucket.spec, { capacity: 100, refillPerSecond: 20 });
      assert.notEqual(bucket.key, unfiltered.key, "two buckets, not one of two sizes");
    }
    // Describe actions outside the page's list keep the non-mutating bucket either way.
    assert.deepEqual(requestBucket(EC2_THROTTLE_TABLE, "DescribeSubnets", byId).spec, {
      capacity: 100,
      refillPerSecond: 20,
    });
  });
});

describe("multus-vpc-ip against EC2's documented rules (fidelity layer)", function () {
  this.timeout(180_000);
  const worlds = useWorlds();

  it("every Describe it makes is filtered: none uses the unfiltered bucket", async () => {
    // An unfiltered bucket of one token: a second unfiltered Describe would be throttled.
    const world = await worlds.create({
      nodes: 1,
      rangeStart: 70,
      rangeEnd: 71,
      proxy: {
        throttle: { ...EC2_THROTTLE_TABLE, unfilteredNonMutating: { capacity: 1, refillPerSecond: 0.001 } },
      },
    });
    const [node] = world.nodes;
    const added = await world.invoke(node, "ADD", "pod-a", { netns: "/proc/self/ns/net" });
    await world.invoke(node, "ADD", "pod-b", { netns: "/proc/self/ns/net" });
    await world.invoke(node, "ADD", "pod-c", { netns: "/proc/self/ns/net" }); // full: the subnet hint
    for (let round = 0; round < 3; round++) {
      assert.equal(
        (await world.invoke(node, "CHECK", "pod-a", { prevResult: JSON.parse(added.stdout) as object }))
          .exitCode,
        0,
      );
      assert.equal((await world.reconcile(node)).exitCode, 0);
    }
    const describes = world.proxy.stats.get("DescribeNetworkInterfaces");
    assert.ok((describes?.requests ?? 0) >= 7, `Describe calls: ${describes?.requests}`);
    assert.equal(describes?.throttled, 0);
  });

  it("c5.large: 9 pods of a network per node (10 addresses per ENI, the primary included), then a clear error", async () => {
    const world = await worlds.create({
      nodes: 1,
      rangeStart: 70,
      rangeEnd: 93,
      instanceType: "c5.large",
    });
    const [node] = world.nodes;
    const got: string[] = [];
    for (let pod = 0; pod < 9; pod++) got.push(addressOf(await world.invoke(node, "ADD", `pod-${pod}`)));
    const full = isCniError(await world.invoke(node, "ADD", "pod-9"));
    assert.equal(full?.code, 108);
    assert.match(
      full?.msg ?? "",
      new RegExp(`ENI ${node.eniId} holds as many private IPv4 addresses as c5\\.large allows`),
    );
    const free = Array.from({ length: 24 }, (_, i) => `10.0.4.${70 + i}`).find((ip) => !got.includes(ip));
    const pinned = isCniError(await world.invoke(node, "ADD", "pod-10", { ips: [`${free}/24`] }));
    assert.equal(pinned?.code, 108);
    assert.equal((await world.holders()).size, 9, "the refused ADDs left nothing assigned");
    assert.equal(new Set(got).size, 9);
    // EC2 itself (the layer) refuses a tenth secondary address on that ENI.
    const direct = new EC2Client({ ...motoClientConfig(world.proxy.endpoint), maxAttempts: 1 });
    try {
      await assert.rejects(
        direct.send(
          new AssignPrivateIpAddressesCommand({
            NetworkInterfaceId: node.eniId,
            PrivateIpAddresses: [free as string],
          }),
        ),
        (error: Error) => error.name === "PrivateIpAddressLimitExceeded",
      );
    } finally {
      direct.destroy();
    }
    // A DEL makes room again on that node.
    assert.equal((await world.invoke(node, "DEL", "pod-0")).exitCode, 0);
    assert.match(addressOf(await world.invoke(node, "ADD", "pod-9")), /^10\.0\.4\.(7\d|8\d|9[0-3])$/);
    assert.equal((await world.holders()).size, 9);
  });

  it("a collision answered with InvalidIPAddress.InUse is a taken address too: pinned gets 105, unpinned the next one", async () => {
    const world = await worlds.create({
      nodes: 2,
      rangeStart: 70,
      rangeEnd: 72,
      proxy: { fidelity: { collisionCode: "InvalidIPAddress.InUse" } },
    });
    const [a, b] = world.nodes;
    for (const ip of ["10.0.4.70", "10.0.4.71"]) {
      assert.equal(addressOf(await world.invoke(a, "ADD", `a-${ip}`, { ips: [`${ip}/24`] })), ip);
    }
    const pinned = isCniError(await world.invoke(b, "ADD", "b-pinned", { ips: ["10.0.4.70/24"] }));
    assert.equal(pinned?.code, 105, JSON.stringify(pinned));
    assert.equal(addressOf(await world.invoke(b, "ADD", "b-any")), "10.0.4.72");
    assert.ok(world.proxy.fidelity.addresses.inUseRefusals >= 1);
    const holders = await world.holders();
    assert.deepEqual(holders.get("10.0.4.72"), [b.eniId]);
    assert.deepEqual(holders.get("10.0.4.70"), [a.eniId]);
  });
});
