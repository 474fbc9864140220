/** eniPrefixIpamConfig() and the install script: pure, no CNI plugins needed. */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ENI_PREFIX_IPAM_PLUGIN,
  eniPrefixIpamConfig,
  eniPrefixIpamInstallScript,
  eniPrefixIpamPluginSource,
} from "../../components/networks/ipam";

describe("eniPrefixIpamConfig", function () {
  it("gives the plugin type and device index, and nothing the caller did not set", function () {
    assert.deepEqual(eniPrefixIpamConfig({ deviceIndex: 2 }), { type: "multus-eni-prefix", deviceIndex: 2 });
  });

  it("carries the state directory, routes and IMDS endpoint", function () {
    assert.deepEqual(
      eniPrefixIpamConfig({
        deviceIndex: 1,
        stateDirectory: "/var/lib/cni/networks/multus-1",
        routes: [{ dst: "10.0.6.0/24" }, { dst: "192.168.0.0/16", gw: "10.0.4.1" }],
        imdsEndpoint: "http://127.0.0.1:8080",
      }),
      {
        type: ENI_PREFIX_IPAM_PLUGIN,
        deviceIndex: 1,
        dataDir: "/var/lib/cni/networks/multus-1",
        routes: [{ dst: "10.0.6.0/24" }, { dst: "192.168.0.0/16", gw: "10.0.4.1" }],
        imdsEndpoint: "http://127.0.0.1:8080",
      },
    );
  });

  it("matches the plugin's type constant in the python source", function () {
    assert.match(eniPrefixIpamPluginSource, new RegExp(`^PLUGIN_NAME = "${ENI_PREFIX_IPAM_PLUGIN}"$`, "m"));
  });

  for (const deviceIndex of [0, -1, 1.5, Number.NaN]) {
    it(`rejects deviceIndex ${deviceIndex}, naming the setting`, function () {
      assert.throws(
        () => eniPrefixIpamConfig({ deviceIndex }),
        /deviceIndex must be the Multus ENI's device index/,
      );
    });
  }

  it("rejects a relative state directory", function () {
    assert.throws(
      () => eniPrefixIpamConfig({ deviceIndex: 1, stateDirectory: "state" }),
      /stateDirectory must be an absolute path/,
    );
  });

  it("rejects a route that is not an IPv4 CIDR, or a bad gateway", function () {
    assert.throws(
      () => eniPrefixIpamConfig({ deviceIndex: 1, routes: [{ dst: "default" }] }),
      /routes\[0\]\.dst/,
    );
    assert.throws(
      () => eniPrefixIpamConfig({ deviceIndex: 1, routes: [{ dst: "10.0.6.0/24", gw: "10.0.4.300" }] }),
      /routes\[0\]\.gw/,
    );
  });

  it("rejects an IMDS endpoint that is not an http(s) URL", function () {
    assert.throws(
      () => eniPrefixIpamConfig({ deviceIndex: 1, imdsEndpoint: "169.254.169.254" }),
      /imdsEndpoint/,
    );
  });
});

describe("eniPrefixIpamInstallScript", function () {
  let directory: string;

  before(function () {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "eni-prefix-install-"));
  });

  after(function () {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("writes the exact plugin source, executable, and can run twice", function () {
    const binDirectory = path.join(directory, "opt", "cni", "bin");
    const script = eniPrefixIpamInstallScript(binDirectory);
    execFileSync("bash", ["-euo", "pipefail", "-c", script]);
    execFileSync("bash", ["-euo", "pipefail", "-c", script]);
    const installed = path.join(binDirectory, ENI_PREFIX_IPAM_PLUGIN);
    assert.equal(fs.readFileSync(installed, "utf8"), eniPrefixIpamPluginSource);
    assert.equal(fs.statSync(installed).mode & 0o777, 0o755);
    assert.deepEqual(fs.readdirSync(binDirectory), [ENI_PREFIX_IPAM_PLUGIN]);
  });

  it("installs into /opt/cni/bin by default", function () {
    assert.match(
      eniPrefixIpamInstallScript(),
      /mv -f '\/opt\/cni\/bin\/multus-eni-prefix\.tmp' '\/opt\/cni\/bin\/multus-eni-prefix'/,
    );
  });

  it("rejects a bin directory that would break the script", function () {
    assert.throws(() => eniPrefixIpamInstallScript("opt/cni/bin"), /binDirectory must be an absolute path/);
    assert.throws(() => eniPrefixIpamInstallScript("/opt/it's"), /binDirectory/);
  });
});
