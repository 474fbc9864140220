// An eni-prefix network end to end through the stack program under mocks: the Lambda asks for a
// prefix, the node files carry the IPAM plugin and the node config, and the NAD only names the
// network, with one NAD for all AZs.
import * as assert from "assert";
import { gunzipSync } from "zlib";
import { parseLambdaConfig } from "../../lambda/src/config";
import { ENI_PREFIX_IPAM_PLUGIN } from "../../components/networks/ipam";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";
import { uploadedNodeFiles } from "../support/node-bundle";

const PREFIX_NETWORKS = [
  { name: "ipvlan-conf-1", rangeStart: 70, rangeEnd: 80 },
  { name: "routed", ipam: "eni-prefix" },
];

function userDataOf(run: OfflineRun): string {
  const [template] = resourcesOfType(run, "aws:ec2/launchTemplate:LaunchTemplate");
  const payload = Buffer.from(String(template.inputs.userData), "base64");
  return (payload[0] === 0x1f && payload[1] === 0x8b ? gunzipSync(payload) : payload).toString("utf8");
}

describe("eni-prefix network in the stack program", function () {
  let run: OfflineRun;
  before(async function () {
    run = await runStack("ningxia", {
      networks: PREFIX_NETWORKS,
      nodeAvailabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
      nodeMinSize: 2,
      nodeDesiredSize: 2,
      nodeMaxSize: 2,
    });
  });

  it("makes the Lambda create the network's ENIs with a prefix, and only that network's", function () {
    const [lambda] = resourcesOfType(run, "aws:lambda/function:Function");
    const environment = (lambda.inputs.environment as { variables: Record<string, string> }).variables;
    const config = parseLambdaConfig(environment.MULTUS_ENI_CONFIG);
    const byName = Object.fromEntries(config.networks.map((network) => [network.name, network]));
    assert.equal(byName["routed"].prefixDelegation, true);
    assert.equal(byName["ipvlan-conf-1"].prefixDelegation, false);
    assert.equal(byName["routed"].deviceIndex, 2);
  });

  it("ships the IPAM plugin to /opt/cni/bin (0755) and the network in the node config", function () {
    const files = uploadedNodeFiles(run);
    const plugin = files.get(`/opt/cni/bin/${ENI_PREFIX_IPAM_PLUGIN}`);
    assert.ok(plugin, [...files.keys()].join());
    assert.equal(plugin.mode, "-rwxr-xr-x");
    const config = JSON.parse(files.get("/etc/multus-eks/node-config.json")!.content) as {
      networks: { name: string; ipam: string; deviceIndex: number; subnetCidrs: string[] }[];
    };
    const routed = config.networks.find((network) => network.name === "routed");
    assert.equal(routed?.ipam, "eni-prefix");
    assert.equal(routed?.deviceIndex, 2);
    assert.equal(routed?.subnetCidrs.length, 2);
    assert.doesNotMatch(userDataOf(run), /PLUGIN_NAME|host-local/);
  });

  it("gives the eni-prefix network one NAD for both AZs, using the plugin, and per-AZ NADs to the other", function () {
    const nads = resourcesOfType(run, "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition");
    const configs = nads.map((nad) => {
      const spec = nad.inputs.spec as { config: string };
      const metadata = nad.inputs.metadata as { name: string };
      return {
        name: metadata.name,
        config: JSON.parse(spec.config) as { master: string; ipam: Record<string, unknown> },
      };
    });
    const routed = configs.filter((nad) => nad.name.startsWith("routed"));
    assert.equal(routed.length, 1);
    assert.equal(routed[0].config.ipam.type, ENI_PREFIX_IPAM_PLUGIN);
    // A NAD only names the network: the node supplies device index, IMDS endpoint and state directory.
    assert.equal(routed[0].config.ipam.network, "routed");
    for (const key of ["deviceIndex", "imdsEndpoint", "dataDir"]) assert.ok(!(key in routed[0].config.ipam));
    assert.equal(routed[0].config.master, "multus2");
    assert.equal(configs.filter((nad) => nad.name.startsWith("ipvlan-conf-1")).length, 2);
  });
});

describe("host-local only stacks", function () {
  it("carry no node file in the user data either", async function () {
    const run = await runStack("ningxia");
    assert.doesNotMatch(userDataOf(run), new RegExp(ENI_PREFIX_IPAM_PLUGIN));
  });
});
