// NAD planning from real parsed stack settings: the blog's exact CNI configs, per-AZ copies and
// their names, the eni-prefix single NAD, and the name-length limit.
import { strict as assert } from "node:assert";
import { ENI_PREFIX_IPAM_PLUGIN } from "../../components/networks/ipam";
import { nadName, planNetworkAttachments, zoneSuffix } from "../../components/networks/nad";
import { ningxia, settingsOf } from "./harness";

describe("NetworkAttachmentDefinition plan", () => {
  it("gives the blog's two NADs, the second on the second interface (multus2)", () => {
    const settings = settingsOf(ningxia());
    const plans = planNetworkAttachments(settings.networks, settings.nodeGroup.availabilityZones);
    assert.deepEqual(
      plans.map((plan) => [plan.name, plan.master, plan.availabilityZone]),
      [
        ["ipvlan-conf-1", "multus1", "cn-northwest-1a"],
        ["ipvlan-conf-2", "multus2", "cn-northwest-1a"],
      ],
    );
    // Exact JSON text, as stored in spec.config.
    assert.equal(
      JSON.stringify(plans[0].cniConfig),
      '{"cniVersion":"0.3.1","type":"ipvlan","master":"multus1","mode":"l2","capabilities":{"ips":true},' +
        '"ipam":{"type":"host-local","subnet":"10.0.4.0/24","rangeStart":"10.0.4.70","rangeEnd":"10.0.4.80","gateway":"10.0.4.1"}}',
    );
    assert.equal(
      JSON.stringify(plans[1].cniConfig),
      '{"cniVersion":"0.3.1","type":"ipvlan","master":"multus2","mode":"l2","capabilities":{"ips":true},' +
        '"ipam":{"type":"host-local","subnet":"10.0.6.0/24","rangeStart":"10.0.6.10","rangeEnd":"10.0.6.30","gateway":"10.0.6.1"}}',
    );
  });

  it("routes go through the subnet's gateway; macvlan keeps its mode", () => {
    const settings = settingsOf(
      ningxia({
        networks: [
          {
            name: "media",
            cni: "macvlan",
            mode: "bridge",
            rangeStart: 20,
            rangeEnd: 40,
            routes: ["192.168.0.0/16"],
          },
        ],
      }),
    );
    const [plan] = planNetworkAttachments(settings.networks, ["cn-northwest-1a"]);
    assert.deepEqual(plan.cniConfig, {
      cniVersion: "0.3.1",
      type: "macvlan",
      master: "multus1",
      mode: "bridge",
      capabilities: { ips: true },
      ipam: {
        type: "host-local",
        subnet: "10.0.4.0/24",
        rangeStart: "10.0.4.20",
        rangeEnd: "10.0.4.40",
        gateway: "10.0.4.1",
        routes: [{ dst: "192.168.0.0/16", gw: "10.0.4.1" }],
      },
    });
  });

  it("gives host-local networks one NAD per node AZ, named <network>-<zone letter>", () => {
    const settings = settingsOf(ningxia({ nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"] }));
    const plans = planNetworkAttachments(settings.networks, settings.nodeGroup.availabilityZones);
    assert.deepEqual(
      plans.map((plan) => [
        plan.name,
        plan.availabilityZone,
        (plan.cniConfig.ipam as { subnet: string }).subnet,
      ]),
      [
        ["ipvlan-conf-1-a", "cn-northwest-1a", "10.0.4.0/24"],
        ["ipvlan-conf-1-b", "cn-northwest-1b", "10.0.5.0/24"],
        ["ipvlan-conf-2-a", "cn-northwest-1a", "10.0.6.0/24"],
        ["ipvlan-conf-2-b", "cn-northwest-1b", "10.0.7.0/24"],
      ],
    );
    for (const plan of plans) assert.match(plan.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("gives an eni-prefix network one NAD for every AZ, with the IPAM plugin's config", () => {
    const settings = settingsOf(
      ningxia({
        nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
        networks: [
          { name: "ipvlan-conf-1", rangeStart: 70, rangeEnd: 80 },
          { name: "routed", ipam: "eni-prefix", routes: ["10.9.0.0/16"] },
        ],
      }),
    );
    const plans = planNetworkAttachments(settings.networks, settings.nodeGroup.availabilityZones);
    assert.deepEqual(
      plans.map((plan) => plan.name),
      ["ipvlan-conf-1-a", "ipvlan-conf-1-b", "routed"],
    );
    const routed = plans[2];
    assert.equal(routed.availabilityZone, undefined);
    assert.deepEqual(routed.cniConfig, {
      cniVersion: "0.3.1",
      type: "ipvlan",
      master: "multus2",
      mode: "l2",
      // Every subnet of the network (the plugin drops the pod's own), then the configured routes.
      ipam: {
        type: ENI_PREFIX_IPAM_PLUGIN,
        // Only the network's name: the node config maps it to device index 2 and its subnets.
        network: "routed",
        routes: [{ dst: "10.0.6.0/24" }, { dst: "10.0.7.0/24" }, { dst: "10.9.0.0/16" }],
      },
    });
  });

  it("derives zone suffixes that are DNS labels", () => {
    assert.equal(zoneSuffix("cn-northwest-1a"), "a");
    assert.equal(zoneSuffix("cn-north-1d"), "d");
    assert.equal(zoneSuffix("us-west-2-lax-1a"), "lax-1a");
  });

  it("refuses NAD names over 63 characters, naming the network", () => {
    const settings = settingsOf(ningxia());
    const long = { ...settings.networks[0], name: "n".repeat(62) };
    assert.equal(nadName(long, undefined).length, 62);
    assert.throws(
      () => planNetworkAttachments([long], ["cn-northwest-1a", "cn-northwest-1b"]),
      /network "n{62}": its NAD for cn-northwest-1a would be "n{62}-a" \(64 characters/,
    );
  });
});
