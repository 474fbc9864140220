import { gunzipSync } from "zlib";
// The node group as the stack program declares it, run offline under mocks for the China stacks
// (ningxia, beijing), a global-partition variant and a multi-AZ group.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import YAML from "yaml";
import { uploadedNodeFiles } from "../support/node-bundle";
import { MIME_BOUNDARY } from "../../components/nodegroup/userdata";
import { MUTATING_ACTIONS, PolicyDocument } from "../../components/nodegroup/lambda-iam";
import { LambdaConfig, parseLambdaConfig } from "../../lambda/src/config";
import { ConfigError } from "../../stacks/config";
import { MOCK_CA_PEM, OfflineRun, RecordedResource, runOffline } from "../../stacks/offline/engine";
import { readStackFile } from "../../stacks/offline/stack-file";

const NODE_GROUP = "multus-eks:nodegroup:MultusNodeGroup";
const GROUP = "aws:autoscaling/group:Group";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const PERMISSION = "aws:lambda/permission:Permission";
const FUNCTION = "aws:lambda/function:Function";
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ROLE = "aws:iam/role:Role";
const CLUSTER = "eks-multus-cluster";

interface Outputs {
  subnetIds: { private: Record<string, string>; multus: Record<string, Record<string, string>> };
  securityGroupIds: { multus: Record<string, string>; cluster: string };
  nodeGroup: Record<string, unknown>;
}

function nodeGroupChildren(run: OfflineRun): RecordedResource[] {
  return run.resources.filter((resource) => resource.parent === `${NODE_GROUP}::${CLUSTER}`);
}

function one(run: OfflineRun, type: string, name?: string): RecordedResource {
  const found = nodeGroupChildren(run).filter(
    (resource) => resource.type === type && (name === undefined || resource.name === name),
  );
  assert.equal(
    found.length,
    1,
    `expected one ${type} ${name ?? ""} in the node group, found ${found.length}`,
  );
  return found[0];
}

function outputsOf(run: OfflineRun): Outputs {
  return run.outputs as unknown as Outputs;
}

function lambdaConfig(run: OfflineRun): LambdaConfig {
  const environment = one(run, FUNCTION).inputs.environment as { variables: Record<string, string> };
  return parseLambdaConfig(environment.variables.MULTUS_ENI_CONFIG);
}

function lambdaPolicy(run: OfflineRun): PolicyDocument {
  return JSON.parse(
    String(one(run, "aws:iam/rolePolicy:RolePolicy", `${CLUSTER}-eni-lambda`).inputs.policy),
  ) as PolicyDocument;
}

function trustedService(role: RecordedResource): string {
  const document = JSON.parse(String(role.inputs.assumeRolePolicy)) as {
    Statement: { Principal: { Service: string } }[];
  };
  assert.equal(document.Statement.length, 1);
  return document.Statement[0].Principal.Service;
}

/** The user data's parts by content type (the format itself is tested with the user data). */
function userDataParts(run: OfflineRun): Map<string, string> {
  const payload = Buffer.from(String(one(run, TEMPLATE).inputs.userData), "base64");
  // Over EC2's 16 KB the user data is gzip'd (nodeadm and cloud-init both read that).
  const text = (payload[0] === 0x1f && payload[1] === 0x8b ? gunzipSync(payload) : payload).toString("utf8");
  const parts = new Map<string, string>();
  for (const chunk of text.split(`--${MIME_BOUNDARY}`).slice(1)) {
    const match = /^\nContent-Type: ([^\n]+)\n\n([\s\S]*)$/.exec(chunk);
    if (match) parts.set(match[1], match[2]);
  }
  return parts;
}

const temporaryDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "multus-nodegroup-"));

/** A stack file outside the project, for variants the project does not ship. */
function stackFile(stack: string, config: Record<string, unknown>): string {
  const file = path.join(temporaryDirectory, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, YAML.stringify({ config }));
  return file;
}

