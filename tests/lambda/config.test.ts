import { strict as assert } from "node:assert";
import {
  DEFAULT_SWEEP_GRACE_MINUTES,
  LambdaConfigError,
  encodeLambdaConfig,
  parseLambdaConfig,
  type LambdaConfigInput,
} from "../../lambda/src/config";

const valid: LambdaConfigInput = {
  clusterName: "multus",
  instanceArnPrefix: "arn:aws-cn:ec2:cn-northwest-1:123456789012:instance/",
  networks: [
    {
      name: "multus-1",
      deviceIndex: 1,
      subnetIdsByAz: {
        "cn-northwest-1a": "subnet-0123456789abcdef0",
        "cn-northwest-1b": "subnet-0123456789abcdef1",
      },
      securityGroupIds: ["sg-0123456789abcdef0"],
      prefixDelegation: false,
    },
    {
      name: "multus-2",
      deviceIndex: 2,
      subnetIdsByAz: { "cn-northwest-1a": "subnet-0123456789abcdef2" },
      securityGroupIds: ["sg-0123456789abcdef0"],
      prefixDelegation: true,
    },
  ],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary JSON
type Doc = Record<string, any>;

/** `valid` with one change applied to a deep copy. */
function variant(change: (doc: Doc) => void): string {
  const doc = structuredClone(valid) as Doc;
  change(doc);
  return JSON.stringify(doc);
}

function expectError(text: string | undefined, field: RegExp): void {
  assert.throws(
    () => parseLambdaConfig(text),
    (error: unknown) => {
      assert.ok(error instanceof LambdaConfigError, String(error));
      assert.match(error.message, /^MULTUS_ENI_CONFIG: /);
      assert.match(error.message, field);
      return true;
    },
  );
}

describe("ENI Lambda configuration", () => {
  it("round-trips through encode and parse, filling the defaults", () => {
    const parsed = parseLambdaConfig(encodeLambdaConfig(valid));
    assert.deepEqual(parsed, {
      ...valid,
      networks: [
        { ...valid.networks[0], ipam: "host-local" },
        { ...valid.networks[1], ipam: "eni-prefix" },
      ],
      tags: {},
      sweepGraceMinutes: DEFAULT_SWEEP_GRACE_MINUTES,
    });
  });

  it("accepts every IPAM mode of the settings, vpc-ip included, and checks it against prefixDelegation", () => {
    const parsed = parseLambdaConfig(
      variant((doc) => {
        doc.networks[0].ipam = "vpc-ip";
        doc.networks[1].ipam = "eni-prefix";
      }),
    );
    assert.deepEqual(
      parsed.networks.map((network) => network.ipam),
      ["vpc-ip", "eni-prefix"],
    );
    expectError(
      variant((doc) => (doc.networks[0].ipam = "whereabouts")),
      /networks\[0\]\.ipam must be one of host-local, eni-prefix, vpc-ip/,
    );
    expectError(
      variant((doc) => (doc.networks[1].ipam = "vpc-ip")),
      /networks\[1\]\.prefixDelegation must be false for ipam vpc-ip/,
    );
    expectError(
      variant((doc) => (doc.networks[0].ipam = "eni-prefix")),
      /networks\[0\]\.prefixDelegation must be true for ipam eni-prefix/,
    );
  });

  it("keeps extra tags and an explicit grace period", () => {
    const parsed = parseLambdaConfig(
      encodeLambdaConfig({ ...valid, tags: { team: "core" }, sweepGraceMinutes: 30 }),
    );
    assert.deepEqual(parsed.tags, { team: "core" });
    assert.equal(parsed.sweepGraceMinutes, 30);
  });

  it("encode refuses a bad configuration up front", () => {
    assert.throws(() => encodeLambdaConfig({ ...valid, clusterName: "" }), /clusterName/);
  });

  it("names the field of every error", () => {
    expectError(undefined, /is not set/);
    expectError("{not json", /not valid JSON/);
    expectError("[]", /must be a JSON object/);
    expectError(
      variant((doc) => delete doc.clusterName),
      /clusterName must be a non-empty string/,
    );
    expectError(
      variant((doc) => (doc.networks = [])),
      /networks must list at least one/,
    );
    expectError(
      variant((doc) => (doc.networks[1].deviceIndex = 0)),
      /networks\[1\]\.deviceIndex must be an integer >= 1/,
    );
    expectError(
      variant((doc) => (doc.networks[0].deviceIndex = 1.5)),
      /networks\[0\]\.deviceIndex/,
    );
    expectError(
      variant((doc) => (doc.networks[1].deviceIndex = 1)),
      /networks\[1\]\.deviceIndex repeats networks\[0\]/,
    );
    expectError(
      variant((doc) => (doc.networks[1].name = "multus-1")),
      /networks\[1\]\.name repeats/,
    );
    expectError(
      variant((doc) => (doc.networks[0].subnetIdsByAz = {})),
      /networks\[0\]\.subnetIdsByAz must map/,
    );
    expectError(
      variant((doc) => (doc.networks[0].subnetIdsByAz["cn-northwest-1a"] = "sg-0123456789abcdef0")),
      /networks\[0\]\.subnetIdsByAz\.cn-northwest-1a must be a subnet ID/,
    );
    expectError(
      variant((doc) => (doc.networks[0].subnetIdsByAz = { ningxia: "subnet-0123456789abcdef0" })),
      /subnetIdsByAz has key "ningxia"/,
    );
    expectError(
      variant((doc) => (doc.networks[0].securityGroupIds = [])),
      /networks\[0\]\.securityGroupIds must list/,
    );
    expectError(
      variant((doc) => (doc.networks[0].securityGroupIds = ["subnet-1"])),
      /networks\[0\]\.securityGroupIds\[0\]/,
    );
    expectError(
      variant((doc) => (doc.networks[1].prefixDelegation = "yes")),
      /networks\[1\]\.prefixDelegation must be true or false/,
    );
    expectError(
      variant((doc) => (doc.tags = { "multus-eks/cluster": "x" })),
      /tags\.multus-eks\/cluster is a key the Lambda sets/,
    );
    expectError(
      variant((doc) => (doc.tags = { "aws:foo": "x" })),
      /tags\.aws:foo uses the reserved aws: prefix/,
    );
    expectError(
      variant((doc) => (doc.tags = { team: 1 })),
      /tags\.team must be a string/,
    );
    expectError(
      variant((doc) => (doc.sweepGraceMinutes = 2)),
      /sweepGraceMinutes must be a number >= 6/,
    );
  });

  it("tells how to fix it", () => {
    expectError(
      variant((doc) => (doc.networks[0].deviceIndex = 0)),
      /Fix the Multus settings of the node group/,
    );
  });
});
