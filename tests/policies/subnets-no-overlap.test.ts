import { strict as assert } from "assert";
import { SUBNETS_NO_OVERLAP } from "../../policies/rules/subnets-no-overlap";
import { messages, record, violationsOf } from "./support";

const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const ASSOCIATION = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation";

const vpc = record(VPC, "vpc", { cidrBlock: "10.0.0.0/16" });
const otherVpc = record(VPC, "other", { cidrBlock: "10.0.0.0/16" });

/** A subnet whose vpcId is unknown (as in a preview): only propertyDependencies.vpcId links it. */
function subnet(name: string, cidr: string, parent = vpc) {
  return record(
    SUBNET,
    name,
    { cidrBlock: cidr, vpcId: "unknown" },
    { from: { vpcId: [parent] }, unknown: ["vpcId"] },
  );
}

describe("policy subnets-no-overlap", () => {
  describe("passes", () => {
    it("disjoint subnets inside the VPC", async () => {
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [
        vpc,
        subnet("a", "10.0.0.0/24"),
        subnet("b", "10.0.1.0/24"),
      ]);
      assert.deepEqual(messages(found), []);
    });
    it("the same CIDR in two different VPCs", async () => {
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [
        vpc,
        otherVpc,
        subnet("a", "10.0.4.0/24"),
        subnet("b", "10.0.4.0/24", otherVpc),
      ]);
      assert.deepEqual(messages(found), []);
    });
    it("a subnet in a secondary CIDR block association", async () => {
      const association = record(
        ASSOCIATION,
        "secondary",
        { cidrBlock: "100.64.0.0/16", vpcId: "unknown" },
        { from: { vpcId: [vpc] } },
      );
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [
        vpc,
        association,
        subnet("cgnat", "100.64.1.0/24"),
      ]);
      assert.deepEqual(messages(found), []);
    });
  });

  describe("violates", () => {
    it("overlapping subnets of one VPC, naming both and a free block", async () => {
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [
        vpc,
        subnet("a", "10.0.4.0/24"),
        subnet("b", "10.0.4.128/25"),
      ]);
      assert.equal(found.length, 1);
      assert.equal(found[0].enforcementLevel, "mandatory");
      assert.equal(found[0].resourceName, "b");
      assert.match(found[0].message, /Subnet b .*10\.0\.4\.128\/25\) overlaps subnet a \(10\.0\.4\.0\/24\)/);
      assert.match(found[0].message, /A free block of the same size is 10\.0\.0\.0\/25/);
    });
    it("a subnet outside the VPC's CIDR", async () => {
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [vpc, subnet("outside", "10.1.0.0/24")]);
      assert.match(
        messages(found).join(),
        /Subnet outside .*outside every CIDR block of aws:ec2\/vpc:Vpc::vpc \(10\.0\.0\.0\/16\)/,
      );
    });
    it("a subnet outside the secondary blocks too", async () => {
      const association = record(
        ASSOCIATION,
        "secondary",
        { cidrBlock: "100.64.0.0/16" },
        { from: { vpcId: [vpc] } },
      );
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [
        vpc,
        association,
        subnet("stray", "100.65.0.0/24"),
      ]);
      assert.match(messages(found).join(), /outside every CIDR block .*10\.0\.0\.0\/16, 100\.64\.0\.0\/16/);
    });
    it("overlapping subnets of an existing VPC outside the stack (known literal vpcId)", async () => {
      const a = record(SUBNET, "x", { cidrBlock: "172.16.0.0/20", vpcId: "vpc-0123456789abcdef0" });
      const b = record(SUBNET, "y", { cidrBlock: "172.16.8.0/24", vpcId: "vpc-0123456789abcdef0" });
      const found = await violationsOf(SUBNETS_NO_OVERLAP, [a, b]);
      assert.match(messages(found).join(), /Subnet y .* overlaps subnet x .* in VPC vpc-0123456789abcdef0/);
    });
  });
});
