import * as assert from "assert";
import fc from "fast-check";
import { Netmask, ip2long, long2ip } from "netmask";
import {
  PlannedSubnet,
  SubnetLayoutInput,
  planSubnetLayout,
  subnetLayoutProblems,
} from "../../components/vpc/plan";

const BLOG_ZONES = ["cn-northwest-1a", "cn-northwest-1b"];
const BLOG_NETWORKS = [{ name: "ipvlan-conf-1" }, { name: "ipvlan-conf-2" }];

/** Address range of a CIDR as integers, computed here rather than with the code under test. */
function range(cidr: string): { first: number; last: number } {
  const block = new Netmask(cidr);
  const first = ip2long(block.base);
  return { first, last: first + block.size - 1 };
}

function rangesOverlap(a: string, b: string): boolean {
  const x = range(a);
  const y = range(b);
  return x.first <= y.last && y.first <= x.last;
}

function cidrsOf(subnets: readonly PlannedSubnet[], role: string, network?: string): string[] {
  return subnets
    .filter((subnet) => subnet.role === role && subnet.network === network)
    .map((subnet) => subnet.cidr);
}

describe("CIDR plan", () => {
  it("reproduces the blog's layout with the defaults", () => {
    const layout = planSubnetLayout({
      vpcCidr: "10.0.0.0/16",
      availabilityZones: BLOG_ZONES,
      subnetPrefixLength: 24,
      networks: BLOG_NETWORKS,
    });
    assert.deepStrictEqual(
      layout.subnets.map((subnet) => [
        subnet.role,
        subnet.network ?? "",
        subnet.availabilityZone,
        subnet.cidr,
      ]),
      [
        ["public", "", "cn-northwest-1a", "10.0.0.0/24"],
        ["public", "", "cn-northwest-1b", "10.0.1.0/24"],
        ["private", "", "cn-northwest-1a", "10.0.2.0/24"],
        ["private", "", "cn-northwest-1b", "10.0.3.0/24"],
        ["multus", "ipvlan-conf-1", "cn-northwest-1a", "10.0.4.0/24"],
        ["multus", "ipvlan-conf-1", "cn-northwest-1b", "10.0.5.0/24"],
        ["multus", "ipvlan-conf-2", "cn-northwest-1a", "10.0.6.0/24"],
        ["multus", "ipvlan-conf-2", "cn-northwest-1b", "10.0.7.0/24"],
      ],
    );
    assert.ok(layout.subnets.every((subnet) => subnet.source === "planned"));
    assert.strictEqual(layout.vpcCidr, "10.0.0.0/16");
    assert.deepStrictEqual(subnetLayoutProblems(layout), []);
  });

  it("keeps explicit CIDRs and plans the others around them", () => {
    const layout = planSubnetLayout({
      vpcCidr: "10.0.0.0/16",
      availabilityZones: BLOG_ZONES,
      subnetPrefixLength: 24,
      // Explicit blocks sit where planned ones would otherwise go (10.0.0.0/24 and 10.0.2.0/24).
      publicCidrs: ["10.0.0.0/24", "10.0.2.0/24"],
      networks: [
        { name: "ipvlan-conf-1", cidrs: ["10.0.100.0/24", "10.0.101.0/24"] },
        { name: "ipvlan-conf-2" },
      ],
    });
    const subnets = layout.subnets;
    assert.deepStrictEqual(cidrsOf(subnets, "public"), ["10.0.0.0/24", "10.0.2.0/24"]);
    assert.deepStrictEqual(cidrsOf(subnets, "private"), ["10.0.1.0/24", "10.0.3.0/24"]);
    assert.deepStrictEqual(cidrsOf(subnets, "multus", "ipvlan-conf-1"), ["10.0.100.0/24", "10.0.101.0/24"]);
    assert.deepStrictEqual(cidrsOf(subnets, "multus", "ipvlan-conf-2"), ["10.0.4.0/24", "10.0.5.0/24"]);
    const sources = Object.fromEntries(subnets.map((subnet) => [subnet.cidr, subnet.source]));
    assert.deepStrictEqual(sources, {
      "10.0.0.0/24": "explicit",
      "10.0.2.0/24": "explicit",
      "10.0.1.0/24": "planned",
      "10.0.3.0/24": "planned",
      "10.0.100.0/24": "explicit",
      "10.0.101.0/24": "explicit",
      "10.0.4.0/24": "planned",
      "10.0.5.0/24": "planned",
    });
  });

  it("skips every planned block that a larger explicit CIDR covers", () => {
    const layout = planSubnetLayout({
      vpcCidr: "10.0.0.0/16",
      availabilityZones: BLOG_ZONES,
      subnetPrefixLength: 24,
      privateCidrs: ["10.0.0.0/22", "10.0.4.0/22"],
      networks: [{ name: "n1" }],
    });
    assert.deepStrictEqual(cidrsOf(layout.subnets, "public"), ["10.0.8.0/24", "10.0.9.0/24"]);
    assert.deepStrictEqual(cidrsOf(layout.subnets, "multus", "n1"), ["10.0.10.0/24", "10.0.11.0/24"]);
    assert.deepStrictEqual(subnetLayoutProblems(layout), []);
  });

  it("throws a clear error when the VPC has no room", () => {
    assert.throws(
      () =>
        planSubnetLayout({
          vpcCidr: "10.0.0.0/22",
          availabilityZones: BLOG_ZONES,
          subnetPrefixLength: 24,
          networks: BLOG_NETWORKS,
        }),
      (error: Error) =>
        /VPC 10\.0\.0\.0\/22 has no free \/24 left for 8 subnets/.test(error.message) &&
        /larger vpcCidr/.test(error.message) &&
        /subnetPrefixLength/.test(error.message),
    );
  });

  it("reports explicit CIDRs that overlap or leave the VPC", () => {
    const layout = planSubnetLayout({
      vpcCidr: "10.0.0.0/16",
      availabilityZones: BLOG_ZONES,
      subnetPrefixLength: 24,
      publicCidrs: ["10.0.0.0/24", "192.168.1.0/24"],
      privateCidrs: ["10.0.0.0/25", "10.0.3.0/24"],
      networks: [{ name: "n1" }],
    });
    const problems = subnetLayoutProblems(layout);
    assert.strictEqual(problems.length, 2, problems.join("\n"));
    assert.match(
      problems.join("\n"),
      /public subnet in cn-northwest-1b \(192\.168\.1\.0\/24\) is not inside the VPC/,
    );
    assert.match(
      problems.join("\n"),
      /10\.0\.0\.0\/25\) overlaps public subnet in cn-northwest-1a \(10\.0\.0\.0\/24\)/,
    );
  });

  describe("properties over random valid inputs", () => {
    /** A random layout input whose subnets are guaranteed to fit, with some roles given explicit CIDRs. */
    const validInput = fc
      .record({
        vpcPrefix: fc.integer({ min: 16, max: 22 }),
        vpcAddress: fc.integer({ min: 0, max: 0xffffffff }),
        zoneCount: fc.integer({ min: 2, max: 4 }),
        networkCount: fc.integer({ min: 1, max: 4 }),
        extraPrefix: fc.integer({ min: 0, max: 6 }),
        explicitRoles: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        halfSizeExplicit: fc.boolean(),
        seed: fc.integer(),
      })
      .map((draw) => {
        const vpcCidr = new Netmask(long2ip(draw.vpcAddress), draw.vpcPrefix).toString();
        const zones = ["a", "b", "c", "d"].slice(0, draw.zoneCount).map((letter) => `zone-${letter}`);
        const total = draw.zoneCount * (2 + draw.networkCount);
        const minimumPrefix = draw.vpcPrefix + Math.ceil(Math.log2(total));
        const subnetPrefixLength = Math.min(28, minimumPrefix + draw.extraPrefix);
        const capacity = 2 ** (subnetPrefixLength - draw.vpcPrefix);
        // Explicit CIDRs take distinct blocks of the plan's grid (or the first half of one), chosen
        // pseudo-randomly but reproducibly from `seed`, so planned subnets always still fit.
        const freeBlocks = [...Array(capacity).keys()];
        let state = draw.seed >>> 0;
        const takeBlock = (): string => {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          const [index] = freeBlocks.splice(state % freeBlocks.length, 1);
          const base = long2ip(ip2long(new Netmask(vpcCidr).base) + index * 2 ** (32 - subnetPrefixLength));
          const length =
            draw.halfSizeExplicit && subnetPrefixLength < 28 ? subnetPrefixLength + 1 : subnetPrefixLength;
          return `${base}/${length}`;
        };
        const explicitFor = (role: number): string[] | undefined =>
          draw.explicitRoles[role] ? zones.map(takeBlock) : undefined;
        const input: SubnetLayoutInput = {
          vpcCidr,
          availabilityZones: zones,
          subnetPrefixLength,
          publicCidrs: explicitFor(0),
          privateCidrs: explicitFor(1),
          networks: [...Array(draw.networkCount).keys()].map((index) => {
            const cidrs = explicitFor(2 + index);
            return { name: `net-${index + 1}`, ...(cidrs ? { cidrs } : {}) };
          }),
        };
        return input;
      });

    it("plans AZs × (2 + networks) subnets, inside the VPC, with no overlaps, deterministically", () => {
      fc.assert(
        fc.property(validInput, (input) => {
          const layout = planSubnetLayout(input);
          const zones = input.availabilityZones.length;
          assert.strictEqual(layout.subnets.length, zones * (2 + input.networks.length));
          const vpc = range(input.vpcCidr);
          for (const subnet of layout.subnets) {
            const own = range(subnet.cidr);
            assert.ok(
              own.first >= vpc.first && own.last <= vpc.last,
              `${subnet.cidr} outside ${input.vpcCidr}`,
            );
          }
          layout.subnets.forEach((subnet, index) => {
            for (const other of layout.subnets.slice(index + 1)) {
              assert.ok(!rangesOverlap(subnet.cidr, other.cidr), `${subnet.cidr} overlaps ${other.cidr}`);
            }
          });
          assert.deepStrictEqual(planSubnetLayout(input), layout);
          assert.deepStrictEqual(subnetLayoutProblems(layout), []);
        }),
        { numRuns: 300 },
      );
    });

    it("keeps every explicit CIDR as given, in its AZ, and gives planned ones the configured size", () => {
      fc.assert(
        fc.property(validInput, (input) => {
          const layout = planSubnetLayout(input);
          const expectExplicit = (
            role: string,
            cidrs: readonly string[] | undefined,
            network?: string,
          ): void => {
            const subnets = layout.subnets.filter(
              (subnet) => subnet.role === role && subnet.network === network,
            );
            assert.deepStrictEqual(
              subnets.map((subnet) => subnet.availabilityZone),
              input.availabilityZones,
            );
            if (cidrs) {
              assert.deepStrictEqual(
                subnets.map((subnet) => [subnet.cidr, subnet.source]),
                cidrs.map((cidr) => [cidr, "explicit"]),
              );
            } else {
              for (const subnet of subnets) {
                assert.strictEqual(subnet.source, "planned");
                assert.strictEqual(new Netmask(subnet.cidr).bitmask, input.subnetPrefixLength);
              }
            }
          };
          expectExplicit("public", input.publicCidrs);
          expectExplicit("private", input.privateCidrs);
          for (const network of input.networks) expectExplicit("multus", network.cidrs, network.name);
        }),
        { numRuns: 200 },
      );
    });

    it("throws the no-room error exactly when the VPC cannot hold the planned subnets", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 16, max: 26 }),
          fc.integer({ min: 0, max: 6 }),
          fc.integer({ min: 2, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          (vpcPrefix, extra, zoneCount, networkCount) => {
            const subnetPrefixLength = Math.min(28, vpcPrefix + extra);
            const input: SubnetLayoutInput = {
              vpcCidr: `10.0.0.0/${vpcPrefix}`,
              availabilityZones: ["a", "b", "c", "d"].slice(0, zoneCount),
              subnetPrefixLength,
              networks: [...Array(networkCount).keys()].map((index) => ({ name: `n${index}` })),
            };
            const fits = 2 ** (subnetPrefixLength - vpcPrefix) >= zoneCount * (2 + networkCount);
            if (fits) {
              assert.strictEqual(planSubnetLayout(input).subnets.length, zoneCount * (2 + networkCount));
            } else {
              assert.throws(() => planSubnetLayout(input), /has no free \/\d+ left for \d+ subnets/);
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
