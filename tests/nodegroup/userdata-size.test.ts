// Defect: with the eni-prefix plugin embedded, the gzipped user data measured 16,040-16,182 bytes
// of EC2's 16,384 (anchors.md). The node files now travel as an S3 object, so the user data must
// stay small however many networks and plugins there are. Checked through the stack program with
// the largest configuration the settings allow: 15 networks (device indexes 1-15), every IPAM mode.

import { strict as assert } from "node:assert";
import { gunzipSync } from "node:zlib";
import { IPAM_MODES_FOR_SIZE_CHECK, largestNetworks } from "../support/largest-config";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";
import { uploadedNodeFiles } from "../support/node-bundle";
import { useMoto } from "../support/moto";
import { providerFacts } from "../support/provider-facts";

/** EC2's limit on user data before base64 (RunInstances/launch template UserData). */
const EC2_USER_DATA_LIMIT = 16384;

function userDataBytes(run: OfflineRun): Buffer {
  const [template] = resourcesOfType(run, "aws:ec2/launchTemplate:LaunchTemplate");
  return Buffer.from(String(template.inputs.userData), "base64");
}

describe("node user data size (largest supported configuration)", function () {
  const moto = useMoto();
  let largest: OfflineRun;
  let smallest: OfflineRun;

  before(async function () {
    // The largest type: 16 ENIs, 50 addresses each, EC2's figures through the provider (moto's
    // DescribeInstanceTypes), as `pulumi up` reads them; this program's table does not list it.
    const facts = providerFacts(moto.endpoint, ["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"]);
    largest = await runStack(
      "ningxia",
      {
        networks: largestNetworks(),
        nodeInstanceType: "c6in.32xlarge",
        nodeMaxPods: 250,
        nodeLabels: ["multus-eks/role=multus", "example.com/rack=r1"],
      },
      { instanceFacts: "provider", call: facts.call },
    );
    smallest = await runStack("ningxia");
  });

  it("stays far under EC2's 16,384 bytes with 15 networks of every IPAM mode, not gzip-compressed", function () {
    const bytes = userDataBytes(largest);
    assert.ok(!(bytes[0] === 0x1f && bytes[1] === 0x8b), "the user data needed gzip");
    assert.ok(bytes.length < EC2_USER_DATA_LIMIT / 2, `${bytes.length} bytes`);
    const files = uploadedNodeFiles(largest);
    const config = JSON.parse(files.get("/etc/multus-eks/node-config.json")!.content) as {
      networks: { ipam: string; deviceIndex: number }[];
    };
    assert.equal(config.networks.length, 15);
    assert.deepEqual(
      [...new Set(config.networks.map((network) => network.ipam))].sort(),
      [...IPAM_MODES_FOR_SIZE_CHECK].sort(),
    );
  });

  it("does not grow with the networks: only the node files object does", function () {
    const small = userDataBytes(smallest);
    const large = userDataBytes(largest);
    // The same fixed parts; the difference is labels and maxPods digits, not the 13 extra networks.
    assert.ok(Math.abs(large.length - small.length) < 200, `${small.length} vs ${large.length} bytes`);
    assert.doesNotMatch(gunzipOrText(large), /multus15|ipvlan-conf-15/);
  });
});

function gunzipOrText(bytes: Buffer): string {
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
}
