import * as assert from "assert";
import { ConfigError, ConfigProblem, parseSettings } from "../../stacks/config";
import { rawConfig } from "../../stacks/offline/engine";
import { readStackFile } from "../../stacks/offline/stack-file";

const CONTEXT = { project: "multus-eks", stack: "test" };

/** The Ningxia stack as the program reads it (Pulumi.yaml defaults + stack file), plus `changes`. */
function ningxiaWith(changes: Record<string, unknown>): Record<string, unknown> {
  return { ...rawConfig(readStackFile("ningxia")), ...changes };
}

function problemsOf(raw: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    parseSettings(raw, CONTEXT);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("the configuration was accepted");
}

/** Asserts exactly one problem, on `setting`, with a message matching every pattern. */
function expectOneProblem(changes: Record<string, unknown>, setting: string, ...patterns: RegExp[]): void {
  const problems = problemsOf(ningxiaWith(changes));
  assert.deepStrictEqual(
    problems.map((problem) => problem.setting),
    [setting],
    problems.map((problem) => `${problem.setting}: ${problem.message}`).join("\n"),
  );
  for (const pattern of patterns) assert.match(problems[0].message, pattern);
}

describe("config validation", () => {
  it("accepts the Ningxia stack and resolves the blog's ranges", () => {
    const settings = parseSettings(ningxiaWith({}), CONTEXT);
    assert.strictEqual(settings.region.partition, "aws-cn");
    assert.deepStrictEqual(
      settings.networks.map((network) => [
        network.name,
        network.interfaceName,
        network.subnets.map(
          (subnet) => `${subnet.cidr} ${subnet.gateway} ${subnet.rangeStart}-${subnet.rangeEnd}`,
        ),
      ]),
      [
        [
          "ipvlan-conf-1",
          "multus1",
          ["10.0.4.0/24 10.0.4.1 10.0.4.70-10.0.4.80", "10.0.5.0/24 10.0.5.1 10.0.5.70-10.0.5.80"],
        ],
        [
          "ipvlan-conf-2",
          "multus2",
          ["10.0.6.0/24 10.0.6.1 10.0.6.10-10.0.6.30", "10.0.7.0/24 10.0.7.1 10.0.7.10-10.0.7.30"],
        ],
      ],
    );
    assert.deepStrictEqual(settings.telecomIngressCidrs, ["10.0.0.0/16"]);
  });

  it("rejects a VPC CIDR with host bits set", () => {
    expectOneProblem({ vpcCidr: "10.0.0.1/16" }, "multus-eks:vpcCidr", /host bits/, /10\.0\.0\.0\/16/);
  });

  it("rejects a VPC CIDR that is not a CIDR at all", () => {
    expectOneProblem({ vpcCidr: "10.0.0.0" }, "multus-eks:vpcCidr", /not an IPv4 CIDR/);
  });

  it("rejects a /12 VPC (AWS allows /16 to /28)", () => {
    expectOneProblem({ vpcCidr: "10.0.0.0/12" }, "multus-eks:vpcCidr", /\/16 to \/28/);
  });

  it("rejects explicit subnets that overlap, naming the explicit setting", () => {
    expectOneProblem(
      {
        publicSubnetCidrs: ["10.0.0.0/24", "10.0.1.0/24"],
        privateSubnetCidrs: ["10.0.1.0/24", "10.0.3.0/24"],
      },
      "multus-eks:privateSubnetCidrs[0]",
      /overlaps public subnet in cn-northwest-1b \(10\.0\.1\.0\/24\)/,
    );
  });

  it("rejects an explicit subnet outside the VPC", () => {
    expectOneProblem(
      { networks: [{ name: "n1", cidrs: ["10.0.4.0/24", "192.168.5.0/24"] }] },
      "multus-eks:networks[0].cidrs[1]",
      /192\.168\.5\.0\/24\) is not inside the VPC 10\.0\.0\.0\/16/,
    );
  });

  it("rejects a VPC too small for the planned subnets", () => {
    expectOneProblem(
      { vpcCidr: "10.0.0.0/22" },
      "multus-eks:vpcCidr",
      /no free \/24 left for 8 subnets/,
      /larger vpcCidr/,
    );
  });

  it("rejects a single AZ", () => {
    expectOneProblem(
      { availabilityZones: ["cn-northwest-1a"] },
      "multus-eks:availabilityZones",
      /at least two/,
    );
  });

  it("rejects an AZ of another region", () => {
    expectOneProblem(
      { availabilityZones: ["cn-northwest-1a", "cn-north-1b"] },
      "multus-eks:availabilityZones[1]",
      /"cn-north-1b" is not an AZ of cn-northwest-1/,
      /cn-northwest-1c/,
    );
  });

  it("rejects an unknown region", () => {
    expectOneProblem(
      { "aws:region": "cn-south-1" },
      "aws:region",
      /"cn-south-1" is not a supported region/,
      /cn-northwest-1/,
    );
  });

  it("rejects a missing region with the command that sets it", () => {
    expectOneProblem({ "aws:region": undefined }, "aws:region", /pulumi config set aws:region/);
  });

  it("rejects partition aws-cn on a global region", () => {
    expectOneProblem(
      { "aws:region": "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b"] },
      "multus-eks:partition",
      /"aws-cn" but region us-east-1 is in partition "aws"/,
    );
  });

  it("rejects a network name that is not a Kubernetes name", () => {
    expectOneProblem(
      { networks: [{ name: "Ipvlan_1" }] },
      "multus-eks:networks[0].name",
      /not a valid Kubernetes name/,
    );
  });

  it("rejects duplicate network names, naming the later entry and the earlier one", () => {
    expectOneProblem(
      { nodeInstanceType: "c5.xlarge", networks: [{ name: "n1" }, { name: "n2" }, { name: "n1" }] },
      "multus-eks:networks[2].name",
      /used by networks\[0\]/,
    );
  });

  it("names the right entry for a duplicate even when an earlier entry is invalid", () => {
    const problems = problemsOf(
      ningxiaWith({
        nodeInstanceType: "c5.xlarge",
        networks: [{ name: "bad", cni: "bridge" }, { name: "n1" }, { name: "n1" }],
      }),
    );
    assert.deepStrictEqual(
      problems.map((problem) => problem.setting),
      ["multus-eks:networks[0].cni", "multus-eks:networks[2].name"],
    );
    assert.match(problems[1].message, /used by networks\[1\]/);
  });

  it("rejects a duplicate device index", () => {
    const problems = problemsOf(
      ningxiaWith({
        networks: [
          { name: "n1", deviceIndex: 2 },
          { name: "n2", deviceIndex: 2 },
        ],
      }),
    );
    const deviceIndex = problems.find((problem) => problem.setting === "multus-eks:networks[1].deviceIndex");
    assert.ok(deviceIndex, JSON.stringify(problems));
    assert.match(
      deviceIndex.message,
      /2 is used by networks\[0\] too: give every network its own ENI device index/,
    );
  });

  it("rejects device index 0 (the primary ENI)", () => {
    expectOneProblem(
      { networks: [{ name: "n1", deviceIndex: 0 }] },
      "multus-eks:networks[0].deviceIndex",
      /primary ENI/,
    );
  });

  it("rejects an interface name the kernel may use", () => {
    expectOneProblem(
      { networks: [{ name: "n1", interfaceName: "eth1" }] },
      "multus-eks:networks[0].interfaceName",
      /kernel or udev name prefix/,
    );
  });

  it("rejects an interface name longer than IFNAMSIZ allows", () => {
    expectOneProblem(
      { networks: [{ name: "n1", interfaceName: "multus-network-one" }] },
      "multus-eks:networks[0].interfaceName",
      /1 to 15 characters/,
    );
  });

  it("rejects nodeMinSize above nodeDesiredSize", () => {
    expectOneProblem(
      { nodeMinSize: 2, nodeDesiredSize: 1, nodeMaxSize: 3 },
      "multus-eks:nodeDesiredSize",
      /nodeMinSize \(2\) <= nodeDesiredSize \(1\)/,
    );
  });

  it("rejects a range end outside the network's subnet, once", () => {
    expectOneProblem(
      { networks: [{ name: "n1", rangeStart: 10, rangeEnd: "10.0.9.10" }] },
      "multus-eks:networks[0].rangeEnd",
      /10\.0\.9\.10 is outside the network's first subnet 10\.0\.4\.0\/24/,
    );
  });

  it("rejects a range that starts in AWS's reserved first four addresses, in every AZ", () => {
    const problems = problemsOf(ningxiaWith({ networks: [{ name: "n1", rangeStart: 3, rangeEnd: 20 }] }));
    assert.deepStrictEqual(
      problems.map((problem) => problem.setting),
      ["multus-eks:networks[0].rangeStart", "multus-eks:networks[0].rangeStart"],
    );
    assert.match(
      problems[0].message,
      /10\.0\.4\.3-10\.0\.4\.20 in cn-northwest-1a must lie in 10\.0\.4\.4-10\.0\.4\.254/,
    );
    assert.match(problems[1].message, /10\.0\.5\.3-10\.0\.5\.20 in cn-northwest-1b/);
    assert.match(problems[0].message, /AWS reserves the first four addresses and the last/);
  });

  it("rejects a range that ends on the broadcast address .255", () => {
    const problems = problemsOf(
      ningxiaWith({ networks: [{ name: "n1", rangeStart: "10.0.4.200", rangeEnd: "10.0.4.255" }] }),
    );
    assert.ok(
      problems.length > 0 &&
        problems.every((problem) => problem.setting === "multus-eks:networks[0].rangeEnd"),
    );
    assert.match(problems[0].message, /10\.0\.4\.200-10\.0\.4\.255/);
  });

  it("rejects a range whose start is after its end", () => {
    // Other settings may add their own consequences of the bad range; this one must be there.
    const problems = problemsOf(ningxiaWith({ networks: [{ name: "n1", rangeStart: 80, rangeEnd: 70 }] }));
    const rangeEnd = problems.filter((problem) => problem.setting === "multus-eks:networks[0].rangeEnd");
    assert.strictEqual(rangeEnd.length, 2, JSON.stringify(problems));
    assert.match(rangeEnd[0].message, /range 10\.0\.4\.80-10\.0\.4\.70 .*with start <= end/);
  });

  it("rejects a gateway outside the subnet", () => {
    expectOneProblem(
      { networks: [{ name: "n1", gateway: "10.0.9.1" }] },
      "multus-eks:networks[0].gateway",
      /outside the network's first subnet/,
    );
    const problems = problemsOf(ningxiaWith({ networks: [{ name: "n1", gateway: 255 }] }));
    assert.ok(
      problems.length > 0 &&
        problems.every((problem) => problem.setting === "multus-eks:networks[0].gateway"),
    );
    assert.match(problems[0].message, /gateway offset 255 is not a host of 10\.0\.4\.0\/24/);
  });

  it("suggests the setting a misspelt key meant", () => {
    expectOneProblem({ vpcCdir: "10.0.0.0/16" }, "multus-eks:vpcCdir", /did you mean "vpcCidr"\?/);
    expectOneProblem(
      { telecomIngresCidrs: [] },
      "multus-eks:telecomIngresCidrs",
      /did you mean "telecomIngressCidrs"\?/,
    );
  });

  it("rejects an unknown network field", () => {
    expectOneProblem(
      { networks: [{ name: "n1", rangestart: 10 }] },
      "multus-eks:networks[0].rangestart",
      /not a network field/,
    );
  });

  it("refuses to open the telecom ports to 0.0.0.0/0", () => {
    expectOneProblem(
      { telecomIngressCidrs: ["10.1.0.0/16", "0.0.0.0/0"] },
      "multus-eks:telecomIngressCidrs",
      /covers the whole IPv4 internet/,
    );
  });

  it("refuses bastion SSH CIDRs without a key pair", () => {
    expectOneProblem(
      { bastionSshCidrs: ["203.0.113.0/24"] },
      "multus-eks:bastionSshCidrs",
      /bastionKeyName is empty/,
    );
  });

  it("rejects a value of the wrong type", () => {
    expectOneProblem({ nodeDesiredSize: "two" }, "multus-eks:nodeDesiredSize", /whole number/);
    expectOneProblem({ bastionEnabled: "yes" }, "multus-eks:bastionEnabled", /true or false/);
  });

  it("reads values the Pulumi engine passes as strings", () => {
    const settings = parseSettings(
      ningxiaWith({
        availabilityZones: JSON.stringify(["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"]),
        bastionEnabled: "false",
        nodeMaxSize: "3",
        networks: JSON.stringify([{ name: "n1" }]),
      }),
      CONTEXT,
    );
    assert.strictEqual(settings.availabilityZones.length, 3);
    assert.strictEqual(settings.bastion.enabled, false);
    assert.strictEqual(settings.nodeGroup.maxSize, 3);
    assert.deepStrictEqual(
      settings.networks.map((network) => network.subnets.length),
      [3],
    );
  });

  it("reports several problems together, each naming its setting", () => {
    const problems = problemsOf(
      ningxiaWith({
        vpcCidr: "10.0.0.0/12",
        availabilityZones: ["cn-northwest-1a"],
        telecomIngressCidrs: ["0.0.0.0/0"],
        bastionSshCidrs: ["203.0.113.0/24"],
        networks: [{ name: "Bad_Name" }],
        nodeMinSize: 3,
        vpcCdir: "10.0.0.0/16",
      }),
    );
    const named = new Set(problems.map((problem) => problem.setting));
    assert.deepStrictEqual(
      [
        "multus-eks:availabilityZones",
        "multus-eks:bastionSshCidrs",
        "multus-eks:networks[0].name",
        "multus-eks:nodeDesiredSize",
        "multus-eks:telecomIngressCidrs",
        "multus-eks:vpcCdir",
        "multus-eks:vpcCidr",
      ].filter((setting) => !named.has(setting)),
      [],
      problems.map((problem) => `${problem.setting}: ${problem.message}`).join("\n"),
    );
    let message = "";
    try {
      parseSettings(ningxiaWith({ vpcCidr: "10.0.0.0/12", availabilityZones: ["cn-northwest-1a"] }), CONTEXT);
    } catch (error) {
      message = (error as Error).message;
    }
    assert.match(message, /^Invalid stack configuration \(2 problems\):\n/);
    assert.match(message, /\n {2}- multus-eks:availabilityZones: needs at least two AZs/);
    assert.match(message, /\n {2}- multus-eks:vpcCidr: 10\.0\.0\.0\/12 must be/);
  });
});
