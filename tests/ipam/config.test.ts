/** eniPrefixIpamConfig(): pure, no CNI plugins needed. */
import { strict as assert } from "assert";
import * as fs from "fs";
import { ENI_PREFIX_IPAM_PLUGIN, eniPrefixIpamConfig } from "../../components/networks/ipam";
import { PLUGIN_SOURCE } from "./support";

describe("eniPrefixIpamConfig", function () {
  it("gives the plugin type and the network's name, and nothing the caller did not set", function () {
    assert.deepEqual(eniPrefixIpamConfig({ network: "routed" }), {
      type: "multus-eni-prefix",
      network: "routed",
    });
  });

  it("carries routes, and never a node setting (device index, IMDS endpoint, state directory)", function () {
    const config = eniPrefixIpamConfig({
      network: "routed",
      routes: [{ dst: "10.0.6.0/24" }, { dst: "192.168.0.0/16", gw: "10.0.4.1" }],
    });
    assert.deepEqual(config, {
      type: ENI_PREFIX_IPAM_PLUGIN,
      network: "routed",
      routes: [{ dst: "10.0.6.0/24" }, { dst: "192.168.0.0/16", gw: "10.0.4.1" }],
    });
    for (const key of ["deviceIndex", "imdsEndpoint", "dataDir"]) assert.ok(!(key in config), key);
  });

  it("matches the plugin's type constant in the python source", function () {
    assert.match(
      fs.readFileSync(PLUGIN_SOURCE, "utf8"),
      new RegExp(`^PLUGIN_NAME = "${ENI_PREFIX_IPAM_PLUGIN}"$`, "m"),
    );
  });

  it("rejects an empty network name", function () {
    assert.throws(() => eniPrefixIpamConfig({ network: "" }), /network must be the Multus network's name/);
  });

  it("rejects a route that is not an IPv4 CIDR, or a bad gateway", function () {
    assert.throws(
      () => eniPrefixIpamConfig({ network: "n", routes: [{ dst: "default" }] }),
      /routes\[0\]\.dst must be an IPv4 CIDR/,
    );
    assert.throws(
      () => eniPrefixIpamConfig({ network: "n", routes: [{ dst: "10.0.6.0/24", gw: "10.0.4.300" }] }),
      /routes\[0\]\.gw must be an IPv4 address/,
    );
  });
});
