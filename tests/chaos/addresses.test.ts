/**
 * The EC2 address rules moto lacks, enforced by the chaos proxy (lambda/bench/ec2-addresses.ts).
 * Each rule is first shown missing in moto itself (same request, straight to moto or with the
 * fidelity layer off), so these tests fail without the layer.
 */

import assert from "node:assert/strict";
import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCidrReservationCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  RunInstancesCommand,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import fc from "fast-check";
import { startChaosProxy, type ChaosProxy } from "../../lambda/bench/chaos-proxy";
import { autoAssignable, insideAny } from "../../lambda/bench/ec2-addresses";
import { createHandler } from "../../lambda/src/handler";
import {
  AZ_A,
  AZ_B,
  buildWorld,
  configFor,
  depsFor,
  ec2For,
  launchEvent,
  launchInstance,
} from "../lambda/fixture";
import { motoClientConfig, useMoto } from "../support/moto";

const addressesOf = (eni: NetworkInterface | undefined): string[] =>
  (eni?.PrivateIpAddresses ?? []).map((entry) => entry.PrivateIpAddress as string);

describe("EC2 addresses: which addresses EC2 may auto-assign", () => {
  it("leaves out the five addresses AWS keeps, the explicit reservations and held addresses", () => {
    // 10.0.4.0/28: AWS keeps .0-.3 and .15; .8/30 reserved; .5 held.
    assert.deepEqual(autoAssignable("10.0.4.0/28", ["10.0.4.8/30"], new Set(["10.0.4.5"])), [
      "10.0.4.4",
      "10.0.4.6",
      "10.0.4.7",
      "10.0.4.12",
      "10.0.4.13",
      "10.0.4.14",
    ]);
  });

  it("never offers a reserved or held address, and offers every other usable one", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }),
        (start, heldOffsets) => {
          const reservation = `10.0.4.${start - (start % 8)}/29`;
          const held = new Set(heldOffsets.map((offset) => `10.0.4.${offset}`));
          const free = new Set(autoAssignable("10.0.4.0/24", [reservation], held));
          for (let offset = 0; offset < 256; offset++) {
            const address = `10.0.4.${offset}`;
            const reserved = offset - (offset % 8) === start - (start % 8);
            const expected = offset >= 4 && offset <= 254 && !reserved && !held.has(address);
            assert.equal(free.has(address), expected, address);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("EC2 addresses through the chaos proxy", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let proxy: ChaosProxy | undefined;
  const clients: { destroy(): void }[] = [];

  async function via(ec2Fidelity = true): Promise<EC2Client> {
    proxy = await startChaosProxy({ upstream: moto.endpoint, throttle: false, ec2Fidelity });
    const client = new EC2Client({ ...motoClientConfig(proxy.endpoint), maxAttempts: 1 });
    clients.push(client);
    return client;
  }
  function direct(): EC2Client {
    const client = ec2For(moto.endpoint);
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    for (const client of clients.splice(0)) client.destroy();
  });

  it("refuses a CreateNetworkInterface naming an address another ENI holds (InvalidIPAddress.InUse); moto allows it", async () => {
    const world = await buildWorld(direct(), 1);
    const SubnetId = world.networks[0].subnetIdsByAz[AZ_A];
    const create = new CreateNetworkInterfaceCommand({ SubnetId, PrivateIpAddress: "10.0.4.70" });

    const lenient = await via(false);
    await lenient.send(create);
    await lenient.send(create); // moto: a second holder of .70
    await proxy?.stop();

    const strict = await via(true);
    await assert.rejects(strict.send(create), { name: "InvalidIPAddress.InUse" });
    await assert.rejects(
      strict.send(
        new CreateNetworkInterfaceCommand({
          SubnetId,
          PrivateIpAddresses: [
            { PrivateIpAddress: "10.0.4.71", Primary: true },
            { PrivateIpAddress: "10.0.4.70", Primary: false },
          ],
        }),
      ),
      { name: "InvalidIPAddress.InUse" },
      "a taken secondary address is refused too",
    );
    const free = await strict.send(
      new CreateNetworkInterfaceCommand({ SubnetId, PrivateIpAddress: "10.0.4.72" }),
    );
    assert.deepEqual(addressesOf(free.NetworkInterface), ["10.0.4.72"]);
    assert.equal(proxy?.fidelity.addresses.inUseRefusals, 2);
  });

  it("refuses AssignPrivateIpAddresses of an address another ENI holds (Resource.AlreadyAssigned) unless AllowReassignment, which moves it", async () => {
    const world = await buildWorld(direct(), 1);
    const SubnetId = world.networks[0].subnetIdsByAz[AZ_A];
    const ec2 = await via(true);
    const [first, second] = await Promise.all(
      [1, 2].map(
        async () => (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId }))).NetworkInterface,
      ),
    );
    const assign = (eni: NetworkInterface | undefined, allow?: boolean): AssignPrivateIpAddressesCommand =>
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni?.NetworkInterfaceId,
        PrivateIpAddresses: ["10.0.4.75"],
        AllowReassignment: allow,
      });
    await ec2.send(assign(first));
    await assert.rejects(ec2.send(assign(second)), { name: "Resource.AlreadyAssigned" });
    await assert.rejects(ec2.send(assign(second, false)), { name: "Resource.AlreadyAssigned" });
    // A primary address cannot be moved, even with AllowReassignment.
    await assert.rejects(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: second?.NetworkInterfaceId,
          PrivateIpAddresses: [first?.PrivateIpAddress as string],
          AllowReassignment: true,
        }),
      ),
      { name: "Resource.AlreadyAssigned" },
    );

    await ec2.send(assign(second, true));
    const after = await direct().send(
      new DescribeNetworkInterfacesCommand({
        NetworkInterfaceIds: [first?.NetworkInterfaceId as string, second?.NetworkInterfaceId as string],
      }),
    );
    const byId = new Map(
      (after.NetworkInterfaces ?? []).map((eni) => [eni.NetworkInterfaceId, addressesOf(eni)]),
    );
    assert.ok(!byId.get(first?.NetworkInterfaceId)?.includes("10.0.4.75"), "moved away from the first ENI");
    assert.ok(byId.get(second?.NetworkInterfaceId)?.includes("10.0.4.75"), "to the second");
    assert.equal(proxy?.fidelity.addresses.reassigned, 1);

    // Moto alone lets two ENIs hold one address.
    await direct().send(assign(first));
    const both = await direct().send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [SubnetId] }] }),
    );
    const holders = (both.NetworkInterfaces ?? []).filter((eni) => addressesOf(eni).includes("10.0.4.75"));
    assert.equal(holders.length, 2, "moto lacks the rule the proxy adds");
  });

  it("never auto-assigns an address inside an explicit reservation (moto does), nor one held, nor one AWS keeps", async () => {
    const world = await buildWorld(direct(), 1);
    const SubnetId = world.networks[0].subnetIdsByAz[AZ_A];
    const reserved = ["10.0.4.0/25"];
    await direct().send(
      new CreateSubnetCidrReservationCommand({ SubnetId, Cidr: reserved[0], ReservationType: "explicit" }),
    );
    const createMany = async (ec2: EC2Client, count: number, secondaries?: number): Promise<string[]> => {
      const enis = await Promise.all(
        Array.from({ length: count }, () =>
          ec2.send(
            new CreateNetworkInterfaceCommand({ SubnetId, SecondaryPrivateIpAddressCount: secondaries }),
          ),
        ),
      );
      return enis.flatMap((answer) => addressesOf(answer.NetworkInterface));
    };

    const mote = await createMany(direct(), 30);
    assert.ok(
      mote.some((address) => insideAny(address, reserved)),
      "moto alone hands out reserved addresses (half the subnet is reserved, 30 tries)",
    );

    const ec2 = await via(true);
    const given = [...(await createMany(ec2, 30)), ...(await createMany(ec2, 5, 2))];
    assert.equal(given.length, 45);
    assert.deepEqual(
      given.filter((address) => insideAny(address, reserved)),
      [],
    );
    assert.deepEqual(
      given.filter((address) => address === "10.0.4.255"),
      [],
      "AWS keeps the last address",
    );
    const everyone = await direct().send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [SubnetId] }] }),
    );
    const theirs = new Set(
      (everyone.NetworkInterfaces ?? []).flatMap(addressesOf).filter((address) => !given.includes(address)),
    );
    assert.equal(new Set(given).size, given.length, "no address handed out twice");
    assert.deepEqual(
      given.filter((address) => theirs.has(address)),
      [],
      "nothing another ENI holds",
    );
    // An explicitly named address inside the reservation is allowed, as in EC2. The ENIs made
    // directly on moto above may hold any reserved address, so name one that nobody holds.
    const held = new Set((everyone.NetworkInterfaces ?? []).flatMap(addressesOf));
    const free = Array.from({ length: 124 }, (_, index) => `10.0.4.${index + 4}`).find(
      (address) => !held.has(address),
    ) as string;
    const named = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId, PrivateIpAddress: free }));
    assert.deepEqual(addressesOf(named.NetworkInterface), [free]);
    // Auto-assigned secondaries added later obey the same rule.
    const added = await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: named.NetworkInterface?.NetworkInterfaceId,
        SecondaryPrivateIpAddressCount: 3,
      }),
    );
    // moto answers with every address of the ENI; the three new ones are those besides .20.
    const secondaries = (added.AssignedPrivateIpAddresses ?? [])
      .map((entry) => entry.PrivateIpAddress as string)
      .filter((address) => address !== free);
    assert.equal(secondaries.length, 3);
    assert.deepEqual(
      secondaries.filter((address) => insideAny(address, reserved)),
      [],
    );
  });

  it("refuses RunInstances naming an address another ENI holds (InvalidIPAddress.InUse; moto fails it internally)", async () => {
    const setup = direct();
    const world = await buildWorld(setup, 1);
    const SubnetId = world.workerSubnetByAz[AZ_A];
    const run = (ec2: EC2Client, PrivateIpAddress?: string) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: world.imageId,
          InstanceType: "c5.large",
          MinCount: 1,
          MaxCount: 1,
          SubnetId,
          PrivateIpAddress,
        }),
      );
    const first = (await run(setup)).Instances?.[0]?.PrivateIpAddress as string;
    const motoAnswer = await run(
      new EC2Client({ ...motoClientConfig(moto.endpoint), maxAttempts: 1 }),
      first,
    ).then(
      () => "accepted",
      (error: { name: string }) => error.name,
    );
    assert.notEqual(motoAnswer, "InvalidIPAddress.InUse", "moto does not answer as EC2");
    const ec2 = await via(true);
    await assert.rejects(run(ec2, first), { name: "InvalidIPAddress.InUse" });
    const free = (await run(ec2, "10.0.2.200")).Instances?.[0]?.PrivateIpAddress;
    assert.equal(free, "10.0.2.200", "a free address is launched with");
  });

  it("launches many instances in the blog's subnets through the Lambda: no Multus ENI gets a reserved address", async () => {
    const setup = direct();
    const world = await buildWorld(setup, 2);
    // The NAD ranges .70-.80 and .10-.30 as aligned explicit blocks, in every Multus subnet.
    const blocks = ["70/31", "72/29", "80/32", "10/31", "12/30", "16/29", "24/30", "28/31", "30/32"];
    const reservedBySubnet = new Map<string, string[]>();
    for (const network of world.networks) {
      for (const subnetId of Object.values(network.subnetIdsByAz)) {
        const third = network.deviceIndex * 2 + 2 + (subnetId === network.subnetIdsByAz[AZ_B] ? 1 : 0);
        const cidrs = blocks.map((block) => `10.0.${third}.${block}`);
        reservedBySubnet.set(subnetId, cidrs);
        for (const Cidr of cidrs) {
          await setup.send(
            new CreateSubnetCidrReservationCommand({ SubnetId: subnetId, Cidr, ReservationType: "explicit" }),
          );
        }
      }
    }
    proxy = await startChaosProxy({ upstream: moto.endpoint, throttle: false });
    const { deps } = depsFor(proxy.endpoint, configFor(world));
    clients.push(deps.ec2, deps.autoScaling);
    const handler = createHandler(deps);
    const instances: string[] = [];
    for (let i = 0; i < 24; i++) instances.push(await launchInstance(setup, world, i % 2 ? AZ_B : AZ_A));
    const outcomes = await Promise.all(instances.map((id) => handler(launchEvent(id))));
    assert.equal(outcomes.length, 24);

    let checked = 0;
    for (const [subnetId, cidrs] of reservedBySubnet) {
      const enis = await setup.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [subnetId] }] }),
      );
      for (const eni of enis.NetworkInterfaces ?? []) {
        for (const address of addressesOf(eni)) {
          checked++;
          assert.ok(!insideAny(address, cidrs), `${eni.NetworkInterfaceId} got reserved ${address}`);
        }
      }
    }
    assert.equal(checked, 48, "24 instances x 2 networks, one address each");
  });
});
