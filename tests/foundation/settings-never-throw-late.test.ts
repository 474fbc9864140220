/**
 * Backs the "checked" reasons of tests/foundation/late-throws.test.ts: random stack settings are
 * either refused by the settings validation, or the whole program runs (every component built,
 * every apply resolved) without an error. A combination that passes the validation and then stops
 * in a component or an apply is exactly what issue 20 forbids, and this finds it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { INSTANCE_NETWORK_LIMITS } from "../../components/nodegroup/max-pods";
import { ConfigError } from "../../stacks/config/problems";
import { inMemoryStack, runStack } from "../support/offline";

const ZONES = ["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"];

const network = fc.record(
  {
    name: fc.constantFrom("n1", "core", "user-plane-n3", "a-network-name-that-is-long-enough"),
    ipam: fc.constantFrom("host-local", "eni-prefix", "vpc-ip"),
    rangeStart: fc.integer({ min: 1, max: 255 }),
    rangeEnd: fc.integer({ min: 1, max: 255 }),
    deviceIndex: fc.integer({ min: 1, max: 5 }),
    routes: fc.constantFrom([], ["10.9.0.0/16"], ["192.168.0.0/24", "172.16.0.0/12"]),
    sbr: fc.boolean(),
  },
  { requiredKeys: ["name"] },
);

const settings = fc.record(
  {
    availabilityZones: fc.subarray(ZONES, { minLength: 2 }),
    nodeAvailabilityZones: fc.subarray(ZONES, { minLength: 1 }),
    nodeInstanceType: fc.constantFrom(...Object.keys(INSTANCE_NETWORK_LIMITS)),
    nodeMaxPods: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 260 })),
    nodeDesiredSize: fc.integer({ min: 0, max: 4 }),
    nodeMaxSize: fc.integer({ min: 1, max: 6 }),
    networks: fc.array(network, { minLength: 1, maxLength: 4 }),
    nodeLabels: fc.subarray([
      "role=user-plane",
      "example.com/tier=core",
      "node.kubernetes.io/pool=a",
      "x=y.z",
    ]),
    tags: fc.constantFrom({}, { team: "core" }, { "cost-center": "5g" }),
    samplesEnabled: fc.boolean(),
  },
  { requiredKeys: ["availabilityZones", "networks"] },
);

describe("random settings are refused up front or run to the end (issue 20)", function () {
  this.timeout(600_000);

  it("no settings that pass the validation stop the program in a component or an apply", async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(settings, async (chosen) => {
        const stack = inMemoryStack({
          "aws:region": "cn-northwest-1",
          partition: "aws-cn",
          deployFrom: "vpc",
          nodeMinSize: 0,
          ...chosen,
        });
        try {
          await runStack(stack);
          accepted += 1;
        } catch (error) {
          if (error instanceof ConfigError) {
            refused += 1;
            return;
          }
          throw error;
        }
      }),
      { seed: 20, numRuns: 40, endOnFailure: true },
    );
    // Both outcomes must occur, or the property says nothing.
    assert.ok(accepted >= 5, `only ${accepted} of 40 random settings were valid: the generator is too wild`);
    assert.ok(refused >= 5, `only ${refused} of 40 random settings were refused`);
  });
});
