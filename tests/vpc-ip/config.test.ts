/**
 * `ipam: vpc-ip` and `sbr` as settings, through validation, NAD planning and the stack program
 * under mocks (the example stack file): one NAD per network naming only the network (node settings
 * stay on the node), sbr chained in every IPAM mode, the node role's scoped statement, the
 * cross-node check. IAM expectations: the Service Authorization Reference facts in anchors.md
 * (AssignPrivateIpAddresses / UnassignPrivateIpAddresses act on the network-interface resource).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { VPC_IP_WARM_ADDRESSES } from "../../components/networks/ipam";
import { nadConfigDocument, planNetworkAttachments } from "../../components/networks/nad";
import { vpcIpNodePolicyDocument } from "../../components/nodegroup/node-iam";
import { partitionInfo } from "../../components/model/partition";
import { CLUSTER_TAG_KEY } from "../../components/model/tags";
import { ConfigError } from "../../stacks/config";
import { ningxia, settingsOf } from "../networks/harness";
import { advertisedVpcIpResources } from "../support/node-bundle";
import { resourcesOfType, runStack, type OfflineRun } from "../support/offline";
import { VPC_IP_PLUGIN } from "./world";

function problemsOf(networks: unknown[]): string {
  try {
    settingsOf(ningxia({ networks }));
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

describe("ipam: vpc-ip and sbr settings", () => {
  it("accepts vpc-ip with a fixed range and resolves the range in every AZ", () => {
    const [network] = settingsOf(
      ningxia({ networks: [{ name: "n1", ipam: "vpc-ip", rangeStart: 70, rangeEnd: 80 }] }),
    ).networks;
    assert.equal(network.ipam, "vpc-ip");
    assert.deepEqual(
      network.subnets.map((subnet) => `${subnet.rangeStart}-${subnet.rangeEnd}`),
      ["10.0.4.70-10.0.4.80", "10.0.5.70-10.0.5.80"],
    );
  });

  it("checks a vpc-ip range against AWS's reserved addresses, as for host-local", () => {
    assert.match(
      problemsOf([{ name: "n1", ipam: "vpc-ip", rangeStart: 2, rangeEnd: 80 }]),
      /networks\[0\]\.rangeStart/,
    );
    assert.match(
      problemsOf([{ name: "n1", ipam: "vpc-ip", rangeStart: 70, rangeEnd: 255 }]),
      /networks\[0\]\.rangeEnd/,
    );
  });

  it("counts the nodes' warm sets against a vpc-ip range (the plugin's WARM_ADDRESSES per node)", () => {
    // The constant the validation counts is the one the plugin keeps warm.
    const plugin = fs.readFileSync(VPC_IP_PLUGIN, "utf8");
    assert.equal(Number(/^WARM_ADDRESSES = (\d+)$/m.exec(plugin)?.[1]), VPC_IP_WARM_ADDRESSES);
    // 3 nodes at most + 1 in an instance refresh, all possibly in one AZ: 4 x 2 = 8 warm addresses.
    const network = (rangeEnd: number) => [{ name: "n1", ipam: "vpc-ip", rangeStart: 70, rangeEnd }];
    const problems = (rangeEnd: number) => {
      try {
        settingsOf(ningxia({ nodeMaxSize: 3, networks: network(rangeEnd) }));
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
      return "";
    };
    assert.match(
      problems(77),
      /range 10\.0\.4\.70-10\.0\.4\.77 holds 8 addresses.*4 nodes.*keep 8 of them idle/,
    );
    assert.equal(problems(78), "", "9 addresses: one more than the warm sets can hold");
    // host-local ranges keep no warm set.
    assert.doesNotThrow(() =>
      settingsOf(ningxia({ nodeMaxSize: 3, networks: [{ name: "n1", rangeStart: 70, rangeEnd: 72 }] })),
    );
  });

  it("names the three modes for an unknown ipam, and refuses a non-boolean sbr", () => {
    const message = problemsOf([{ name: "n1", ipam: "whereabouts", sbr: "yes" }]);
    assert.match(message, /networks\[0\]\.ipam.*"host-local".*"eni-prefix".*"vpc-ip"/s);
    assert.match(message, /networks\[0\]\.sbr.*true.*false/s);
  });
});

describe("vpc-ip NetworkAttachmentDefinitions", () => {
  const zones = ["cn-northwest-1a", "cn-northwest-1b"];

  it("one NAD for every AZ, whose ipam names only the network (and pod routes)", () => {
    const settings = settingsOf(
      ningxia({
        networks: [{ name: "n1", ipam: "vpc-ip", rangeStart: 70, rangeEnd: 80, routes: ["10.9.0.0/16"] }],
      }),
    );
    const plans = planNetworkAttachments(settings.networks, zones);
    assert.equal(plans.length, 1);
    assert.equal(plans[0].name, "n1");
    assert.deepEqual(plans[0].cniConfig.ipam, {
      type: "multus-vpc-ip",
      network: "n1",
      routes: [{ dst: "10.9.0.0/16" }],
    });
    assert.deepEqual(plans[0].cniConfig.capabilities, { ips: true });
    // The plugin the NAD names is the node file of that name, executable.
    assert.equal(path.basename(VPC_IP_PLUGIN), plans[0].cniConfig.ipam.type);
    fs.accessSync(VPC_IP_PLUGIN, fs.constants.X_OK);
  });

  for (const ipam of ["host-local", "eni-prefix", "vpc-ip"]) {
    it(`${ipam}: sbr: true makes spec.config a conflist [main plugin, sbr]; without it, the plain config`, () => {
      const settings = settingsOf(
        ningxia({
          networks: [
            { name: "n1", ipam, sbr: true },
            { name: "n2", ipam },
          ],
        }),
      );
      const [withSbr, without] = planNetworkAttachments(settings.networks, ["cn-northwest-1a"]);
      const document = nadConfigDocument(withSbr) as {
        cniVersion: string;
        name: string;
        plugins: { type: string }[];
      };
      assert.equal(document.name, withSbr.name);
      assert.equal(document.cniVersion, withSbr.cniConfig.cniVersion);
      assert.deepEqual(
        document.plugins.map((plugin) => plugin.type),
        ["ipvlan", "sbr"],
      );
      assert.equal(nadConfigDocument(without), without.cniConfig);
    });
  }
});

describe("vpc-ip node role statement", () => {
  it("allows assign/unassign only on the calling node's ENIs of the cluster, with ARNs of the stack's partition", () => {
    const document = vpcIpNodePolicyDocument({
      partition: partitionInfo("aws-cn"),
      region: "cn-northwest-1",
      accountId: "123456789012",
      clusterName: "c1",
    });
    const scoped = document.Statement.find((statement) =>
      statement.Action.includes("ec2:AssignPrivateIpAddresses"),
    );
    assert.deepEqual(scoped?.Action, ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]);
    assert.equal(scoped?.Resource, "arn:aws-cn:ec2:cn-northwest-1:123456789012:network-interface/*");
    // Issue 21: the ENI's instance-ARN tag must be the caller's instance (ec2:SourceInstanceARN).
    assert.deepEqual(scoped?.Condition, {
      StringEquals: {
        [`ec2:ResourceTag/${CLUSTER_TAG_KEY}`]: "c1",
        "ec2:ResourceTag/multus-eks/instance-arn": "${ec2:SourceInstanceARN}",
      },
    });
    // Nothing else mutating is granted.
    const mutating = document.Statement.flatMap((statement) => statement.Action).filter(
      (action) => !action.startsWith("ec2:Describe"),
    );
    assert.deepEqual(mutating, ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]);
  });
});

describe("the example vpc-ip stack (stacks/examples/Pulumi.ningxia-vpc-ip.yaml) under mocks", function () {
  this.timeout(120_000);
  let run: OfflineRun;
  before(async () => {
    run = await runStack(path.join(__dirname, "../../stacks/examples/Pulumi.ningxia-vpc-ip.yaml"));
  });

  it("gives the node role the scoped vpc-ip statement, with the cluster's name", () => {
    const policies = resourcesOfType(run, "aws:iam/rolePolicy:RolePolicy").filter((policy) =>
      policy.name.endsWith("-node-vpc-ip"),
    );
    assert.equal(policies.length, 1);
    const document = JSON.parse(String(policies[0].inputs.policy)) as {
      Statement: { Action: string[]; Condition?: Record<string, Record<string, string>> }[];
    };
    const scoped = document.Statement.find((statement) =>
      statement.Action.includes("ec2:AssignPrivateIpAddresses"),
    );
    assert.equal(scoped?.Condition?.StringEquals[`ec2:ResourceTag/${CLUSTER_TAG_KEY}`], "eks-multus-cluster");
  });

  it("renders one NAD per network, the first chaining sbr, and a cross-node check of both networks", () => {
    const nads = resourcesOfType(run, "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition");
    const documents = nads.map(
      (nad) => JSON.parse((nad.inputs.spec as { config: string }).config) as Record<string, unknown>,
    );
    assert.equal(nads.length, 2);
    assert.deepEqual(
      (documents[0].plugins as { type: string }[]).map((plugin) => plugin.type),
      ["ipvlan", "sbr"],
    );
    assert.equal((documents[1].ipam as { type: string }).type, "multus-vpc-ip");
    const jobs = resourcesOfType(run, "kubernetes:batch/v1:Job").map((job) => job.name);
    assert.ok(
      jobs.some((name) => name.endsWith("multus-cross-node-check")),
      jobs.join(),
    );
  });

  it("makes the scheduler count vpc-ip pods: the nodes advertise the ENI's room, every pod of the network requests one, the NADs name the resource", () => {
    // c5.large (the example's type): 10 IPv4 addresses per ENI, the primary included (EC2 User
    // Guide, "IP addresses per network interface per instance type"). The NAD annotation is the one
    // Multus' network-resources-injector reads (k8s.v1.cni.cncf.io/resourceName).
    const vpcIp = run.settings.networks
      .filter((network) => network.ipam === "vpc-ip")
      .map((network) => network.name);
    assert.ok(vpcIp.length > 0);
    const resource = (network: string) => `vpc-ip.multus-eks.io/${network}`;
    assert.deepEqual(
      advertisedVpcIpResources(run),
      Object.fromEntries(vpcIp.map((network) => [resource(network), "9"])),
    );
    for (const nad of resourcesOfType(run, "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition")) {
      const config = JSON.parse((nad.inputs.spec as { config: string }).config) as { name: string };
      const annotations = (nad.inputs.metadata as { annotations?: Record<string, string> }).annotations;
      assert.deepEqual(annotations, { "k8s.v1.cni.cncf.io/resourceName": resource(config.name) });
    }
    type Container = { resources?: { limits?: Record<string, string> } };
    type PodSpecLike = { containers: Container[] };
    const podSpecs = [
      ...resourcesOfType(run, "kubernetes:apps/v1:Deployment").map(
        (d) => (d.inputs.spec as { template: { spec: PodSpecLike } }).template.spec,
      ),
      ...resourcesOfType(run, "kubernetes:batch/v1:Job").map(
        (j) => (j.inputs.spec as { template: { spec: PodSpecLike } }).template.spec,
      ),
      ...resourcesOfType(run, "kubernetes:core/v1:Pod").map((p) => p.inputs.spec as PodSpecLike),
    ];
    assert.ok(podSpecs.length >= 4);
    for (const spec of podSpecs) {
      const requested = Object.keys(spec.containers[0].resources?.limits ?? {}).filter((key) =>
        key.startsWith("vpc-ip."),
      );
      assert.ok(requested.length > 0, JSON.stringify(spec.containers[0]));
      for (const key of requested) assert.equal(spec.containers[0].resources!.limits![key], "1");
    }
  });

  it("a stack without vpc-ip networks gets no such statement", async () => {
    const plain = await runStack("ningxia");
    assert.deepEqual(
      resourcesOfType(plain, "aws:iam/rolePolicy:RolePolicy")
        .map((policy) => policy.name)
        .filter((name) => name.endsWith("-node-vpc-ip")),
      [],
    );
  });
});
