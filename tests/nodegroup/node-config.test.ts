// The node config shipped to every node (CONTRACTS item 2), from the stack program: expectations
// are the blog's layout (anchors.md: Multus 1 on 10.0.4.0/24 and 10.0.5.0/24, Multus 2 on
// 10.0.6.0/24 and 10.0.7.0/24; ranges .70-.80 and .10-.30), not values read from the code.

import { strict as assert } from "node:assert";
import { runStack } from "../support/offline";
import { uploadedNodeFiles } from "../support/node-bundle";

describe("node config (/etc/multus-eks/node-config.json)", function () {
  it("lists every network with its device index, interface, IPAM mode, subnets per node AZ and host range", async function () {
    const run = await runStack("ningxia", {
      nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
      nodeMinSize: 2,
      nodeDesiredSize: 2,
      nodeMaxSize: 2,
    });
    const file = uploadedNodeFiles(run).get("/etc/multus-eks/node-config.json");
    assert.ok(file);
    assert.equal(file.mode, "-rw-r--r--");
    assert.equal(file.owner, "0/0");
    assert.deepEqual(JSON.parse(file.content), {
      clusterName: "eks-multus-cluster",
      region: "cn-northwest-1",
      networks: [
        {
          name: "ipvlan-conf-1",
          deviceIndex: 1,
          interfaceName: "multus1",
          ipam: "host-local",
          subnetCidrs: ["10.0.4.0/24", "10.0.5.0/24"],
          rangeStart: 70,
          rangeEnd: 80,
        },
        {
          name: "ipvlan-conf-2",
          deviceIndex: 2,
          interfaceName: "multus2",
          ipam: "host-local",
          subnetCidrs: ["10.0.6.0/24", "10.0.7.0/24"],
          rangeStart: 10,
          rangeEnd: 30,
        },
      ],
    });
  });

  it("gives an eni-prefix network no fixed range", async function () {
    const run = await runStack("ningxia", {
      networks: [{ name: "ipvlan-conf-1" }, { name: "routed", ipam: "eni-prefix" }],
    });
    const config = JSON.parse(uploadedNodeFiles(run).get("/etc/multus-eks/node-config.json")!.content) as {
      networks: Record<string, unknown>[];
    };
    const routed = config.networks.find((network) => network.name === "routed")!;
    assert.equal(routed.ipam, "eni-prefix");
    assert.ok(!("rangeStart" in routed) && !("rangeEnd" in routed));
  });
});
