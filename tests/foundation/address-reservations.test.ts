// Explicit subnet CIDR reservations over the fixed pod ranges and pinned addresses (defect 3): the
// pure block plan against an independent brute-force minimum, the settings, and the resources.
import * as assert from "assert";
import fc from "fast-check";
import { ip2long, long2ip, Netmask } from "netmask";
import { cidrsOverlap } from "../../components/model/cidr";
import { planAddressReservations, rangeBlocks } from "../../components/vpc/address-reservations";
import {
  CreateNetworkInterfaceCommand,
  CreateSubnetCidrReservationCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { startChaosProxy } from "../../lambda/bench/chaos-proxy";
import { autoAssignableCount, pinnedAddresses, readAddressReservations } from "../../stacks/config/addresses";
import { ConfigError, Problems } from "../../stacks/config/problems";
import { parseSettings } from "../../stacks/config/parse";
import { rawConfig } from "../../stacks/offline/engine";
import { readStackFile } from "../../stacks/offline/stack-file";
import { motoClientConfig, useMoto } from "../support/moto";
import { resourcesOfType, runStack } from "../support/offline";

const RESERVATION = "aws:ec2/subnetCidrReservation:SubnetCidrReservation";

/** Every address of the blocks, as numbers (blocks from the code under test, expanded by netmask). */
function addressesOf(blocks: readonly string[]): number[] {
  return blocks.flatMap((block) => {
    const net = new Netmask(block);
    return Array.from({ length: net.size }, (_, i) => net.netLong + i);
  });
}

/**
 * Independent oracle: the fewest aligned blocks covering exactly start..end, by exhaustive dynamic
 * programming over every aligned block that starts at each address and stays inside the range.
 */
function fewestBlocks(start: number, end: number): number {
  const best = new Map<number, number>([[end + 1, 0]]);
  for (let at = end; at >= start; at--) {
    let least = Infinity;
    for (let size = 1; at % size === 0 && at + size - 1 <= end; size *= 2) {
      least = Math.min(least, 1 + (best.get(at + size) as number));
    }
    best.set(at, least);
  }
  return best.get(start) as number;
}

const BASE = ip2long("10.0.0.0");

describe("explicit reservation blocks for an address range", function () {
  it("gives the blocks of anchors.md's example: .70-.80 is .70/31, .72/29, .80/32", function () {
    assert.deepEqual(rangeBlocks("10.0.4.70", "10.0.4.80"), ["10.0.4.70/31", "10.0.4.72/29", "10.0.4.80/32"]);
    assert.deepEqual(rangeBlocks("10.0.6.0", "10.0.6.255"), ["10.0.6.0/24"]);
    assert.deepEqual(rangeBlocks("10.0.4.9", "10.0.4.9"), ["10.0.4.9/32"]);
  });

  it("covers exactly the range, with aligned blocks, nothing outside, and the fewest blocks", function () {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 1023 }), (offset, length) => {
        const start = BASE + offset;
        const end = start + length;
        const blocks = rangeBlocks(long2ip(start), long2ip(end));
        for (const block of blocks) {
          assert.equal(new Netmask(block).toString(), block, `${block} is aligned (canonical)`);
        }
        const covered = addressesOf(blocks).sort((a, b) => a - b);
        assert.equal(covered.length, length + 1, "no address twice, none missing");
        assert.equal(covered[0], start, "nothing before the range");
        assert.equal(covered[covered.length - 1], end, "nothing after the range");
        assert.ok(
          covered.every((address, i) => address === start + i),
          "contiguous: exactly the range",
        );
        assert.equal(blocks.length, fewestBlocks(start, end), "fewest blocks (brute force)");
      }),
      { numRuns: 300 },
    );
  });
});

