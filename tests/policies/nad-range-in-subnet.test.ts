import { strict as assert } from "assert";
import { NETWORK_TAG_KEY } from "../../components/model/tags";
import { NAD_RANGE_IN_SUBNET } from "../../policies/rules/nad-range-in-subnet";
import { NAD_TYPE } from "../../policies/rules/support/nad-config";
import { messages, record, violationsOf } from "./support";

const SUBNET = "aws:ec2/subnet:Subnet";
const multus4 = record(SUBNET, "multus-1-a", {
  cidrBlock: "10.0.4.0/24",
  tags: { [NETWORK_TAG_KEY]: "ipvlan-conf-1" },
});
const multus6 = record(SUBNET, "multus-2-a", {
  cidrBlock: "10.0.6.0/24",
  tags: { [NETWORK_TAG_KEY]: "ipvlan-conf-2" },
});
const privateSubnet = record(SUBNET, "private-a", { cidrBlock: "10.0.2.0/24", tags: {} });
const eniLambda = record("aws:lambda/function:Function", "eni", {
  environment: {
    variables: {
      MULTUS_ENI_CONFIG: JSON.stringify({ clusterName: "c", networks: [{ name: "n", deviceIndex: 1 }] }),
    },
  },
});

function nad(name: string, ipam: Record<string, unknown>) {
  const config = { cniVersion: "0.3.1", type: "ipvlan", master: "multus1", mode: "l2", ipam };
  return record(NAD_TYPE, name, {
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    spec: { config: JSON.stringify(config) },
  });
}

const hostLocal = (subnet: string, rangeStart?: string, rangeEnd?: string) => ({
  type: "host-local",
  subnet,
  ...(rangeStart ? { rangeStart } : {}),
  ...(rangeEnd ? { rangeEnd } : {}),
});

const base = [multus4, multus6, privateSubnet, eniLambda];

describe("policy nad-range-in-subnet", () => {
  describe("passes", () => {
    it("the blog's two NADs (70-80 on 10.0.4.0/24, 10-30 on 10.0.6.0/24)", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("ipvlan-conf-1", hostLocal("10.0.4.0/24", "10.0.4.70", "10.0.4.80")),
        nad("ipvlan-conf-2", hostLocal("10.0.6.0/24", "10.0.6.10", "10.0.6.30")),
      ]);
      assert.deepEqual(messages(found), []);
    });
    it("two NADs with disjoint ranges on one subnet, in the `ranges` form, up to the last usable address", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("low", {
          type: "host-local",
          ranges: [[{ subnet: "10.0.4.0/24", rangeStart: "10.0.4.4", rangeEnd: "10.0.4.99" }]],
        }),
        nad("high", hostLocal("10.0.4.0/24", "10.0.4.100", "10.0.4.254")),
      ]);
      assert.deepEqual(messages(found), []);
    });
    it("an eni-prefix NAD naming the device index of a Multus network", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("prefix", { type: "multus-eni-prefix", deviceIndex: 1 }),
      ]);
      assert.deepEqual(messages(found), []);
    });
  });

  describe("violates", () => {
    it("a range outside its subnet, naming the NAD and the usable range", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("wide", hostLocal("10.0.4.0/24", "10.0.4.70", "10.0.5.10")),
      ]);
      assert.equal(found.length, 1);
      assert.equal(found[0].enforcementLevel, "mandatory");
      assert.match(
        found[0].message,
        /NetworkAttachmentDefinition wide.*rangeEnd 10\.0\.5\.10 is outside its subnet 10\.0\.4\.0\/24.*offsets 4-254/,
      );
    });
    it("AWS-reserved addresses: a missing rangeStart (host-local starts at .1) and the broadcast address", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("from-router", hostLocal("10.0.4.0/24", undefined, "10.0.4.50")),
        nad("to-broadcast", hostLocal("10.0.6.0/24", "10.0.6.200", "10.0.6.255")),
        nad("dns", hostLocal("10.0.6.0/24", "10.0.6.2", "10.0.6.9")),
      ]);
      const text = messages(found).join("\n");
      assert.match(text, /from-router.*rangeStart is not set.*VPC router/);
      assert.match(text, /to-broadcast.*rangeEnd 10\.0\.6\.255 is an address AWS reserves/);
      assert.match(text, /dns.*rangeStart 10\.0\.6\.2 is an address AWS reserves/);
    });
    it("overlapping ranges of two NADs on one subnet", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("first", hostLocal("10.0.4.0/24", "10.0.4.70", "10.0.4.80")),
        nad("second", hostLocal("10.0.4.0/24", "10.0.4.80", "10.0.4.90")),
      ]);
      assert.match(messages(found).join(), /second .*overlaps NAD first .*disjoint ranges/);
    });
    it("ipam.subnet that is not a Multus subnet of the stack", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("on-private", hostLocal("10.0.2.0/24", "10.0.2.10", "10.0.2.20")),
      ]);
      assert.match(
        messages(found).join(),
        /ipam\.subnet 10\.0\.2\.0\/24 is not the CIDR of a Multus subnet .*10\.0\.4\.0\/24, 10\.0\.6\.0\/24/,
      );
    });
    it("an eni-prefix NAD naming a device index no Multus network uses, or none at all", async () => {
      const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
        ...base,
        nad("wrong-index", { type: "multus-eni-prefix", deviceIndex: 3 }),
        nad("no-index", { type: "multus-eni-prefix" }),
      ]);
      const text = messages(found).join("\n");
      assert.match(
        text,
        /wrong-index.*deviceIndex 3 is not the device index of any Multus network \(Multus ENIs are attached at: 1\)/,
      );
      assert.match(text, /no-index.*deviceIndex undefined must be the device index/);
    });
  });

  it("skips the device-index cross-check, not the range checks, when the Lambda config is unknown (preview)", async () => {
    const previewLambda = record(
      "aws:lambda/function:Function",
      "eni",
      { environment: {} },
      { unknown: ["environment"] },
    );
    const found = await violationsOf(NAD_RANGE_IN_SUBNET, [
      multus4,
      previewLambda,
      nad("prefix", { type: "multus-eni-prefix", deviceIndex: 3 }),
      nad("bad", hostLocal("10.0.4.0/24", "10.0.4.1", "10.0.4.9")),
    ]);
    assert.deepEqual(messages(found).length, 1);
    assert.match(found[0].message, /bad.*rangeStart 10\.0\.4\.1 is an address AWS reserves/);
  });
});