describe("node group in the stack program (offline, under mocks)", () => {
  after(() => fs.rmSync(temporaryDirectory, { recursive: true, force: true }));

  describe("ningxia", () => {
    let run: OfflineRun;
    before(async () => {
      run = await runOffline(readStackFile("ningxia"));
    });

    it("hooks launching and terminating on the group itself, 300 s, ABANDON", () => {
      const hooks = one(run, GROUP).inputs.initialLifecycleHooks as Record<string, unknown>[];
      assert.deepEqual(
        hooks.map((hook) => [hook.lifecycleTransition, hook.heartbeatTimeout, hook.defaultResult]),
        [
          ["autoscaling:EC2_INSTANCE_LAUNCHING", 300, "ABANDON"],
          ["autoscaling:EC2_INSTANCE_TERMINATING", 300, "ABANDON"],
        ],
      );
    });

    it("matches exactly the group's lifecycle actions with the EventBridge rule", () => {
      const rule = one(run, RULE, `${CLUSTER}-lifecycle`);
      assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)), {
        source: ["aws.autoscaling"],
        "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
        detail: { AutoScalingGroupName: [`${CLUSTER}-multus-nodes`] },
      });
      assert.equal(one(run, GROUP).inputs.name, `${CLUSTER}-multus-nodes`);
      assert.equal(one(run, RULE, `${CLUSTER}-sweep`).inputs.scheduleExpression, "rate(10 minutes)");
    });

    it("lets only each rule invoke the Lambda", () => {
      for (const suffix of ["lifecycle", "sweep"]) {
        const permission = one(run, PERMISSION, `${CLUSTER}-${suffix}`).inputs;
        assert.equal(permission.principal, "events.amazonaws.com");
        assert.equal(permission.action, "lambda:InvokeFunction");
        assert.equal(permission.function, `${CLUSTER}-multus-eni`);
        // The mock engine names a rule's ARN after its resource (the service part is the mock's).
        assert.match(
          String(permission.sourceArn),
          new RegExp(`^arn:aws-cn:\\w+:cn-northwest-1:\\d{12}:.*/eventrule-${CLUSTER}-${suffix}$`),
        );
        const target = one(run, "aws:cloudwatch/eventTarget:EventTarget", `${CLUSTER}-${suffix}`).inputs;
        assert.equal(target.rule, `${CLUSTER}-${suffix}`);
        assert.match(String(target.arn), /^arn:aws-cn:lambda:cn-northwest-1:/);
      }
    });

    it("configures the Lambda with both networks at device indexes 1 and 2, their subnet in the node AZ and the Multus SG", () => {
      const outputs = outputsOf(run);
      const config = lambdaConfig(run);
      assert.equal(config.clusterName, CLUSTER);
      assert.deepEqual(
        config.networks.map((network) => ({ ...network })),
        ["ipvlan-conf-1", "ipvlan-conf-2"].map((name, index) => ({
          name,
          deviceIndex: index + 1,
          subnetIdsByAz: { "cn-northwest-1a": outputs.subnetIds.multus[name]["cn-northwest-1a"] },
          securityGroupIds: [outputs.securityGroupIds.multus[name]],
          prefixDelegation: false,
          ipam: "host-local",
        })),
      );
      assert.equal(config.tags["multus-eks/stack"], "ningxia");
      const lambda = one(run, FUNCTION).inputs;
      assert.equal(lambda.runtime, "nodejs22.x");
      assert.equal(lambda.handler, "index.handler");
      assert.ok(Number(lambda.timeout) < 300, "the Lambda must finish within the hook's heartbeat");
      assert.equal(lambda.memorySize, 256);
    });

    it("scopes the Lambda's policy: no mutating action on *, China ARNs, only the Multus subnets", () => {
      const policy = lambdaPolicy(run);
      const mutating = new Set(MUTATING_ACTIONS);
      for (const statement of policy.Statement) {
        const resources = ([] as string[]).concat(statement.Resource);
        if (statement.Action.some((action) => mutating.has(action))) {
          assert.ok(!resources.includes("*"), `${statement.Sid} grants a mutating action on *`);
        }
        for (const resource of resources.filter((item) => item !== "*")) {
          assert.match(resource, /^arn:aws-cn:/, `${statement.Sid}: ${resource}`);
        }
      }
      const subnetArns = [
        ...new Set(
          policy.Statement.flatMap((statement) => ([] as string[]).concat(statement.Resource)).filter(
            (resource) => resource.includes(":subnet/"),
          ),
        ),
      ];
      const multus = outputsOf(run).subnetIds.multus;
      assert.deepEqual(
        subnetArns.map((resource) => resource.split("/").pop()).sort(),
        [multus["ipvlan-conf-1"]["cn-northwest-1a"], multus["ipvlan-conf-2"]["cn-northwest-1a"]].sort(),
      );
      assert.ok(
        subnetArns.every((resource) =>
          resource.startsWith("arn:aws-cn:ec2:cn-northwest-1:123456789012:subnet/"),
        ),
      );
    });

    it("trusts ec2.amazonaws.com.cn for the nodes and attaches partition-built managed policies", () => {
      assert.equal(trustedService(one(run, ROLE, `${CLUSTER}-node`)), "ec2.amazonaws.com.cn");
      assert.equal(trustedService(one(run, ROLE, `${CLUSTER}-eni-lambda`)), "lambda.amazonaws.com");
      const attached = nodeGroupChildren(run)
        .filter((resource) => resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .map((resource) => resource.inputs.policyArn)
        .sort();
      assert.deepEqual(attached, [
        "arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
      ]);
      const entry = one(run, "aws:eks/accessEntry:AccessEntry").inputs;
      assert.equal(entry.type, "EC2_LINUX");
      assert.equal(entry.clusterName, CLUSTER);
      assert.equal(entry.principalArn, outputsOf(run).nodeGroup.nodeRoleArn);
    });

    it("writes no global-partition ARN or EC2 principal anywhere in the node group", () => {
      const text = JSON.stringify(nodeGroupChildren(run).map((resource) => resource.inputs));
      assert.ok(!text.includes("arn:aws:"), "an arn:aws: ARN in a China stack");
      assert.ok(!text.includes('"ec2.amazonaws.com"'), "the global EC2 principal in a China stack");
    });

    it("requires IMDSv2 (hop limit 1) and an encrypted gp3 root volume from the AL2023 SSM parameter", () => {
      const template = one(run, TEMPLATE).inputs;
      assert.deepEqual(template.metadataOptions, {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      });
      assert.deepEqual(template.blockDeviceMappings, [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        },
      ]);
      assert.equal(
        template.imageId,
        "resolve:ssm:/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id",
      );
      assert.equal(template.instanceType, "c5.large");
      assert.deepEqual(template.vpcSecurityGroupIds, [outputsOf(run).nodeGroup.securityGroupId]);
    });

    it("joins nodes with nodeadm (cluster, endpoint, CA, service CIDR, max pods) and ships multus1/multus2 in the node config", () => {
      const parts = userDataParts(run);
      const nodeConfig = YAML.parse(parts.get("application/node.eks.aws") ?? "") as {
        kind: string;
        spec: { cluster: Record<string, string>; kubelet: { maxPodsExpression: string; config?: unknown } };
      };
      assert.equal(nodeConfig.kind, "NodeConfig");
      assert.deepEqual(nodeConfig.spec.cluster, {
        name: CLUSTER,
        apiServerEndpoint: `https://${CLUSTER}.mock.eks.cn-northwest-1.amazonaws.com.cn`,
        certificateAuthority: Buffer.from(MOCK_CA_PEM).toString("base64"),
        cidr: "172.20.0.0/16",
      });
      // c5.large: (3 ENIs - 2 Multus ENIs) x (10 addresses - 1) + 2, for kubelet and kube-reserved alike
      assert.equal(nodeConfig.spec.kubelet.maxPodsExpression, "11");
      // The only kubelet config is the startup taint (CONTRACTS item 6), never config.maxPods.
      assert.deepEqual(nodeConfig.spec.kubelet.config, {
        registerWithTaints: [{ key: "multus-eks/not-ready", effect: "NoSchedule" }],
      });
      const files = uploadedNodeFiles(run);
      const config = JSON.parse(files.get("/etc/multus-eks/node-config.json")!.content) as {
        networks: { interfaceName: string; deviceIndex: number }[];
      };
      assert.deepEqual(
        config.networks.map((network) => [network.deviceIndex, network.interfaceName]),
        [
          [1, "multus1"],
          [2, "multus2"],
        ],
      );
      // The user data names the object and its digest; the object is exactly that.
      const object = one(run, "aws:s3/bucketObjectv2:BucketObjectv2").inputs;
      const digest = createHash("sha256")
        .update(Buffer.from(String(object.contentBase64), "base64"))
        .digest("hex");
      const script = parts.get("text/x-shellscript") ?? "";
      assert.match(script, new RegExp(`^MULTUS_NODE_FILES_SHA256='${digest}'$`, "m"));
      assert.match(script, new RegExp(`^MULTUS_NODE_FILES_KEY='${String(object.key)}'$`, "m"));
      assert.equal(object.key, `node-files/${digest}.tar.gz`);
      assert.match(script, /^MULTUS_NODE_FILES_REGION='cn-northwest-1'$/m);
    });

    it("keeps the node files in a private, encrypted, TLS-only bucket that only the node role reads and destroy empties", () => {
      const bucket = one(run, "aws:s3/bucket:Bucket");
      assert.equal(bucket.inputs.forceDestroy, true, "pulumi destroy must empty the bucket");
      const block = one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
      for (const flag of [
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
      ]) {
        assert.equal(block[flag], true, flag);
      }
      const sse = one(
        run,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      ).inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[];
      assert.equal(sse[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
      const ownership = one(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule as {
        objectOwnership: string;
      };
      assert.equal(ownership.objectOwnership, "BucketOwnerEnforced");
      const policy = JSON.parse(String(one(run, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as {
        Statement: { Effect: string; Condition?: unknown }[];
      };
      const tlsOnly = policy.Statement.find((statement) => statement.Effect === "Deny");
      assert.deepEqual(tlsOnly?.Condition, { Bool: { "aws:SecureTransport": "false" } });
      // Every S3 grant in the stack: only the node role's, only GetObject, only the node files prefix.
      const grants = run.resources
        .filter((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy")
        .map((resource) => JSON.parse(String(resource.inputs.policy)) as PolicyDocument)
        .flatMap((document) => document.Statement)
        .filter((statement) => JSON.stringify(statement.Action).includes("s3:"));
      assert.equal(grants.length, 1);
      assert.deepEqual(grants[0].Action, ["s3:GetObject"]);
      assert.match(JSON.stringify(grants[0].Resource), /^\["arn:aws-cn:s3:::[^"]+\/node-files\/\*"\]$/);
    });

    it("spans the first AZ's private subnet by default, tags instances for the cluster, drains on delete", () => {
      const group = one(run, GROUP).inputs;
      const outputs = outputsOf(run);
      assert.deepEqual(group.vpcZoneIdentifiers, [outputs.subnetIds.private["cn-northwest-1a"]]);
      assert.deepEqual([group.minSize, group.desiredCapacity, group.maxSize], [1, 1, 1]);
      assert.equal(group.forceDelete, false);
      assert.equal((group.launchTemplate as { id: string }).id, outputs.nodeGroup.launchTemplateId);
      const tags = group.tags as { key: string; value: string; propagateAtLaunch: boolean }[];
      assert.ok(
        tags.some(
          (tag) =>
            tag.key === `kubernetes.io/cluster/${CLUSTER}` && tag.value === "owned" && tag.propagateAtLaunch,
        ),
      );
      // The Lambda's policy lets it complete actions and attach only where this tag is present.
      assert.ok(
        tags.some(
          (tag) => tag.key === "multus-eks/cluster" && tag.value === CLUSTER && tag.propagateAtLaunch,
        ),
      );
    });

    it("opens the node security group as EKS needs and no more", () => {
      const outputs = outputsOf(run);
      const nodeGroupId = outputs.nodeGroup.securityGroupId;
      const clusterId = outputs.securityGroupIds.cluster;
      const rules = nodeGroupChildren(run)
        .filter((resource) => resource.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .map((resource) => {
          const inputs = resource.inputs;
          return [
            inputs.securityGroupId,
            inputs.referencedSecurityGroupId,
            inputs.ipProtocol,
            inputs.fromPort ?? null,
            inputs.toPort ?? null,
          ];
        });
      assert.deepEqual(
        rules.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [
          [nodeGroupId, nodeGroupId, "-1", null, null],
          [nodeGroupId, clusterId, "tcp", 443, 443],
          [nodeGroupId, clusterId, "tcp", 1025, 65535],
          [clusterId, nodeGroupId, "tcp", 443, 443],
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
    });

    it("reports the node group in the stack outputs", () => {
      const nodeGroup = outputsOf(run).nodeGroup;
      assert.equal(nodeGroup.autoScalingGroupName, `${CLUSTER}-multus-nodes`);
      assert.equal(nodeGroup.eniLambdaName, `${CLUSTER}-multus-eni`);
      assert.match(String(nodeGroup.launchTemplateId), /^lt-[0-9a-f]{17}$/);
      assert.match(String(nodeGroup.nodeRoleArn), /^arn:aws-cn:iam::\d{12}:role\//);
      assert.equal(nodeGroup.maxPods, 11);
    });
  });

  it("beijing: China partition, the group in cn-north-1a", async () => {
    const run = await runOffline(readStackFile("beijing"));
    assert.equal(trustedService(one(run, ROLE, `${CLUSTER}-node`)), "ec2.amazonaws.com.cn");
    assert.deepEqual(one(run, GROUP).inputs.vpcZoneIdentifiers, [
      outputsOf(run).subnetIds.private["cn-north-1a"],
    ]);
    assert.deepEqual(Object.keys(lambdaConfig(run).networks[0].subnetIdsByAz), ["cn-north-1a"]);
    const text = JSON.stringify(nodeGroupChildren(run).map((resource) => resource.inputs));
    assert.ok(!text.includes("arn:aws:"));
    assert.ok(
      lambdaPolicy(run).Statement.every((statement) =>
        ([] as string[])
          .concat(statement.Resource)
          .every(
            (item) =>
              item === "*" ||
              item.startsWith("arn:aws-cn:ec2:cn-north-1:") ||
              item.startsWith("arn:aws-cn:autoscaling:cn-north-1:"),
          ),
      ),
    );
  });

  it("us-west-2: the global partition's ARNs and principals", async () => {
    const run = await runOffline(
      readStackFile(
        stackFile("oregon", {
          "aws:region": "us-west-2",
          "multus-eks:availabilityZones": ["us-west-2a", "us-west-2b"],
        }),
      ),
    );
    assert.equal(trustedService(one(run, ROLE, `${CLUSTER}-node`)), "ec2.amazonaws.com");
    const text = JSON.stringify(nodeGroupChildren(run).map((resource) => resource.inputs));
    assert.ok(!text.includes("aws-cn"), "a China ARN in a global stack");
    assert.ok(!text.includes("amazonaws.com.cn"));
    assert.ok(text.includes("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"));
    for (const statement of lambdaPolicy(run).Statement) {
      for (const resource of ([] as string[]).concat(statement.Resource).filter((item) => item !== "*")) {
        assert.match(resource, /^arn:aws:(ec2|autoscaling):us-west-2:/);
      }
    }
  });

  it("multi-AZ through config: the group over both private subnets, the Lambda and its policy in both AZs", async () => {
    const zones = ["cn-northwest-1a", "cn-northwest-1b"];
    const run = await runOffline(
      readStackFile(
        stackFile("ningxia-multi-az", {
          "aws:region": "cn-northwest-1",
          "multus-eks:availabilityZones": zones,
          "multus-eks:nodeAvailabilityZones": zones,
          "multus-eks:nodeDesiredSize": 2,
          "multus-eks:nodeMaxSize": 4,
          "multus-eks:nodeInstanceType": "m5.xlarge",
        }),
      ),
    );
    const outputs = outputsOf(run);
    const group = one(run, GROUP).inputs;
    assert.deepEqual(
      group.vpcZoneIdentifiers,
      zones.map((zone) => outputs.subnetIds.private[zone]),
    );
    assert.deepEqual([group.desiredCapacity, group.maxSize], [2, 4]);
    for (const network of lambdaConfig(run).networks) {
      assert.deepEqual(network.subnetIdsByAz, outputs.subnetIds.multus[network.name]);
    }
    const subnetArns = new Set(
      lambdaPolicy(run)
        .Statement.flatMap((statement) => ([] as string[]).concat(statement.Resource))
        .filter((resource) => resource.includes(":subnet/")),
    );
    assert.equal(subnetArns.size, 4);
    // m5.xlarge: (4 ENIs - 2) x (15 - 1) + 2
    assert.equal(outputs.nodeGroup.maxPods, 30);
  });

  it("refuses an instance type of unknown ENI limits when nodeMaxPods is 0, naming the settings", async () => {
    const file = stackFile("unknown-type", {
      "aws:region": "cn-northwest-1",
      "multus-eks:availabilityZones": ["cn-northwest-1a", "cn-northwest-1b"],
      "multus-eks:nodeInstanceType": "x2gd.medium",
    });
    await assert.rejects(runOffline(readStackFile(file)), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.problems[0].setting, "multus-eks:nodeMaxPods");
      assert.match(error.problems[0].message, /x2gd\.medium/);
      return true;
    });
  });
});