describe("explicit reservations in settings and resources", function () {
  it("covers every fixed range and pinned address of both China stacks, in every AZ subnet, clear of prefix reservations", function () {
    for (const stack of ["ningxia", "beijing"]) {
      const settings = parseSettings(rawConfig(readStackFile(stack)), { project: "multus-eks", stack });
      const fixed = settings.networks.filter((network) => network.ipam !== "eni-prefix");
      assert.ok(fixed.length > 0);
      const pins = pinnedAddresses(settings.networks, settings.nodeGroup.availabilityZones, settings.multus);
      assert.ok(pins.length > 0, "the samples pin addresses");
      for (const network of fixed) {
        for (const subnet of network.subnets) {
          const blocks = settings.addressReservations
            .filter((r) => r.network === network.name && r.availabilityZone === subnet.availabilityZone)
            .map((r) => r.cidr);
          const covered = new Set(addressesOf(blocks));
          const wanted = new Set<number>();
          for (let a = ip2long(subnet.rangeStart); a <= ip2long(subnet.rangeEnd); a++) wanted.add(a);
          for (const pin of pins.filter(
            (p) => p.network === network.name && p.availabilityZone === subnet.availabilityZone,
          ))
            wanted.add(ip2long(pin.address));
          assert.deepEqual(
            [...covered].sort(),
            [...wanted].sort(),
            `${stack} ${network.name} ${subnet.cidr}`,
          );
        }
      }
      for (const address of settings.addressReservations) {
        for (const prefix of settings.prefixReservations) {
          assert.ok(!cidrsOverlap(address.cidr, prefix.cidr), `${address.cidr} overlaps ${prefix.cidr}`);
        }
      }
    }
  });

  it("covers a pinned address outside the range too, and none for eni-prefix networks", function () {
    const settings = parseSettings(
      {
        "aws:region": "cn-northwest-1",
        availabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
        networks: [
          { name: "ipvlan-conf-1", rangeStart: 70, rangeEnd: 80 },
          { name: "routed", ipam: "eni-prefix" },
        ],
        nodeMaxSize: 3,
      },
      { project: "multus-eks", stack: "s" },
    );
    assert.deepEqual(
      [...new Set(settings.addressReservations.map((r) => r.network))],
      ["ipvlan-conf-1"],
      "eni-prefix has no fixed range: its prefix reservations cover it",
    );
    const zoneA = (pins: { network: string; availabilityZone: string; address: string }[]) =>
      planAddressReservations(settings.networks, pins)
        .filter((r) => r.availabilityZone === "cn-northwest-1a")
        .map((r) => r.cidr);
    const pin = (address: string) => ({
      network: "ipvlan-conf-1",
      availabilityZone: "cn-northwest-1a",
      address,
    });
    assert.deepEqual(zoneA([pin("10.0.4.90")]), [
      "10.0.4.70/31",
      "10.0.4.72/29",
      "10.0.4.80/32",
      "10.0.4.90/32",
    ]);
    assert.deepEqual(
      zoneA([pin("10.0.4.81")]),
      ["10.0.4.70/31", "10.0.4.72/29", "10.0.4.80/31"],
      "a touching pin joins the range",
    );
  });

  it("reports an explicit reservation that would overlap a prefix reservation of the same subnet", function () {
    const settings = parseSettings(rawConfig(readStackFile("ningxia")), {
      project: "multus-eks",
      stack: "s",
    });
    const problems = new Problems();
    const clashing = [
      { network: "ipvlan-conf-1", availabilityZone: "cn-northwest-1a", cidr: "10.0.4.64/28" },
    ];
    readAddressReservations(problems, settings.networks, ["cn-northwest-1a"], settings.multus, clashing);
    assert.throws(
      () => problems.throwIfAny(),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 2 &&
        error.problems.every(
          (p) =>
            p.setting === "multus-eks:networks" &&
            /overlaps the prefix reservation 10\.0\.4\.64\/28/.test(p.message),
        ),
    );
    const clear = new Problems();
    readAddressReservations(clear, settings.networks, ["cn-northwest-1a"], settings.multus, [
      { ...clashing[0], cidr: "10.0.4.96/28" },
    ]);
    assert.equal(clear.count, 0);
  });

  it("declares them as explicit SubnetCidrReservations in the network's subnet of each AZ (before: none)", async function () {
    const run = await runStack("ningxia");
    const explicit = resourcesOfType(run, RESERVATION).filter(
      (resource) => resource.inputs.reservationType === "explicit",
    );
    assert.deepEqual(
      explicit.map((resource) => resource.inputs.cidrBlock),
      [
        ...["10.0.4", "10.0.5"].flatMap((net) => [`${net}.70/31`, `${net}.72/29`, `${net}.80/32`]),
        ...["10.0.6", "10.0.7"].flatMap((net) => [
          `${net}.10/31`,
          `${net}.12/30`,
          `${net}.16/29`,
          `${net}.24/30`,
          `${net}.28/31`,
          `${net}.30/32`,
        ]),
      ],
    );
    for (const resource of explicit) assert.ok(resource.inputs.subnetId, "bound to a subnet");
  });
});

