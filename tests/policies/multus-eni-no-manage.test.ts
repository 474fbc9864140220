import { strict as assert } from "assert";
import { NETWORK_TAG_KEY, NO_MANAGE_TAG_KEY, NO_MANAGE_TAG_VALUE } from "../../components/model/tags";
import { eniTags } from "../../lambda/src/eni-plan";
import { MULTUS_ENI_NO_MANAGE } from "../../policies/rules/multus-eni-no-manage";
import { messages, record, violationsOf } from "./support";

const SUBNET = "aws:ec2/subnet:Subnet";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const LAMBDA = "aws:lambda/function:Function";

const multusSubnet = record(SUBNET, "multus-a", {
  cidrBlock: "10.0.4.0/24",
  tags: { [NETWORK_TAG_KEY]: "ipvlan-conf-1" },
});
const privateSubnet = record(SUBNET, "private-a", { cidrBlock: "10.0.2.0/24", tags: {} });
const noManage = { [NO_MANAGE_TAG_KEY]: NO_MANAGE_TAG_VALUE };

function eni(
  name: string,
  subnet: typeof multusSubnet,
  tags: Record<string, string>,
  unknownSubnetId = true,
) {
  // In a preview the subnet ID is unknown: only the property dependency links the ENI to its subnet.
  return record(
    ENI,
    name,
    { subnetId: "unknown-in-preview", tags },
    { from: { subnetId: [subnet] }, ...(unknownSubnetId ? { unknown: ["subnetId"] } : {}) },
  );
}

function lambda(config: unknown) {
  return record(LAMBDA, "eni-lambda", {
    environment: { variables: { MULTUS_ENI_CONFIG: JSON.stringify(config) } },
  });
}

const lambdaConfig = (tags: Record<string, string>) => ({ clusterName: "c", networks: [], tags });

describe("policy multus-eni-no-manage", () => {
  describe("passes", () => {
    it("an ENI on a Multus subnet with no_manage=true, linked only by property dependency", async () => {
      assert.deepEqual(
        messages(
          await violationsOf(MULTUS_ENI_NO_MANAGE, [multusSubnet, eni("eni-1", multusSubnet, noManage)]),
        ),
        [],
      );
    });
    it("an untagged ENI on a subnet without the Multus network tag", async () => {
      assert.deepEqual(
        messages(await violationsOf(MULTUS_ENI_NO_MANAGE, [privateSubnet, eni("eni-2", privateSubnet, {})])),
        [],
      );
    });
    it("a launch template tagging its device-index-1 interface no_manage", async () => {
      const template = record(LT, "lt", {
        networkInterfaces: [{ deviceIndex: 0 }, { deviceIndex: 1 }],
        tagSpecifications: [{ resourceType: "network-interface", tags: noManage }],
      });
      assert.deepEqual(messages(await violationsOf(MULTUS_ENI_NO_MANAGE, [template])), []);
    });
    it("a Lambda config whose tags leave no_manage to the Lambda", async () => {
      assert.deepEqual(
        messages(await violationsOf(MULTUS_ENI_NO_MANAGE, [lambda(lambdaConfig({ team: "core" }))])),
        [],
      );
    });
  });

  describe("violates", () => {
    it("an ENI on a Multus subnet without the tag, naming the ENI, the subnet and the fix", async () => {
      const found = await violationsOf(MULTUS_ENI_NO_MANAGE, [
        multusSubnet,
        eni("rogue", multusSubnet, { Name: "x" }),
      ]);
      assert.equal(found.length, 1);
      assert.equal(found[0].enforcementLevel, "mandatory");
      assert.equal(found[0].resourceName, "rogue");
      assert.match(
        found[0].message,
        /ENI rogue .*Multus subnet aws:ec2\/subnet:Subnet::multus-a.*lacks the tag/,
      );
      assert.match(found[0].message, /Add tags: \{ "node\.k8s\.amazonaws\.com\/no_manage": "true" \}/);
    });
    it("an ENI with no_manage=false", async () => {
      const found = await violationsOf(MULTUS_ENI_NO_MANAGE, [
        multusSubnet,
        eni("eni-false", multusSubnet, { [NO_MANAGE_TAG_KEY]: "false" }),
      ]);
      assert.match(messages(found).join(), /has node\.k8s\.amazonaws\.com\/no_manage="false"/);
    });
    it("an ENI on an existing Multus subnet named in the config", async () => {
      const existing = record(ENI, "on-existing", { subnetId: "subnet-0abc12345678", tags: {} });
      const found = await violationsOf(MULTUS_ENI_NO_MANAGE, [existing], {
        multusSubnetIds: ["subnet-0abc12345678"],
      });
      assert.match(messages(found).join(), /existing Multus subnet subnet-0abc12345678/);
    });
    it("a launch template with a device-index-1 interface and no network-interface tag", async () => {
      const template = record(LT, "lt-bad", {
        networkInterfaces: [{ deviceIndex: 0 }, { deviceIndex: 1 }],
        tagSpecifications: [{ resourceType: "instance", tags: noManage }],
      });
      const found = await violationsOf(MULTUS_ENI_NO_MANAGE, [template]);
      assert.match(
        messages(found).join(),
        /Launch template lt-bad .*device index 1.*resourceType: "network-interface"/,
      );
    });
    it("a Lambda config overriding no_manage with another value", async () => {
      const found = await violationsOf(MULTUS_ENI_NO_MANAGE, [
        lambda(lambdaConfig({ [NO_MANAGE_TAG_KEY]: "false" })),
      ]);
      assert.match(messages(found).join(), /overriding the required "true".*Remove the key/);
    });
    it("a Lambda config that is not JSON", async () => {
      const bad = record(LAMBDA, "eni-lambda", {
        environment: { variables: { MULTUS_ENI_CONFIG: "{not json" } },
      });
      assert.match(messages(await violationsOf(MULTUS_ENI_NO_MANAGE, [bad])).join(), /is not a JSON object/);
    });
  });

  it("rests on the Lambda always writing no_manage=true, even when its config's tags try otherwise", () => {
    const config = {
      clusterName: "c",
      instanceArnPrefix: "arn:aws-cn:ec2:cn-northwest-1:123456789012:instance/",
      networks: [],
      tags: { [NO_MANAGE_TAG_KEY]: "false", team: "core" },
      sweepGraceMinutes: 15,
    };
    const network = {
      name: "n1",
      deviceIndex: 1,
      subnetIdsByAz: {},
      securityGroupIds: [],
      prefixDelegation: false,
    };
    const tags = eniTags(config, network, "i-0123456789abcdef0");
    assert.deepEqual(
      tags.filter((tag) => tag.Key === NO_MANAGE_TAG_KEY),
      [{ Key: NO_MANAGE_TAG_KEY, Value: NO_MANAGE_TAG_VALUE }],
    );
  });
});
