// Subnet CIDR reservations for eni-prefix networks: the pure block plan, its validation, and the
// resources MultusVpc declares from it.
import * as assert from "assert";
import fc from "fast-check";
import {
  addressToNumber,
  blockSize,
  cidrContains,
  cidrsOverlap,
  nthSubBlock,
} from "../../components/model/cidr";
import { delegablePrefixCount, reservationBlocks } from "../../components/vpc/prefix-reservations";
import { parseSettings } from "../../stacks/config/parse";
import { ConfigError } from "../../stacks/config/problems";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";

const RESERVATION = "aws:ec2/subnetCidrReservation:SubnetCidrReservation";
const prefixReservationsOf = (run: OfflineRun) =>
  resourcesOfType(run, RESERVATION).filter((resource) => resource.inputs.reservationType === "prefix");

describe("prefix reservation blocks", function () {
  it("covers exactly the wanted /28 slots with aligned, disjoint blocks clear of the reserved addresses", function () {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 26 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 1000 }),
        (length, index, wantedSeed) => {
          const subnet = nthSubBlock("10.0.0.0/16", length, index % 2 ** (length - 16));
          const room = delegablePrefixCount(subnet);
          const wanted = room === 0 ? 0 : 1 + (wantedSeed % room);
          const blocks = reservationBlocks(subnet, wanted);
          const covered = blocks.reduce((sum, block) => sum + blockSize(block) / 16, 0);
          assert.equal(covered, wanted);
          for (const block of blocks) {
            assert.ok(cidrContains(subnet, block), `${block} outside ${subnet}`);
            const offset = addressToNumber(block.split("/")[0]) - addressToNumber(subnet.split("/")[0]);
            assert.ok(offset >= 16, `${block} includes the first /28 of ${subnet}`);
            assert.ok(
              offset + blockSize(block) <= blockSize(subnet) - 16,
              `${block} includes the last /28 of ${subnet}`,
            );
          }
          blocks.forEach((block, position) =>
            blocks.slice(position + 1).forEach((other) => assert.ok(!cidrsOverlap(block, other))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("uses the fewest blocks for a run of slots", function () {
    assert.deepEqual(reservationBlocks("10.0.6.0/24", 1), ["10.0.6.16/28"]);
    assert.deepEqual(reservationBlocks("10.0.6.0/24", 3), ["10.0.6.16/28", "10.0.6.32/27"]);
    assert.deepEqual(reservationBlocks("10.0.6.0/24", 7), ["10.0.6.16/28", "10.0.6.32/27", "10.0.6.64/26"]);
    assert.equal(delegablePrefixCount("10.0.6.0/24"), 14);
  });
});

describe("prefix reservations in settings and resources", function () {
  const base = {
    "aws:region": "cn-northwest-1",
    availabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
    networks: [{ name: "ipvlan-conf-1" }, { name: "routed", ipam: "eni-prefix" }],
  };

  it("rejects a node group larger than an eni-prefix subnet's /28 room, naming nodeMaxSize", function () {
    assert.throws(
      () => parseSettings({ ...base, nodeMaxSize: 15 }, { project: "p", stack: "s" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some(
          (problem) => problem.setting === "multus-eks:nodeMaxSize" && /room for 14/.test(problem.message),
        ),
    );
  });

  it("reserves one /28 per node of the group in the eni-prefix subnets of the node AZs only", async function () {
    const run = await runStack("ningxia", {
      networks: base.networks,
      nodeMinSize: 1,
      nodeDesiredSize: 2,
      nodeMaxSize: 3,
    });
    // Explicit reservations over host-local ranges are tested in address-reservations.test.ts.
    const reservations = prefixReservationsOf(run);
    assert.deepEqual(
      reservations.map((resource) => resource.inputs.cidrBlock),
      ["10.0.6.16/28", "10.0.6.32/27"],
    );
    for (const reservation of reservations) assert.equal(reservation.inputs.reservationType, "prefix");
  });

  it("declares none for host-local networks, or when switched off", async function () {
    assert.equal(prefixReservationsOf(await runStack("ningxia")).length, 0);
    const off = await runStack("ningxia", { networks: base.networks, prefixReservationEnabled: false });
    assert.equal(prefixReservationsOf(off).length, 0);
  });
});