describe("room for the nodes' ENI primary addresses beside the reserved ranges", function () {
  this.timeout(120_000);
  const moto = useMoto();
  const ningxia = (networks: unknown[], nodeMaxSize = 1): Record<string, unknown> => ({
    ...rawConfig(readStackFile("ningxia")),
    networks,
    nodeMaxSize,
  });
  const problemsOf = (raw: Record<string, unknown>): string[] => {
    try {
      parseSettings(raw, { project: "multus-eks", stack: "s" });
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.problems.map((problem) => `${problem.setting}: ${problem.message}`);
    }
  };

  // AWS keeps 5 addresses of a subnet, so a /24 has 251 EC2 can assign; .5-.254 reserves 250 of
  // them and leaves 1, while a node (nodeMaxSize 1) plus the refresh's extra node need 2.
  it("refuses a range that leaves fewer addresses than the nodes' ENIs need, naming the numbers and the fix", function () {
    const problems = problemsOf(
      ningxia([
        { name: "ipvlan-conf-1", rangeStart: 5, rangeEnd: 254 },
        { name: "ipvlan-conf-2", rangeStart: 70, rangeEnd: 80 },
      ]),
    );
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /^multus-eks:networks: network "ipvlan-conf-1" in cn-northwest-1a/);
    assert.match(problems[0], /leave 1 of subnet 10\.0\.4\.0\/24/);
    assert.match(problems[0], /need 2/);
    assert.match(problems[0], /narrow rangeStart\/rangeEnd/);
    assert.deepEqual(
      problemsOf(
        ningxia([
          { name: "ipvlan-conf-1", rangeStart: 6, rangeEnd: 254 },
          { name: "ipvlan-conf-2", rangeStart: 70, rangeEnd: 80 },
        ]),
      ),
      [],
      ".6-.254 leaves .4 and .5",
    );
  });

  it("by default keeps the first quarter of the subnet out of the range (before: .4 to the end, no room at all)", function () {
    const settings = parseSettings(
      ningxia([{ name: "ipvlan-conf-1" }, { name: "ipvlan-conf-2", ipam: "vpc-ip" }]),
      {
        project: "multus-eks",
        stack: "s",
      },
    );
    for (const network of settings.networks) {
      assert.deepEqual(
        network.subnets.map((subnet) => `${subnet.rangeStart}-${subnet.rangeEnd}`),
        network.subnets.map((subnet) => {
          const block = new Netmask(subnet.cidr);
          return `${long2ip(block.netLong + block.size / 4)}-${long2ip(block.netLong + block.size - 2)}`;
        }),
        network.name,
      );
    }
  });

  it("EC2 (moto behind the fidelity layer) creates the ENIs the check counts, and refuses one more", async function () {
    // The default range of a /24 plus a pinned address: the planned explicit reservations.
    const settings = parseSettings(ningxia([{ name: "ipvlan-conf-1" }, { name: "ipvlan-conf-2" }], 3), {
      project: "multus-eks",
      stack: "s",
    });
    const network = settings.networks[0];
    const subnet = network.subnets[0];
    const blocks = planAddressReservations(
      [network],
      [{ network: network.name, availabilityZone: subnet.availabilityZone, address: "10.0.4.20" }],
    ).filter((reservation) => reservation.availabilityZone === subnet.availabilityZone);
    const room = autoAssignableCount(
      subnet.cidr,
      blocks.map((reservation) => reservation.cidr),
    );
    const proxy = await startChaosProxy({ upstream: moto.endpoint, throttle: false });
    const ec2 = new EC2Client({ ...motoClientConfig(proxy.endpoint), maxAttempts: 1 });
    try {
      const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
      const created = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpc.Vpc?.VpcId,
          CidrBlock: subnet.cidr,
          AvailabilityZone: subnet.availabilityZone,
        }),
      );
      const subnetId = created.Subnet?.SubnetId as string;
      for (const reservation of blocks) {
        await ec2.send(
          new CreateSubnetCidrReservationCommand({
            SubnetId: subnetId,
            Cidr: reservation.cidr,
            ReservationType: "explicit",
          }),
        );
      }
      for (let eni = 0; eni < room; eni++)
        await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }));
      await assert.rejects(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId })), {
        name: "InsufficientFreeAddressesInSubnet",
      });
      assert.ok(room >= 3 + 1, `room ${room} for 3 nodes and a refresh's extra one`);
    } finally {
      ec2.destroy();
      await proxy.stop();
    }
  });
});
