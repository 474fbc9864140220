import { strict as assert } from "assert";
import { HOST_LOCAL_SINGLE_NODE } from "../../policies/rules/host-local-single-node";
import { NAD_TYPE } from "../../policies/rules/support/nad-config";
import { messages, record, violationsOf } from "./support";

const GROUP = "aws:autoscaling/group:Group";
const group = (maxSize: unknown) => record(GROUP, "eks-multus-cluster-nodes", { minSize: 1, maxSize });

function nad(name: string, ipam: Record<string, unknown>) {
  const config = { cniVersion: "0.3.1", type: "ipvlan", master: "multus1", mode: "l2", ipam };
  return record(NAD_TYPE, `nad-${name}`, {
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name, namespace: "default" },
    spec: { config: JSON.stringify(config) },
  });
}

const hostLocal = {
  type: "host-local",
  subnet: "10.0.4.0/24",
  rangeStart: "10.0.4.70",
  rangeEnd: "10.0.4.80",
};
const eniPrefix = { type: "multus-eni-prefix", deviceIndex: 2 };

describe("policy host-local-single-node", () => {
  describe("passes", () => {
    it("host-local NADs on a one-node group (the blog)", async () => {
      assert.deepEqual(
        messages(await violationsOf(HOST_LOCAL_SINGLE_NODE, [group(1), nad("ipvlan-conf-1", hostLocal)])),
        [],
      );
    });
    it("eni-prefix NADs on a three-node group", async () => {
      assert.deepEqual(
        messages(await violationsOf(HOST_LOCAL_SINGLE_NODE, [group(3), nad("routed", eniPrefix)])),
        [],
      );
    });
    it("a node group size not known yet in a preview", async () => {
      const unknownSize = record(GROUP, "nodes", { minSize: 1 }, { unknown: ["maxSize"] });
      assert.deepEqual(
        messages(await violationsOf(HOST_LOCAL_SINGLE_NODE, [unknownSize, nad("a", hostLocal)])),
        [],
      );
    });
    it("NADs without a node group in the stack", async () => {
      assert.deepEqual(messages(await violationsOf(HOST_LOCAL_SINGLE_NODE, [nad("a", hostLocal)])), []);
    });
  });

  describe("fails", () => {
    it("a host-local NAD on a three-node group, naming the network, the size and eni-prefix", async () => {
      const found = await violationsOf(HOST_LOCAL_SINGLE_NODE, [group(3), nad("ipvlan-conf-1", hostLocal)]);
      assert.equal(found.length, 1);
      assert.match(
        found[0].message,
        /ipvlan-conf-1 .*host-local.*maxSize 3 \(nodeMaxSize\).*ipam: eni-prefix/,
      );
      assert.equal(found[0].enforcementLevel, "advisory");
    });
    it("each host-local NAD beside an eni-prefix one, on a two-node group", async () => {
      const found = await violationsOf(HOST_LOCAL_SINGLE_NODE, [
        group(2),
        nad("ipvlan-conf-1", hostLocal),
        nad("ipvlan-conf-2", {
          ...hostLocal,
          subnet: "10.0.6.0/24",
          rangeStart: "10.0.6.10",
          rangeEnd: "10.0.6.30",
        }),
        nad("routed", eniPrefix),
      ]);
      assert.deepEqual(
        found.map((violation) => /NetworkAttachmentDefinition (\S+)/.exec(violation.message)?.[1]),
        ["ipvlan-conf-1", "ipvlan-conf-2"],
      );
    });
    it("host-local in the `ranges` form", async () => {
      const ranges = { type: "host-local", ranges: [[{ subnet: "10.0.4.0/24", rangeStart: "10.0.4.70" }]] };
      assert.equal((await violationsOf(HOST_LOCAL_SINGLE_NODE, [group(5), nad("r", ranges)])).length, 1);
    });
    it("is mandatory when configured so", async () => {
      const found = await violationsOf(HOST_LOCAL_SINGLE_NODE, [group(3), nad("ipvlan-conf-1", hostLocal)], {
        enforcementLevel: "mandatory",
      });
      assert.equal(found[0].enforcementLevel, "mandatory");
    });
  });
});
