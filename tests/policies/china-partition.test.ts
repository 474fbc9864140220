import { strict as assert } from "assert";
import { CHINA_PARTITION } from "../../policies/rules/china-partition";
import { registryOf } from "../../policies/rules/support/images";
import { messages, record, violationsOf } from "./support";

const CN = "cn-northwest-1";
const ECR_CN = "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn";
const role = (principal: string, region = CN) =>
  record(
    "aws:iam/role:Role",
    "node",
    {
      assumeRolePolicy: JSON.stringify({
        Statement: [{ Effect: "Allow", Principal: { Service: principal }, Action: "sts:AssumeRole" }],
      }),
    },
    { region },
  );
const attachment = (policyArn: string, region = CN) =>
  record("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ssm", { role: "node", policyArn }, { region });
const pod = (image: string) =>
  record("kubernetes:core/v1:Pod", "sampleapp", { spec: { containers: [{ name: "app", image }] } });
const daemonSet = (image: string) =>
  record("kubernetes:apps/v1:DaemonSet", "multus", {
    spec: {
      template: {
        spec: {
          initContainers: [{ name: "install", image: `${ECR_CN}/eks/multus-cni:v4` }],
          containers: [{ name: "m", image }],
        },
      },
    },
  });

describe("policy china-partition", () => {
  describe("passes", () => {
    it("aws-cn ARNs, the China ec2 principal and ECR images in a China stack", async () => {
      const found = await violationsOf(CHINA_PARTITION, [
        role("ec2.amazonaws.com.cn"),
        attachment("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore"),
        daemonSet(`${ECR_CN}/eks/multus-cni:v4.1.4-eksbuild.3_thick`),
        pod("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/samples/busybox:1.36"),
      ]);
      assert.deepEqual(messages(found), []);
    });
    it("global principals and arn:aws: ARNs in a global-partition stack (not applicable)", async () => {
      const found = await violationsOf(CHINA_PARTITION, [
        role("ec2.amazonaws.com", "us-west-2"),
        attachment("arn:aws:iam::aws:policy/X", "us-west-2"),
      ]);
      assert.deepEqual(messages(found), []);
    });
    it("an image from a registry added to allowedRegistries", async () => {
      const found = await violationsOf(
        CHINA_PARTITION,
        [role("ec2.amazonaws.com.cn"), pod("harbor.example.cn/library/busybox:1")],
        {
          allowedRegistries: ["harbor.example.cn"],
        },
      );
      assert.deepEqual(messages(found), []);
    });
  });

  describe("violates", () => {
    it("an arn:aws: ARN in a China stack, naming the resource, the property and the fix", async () => {
      const found = await violationsOf(CHINA_PARTITION, [
        attachment("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),
      ]);
      assert.equal(found.length, 1);
      assert.equal(found[0].enforcementLevel, "mandatory");
      assert.match(
        found[0].message,
        /ssm \(aws:iam\/rolePolicyAttachment:RolePolicyAttachment::ssm\): policyArn holds the global-partition ARN arn:aws:iam::aws:policy\/AmazonSSMManagedInstanceCore/,
      );
      assert.match(found[0].message, /arn:aws-cn:/);
    });
    it("the global ec2 service principal in a China trust policy", async () => {
      const found = await violationsOf(CHINA_PARTITION, [role("ec2.amazonaws.com")]);
      assert.match(
        messages(found).join(),
        /assumeRolePolicy names the service principal ec2\.amazonaws\.com.*use ec2\.amazonaws\.com\.cn/,
      );
    });
    it("unqualified and public-registry images (busybox, ghcr.io, quay.io, registry.k8s.io)", async () => {
      const found = await violationsOf(CHINA_PARTITION, [
        role("ec2.amazonaws.com.cn"),
        pod("busybox"),
        daemonSet("ghcr.io/k8snetworkplumbingwg/multus-cni:v4"),
        record("kubernetes:batch/v1:Job", "check", {
          spec: {
            template: {
              spec: { containers: [{ image: "quay.io/x/y" }, { image: "registry.k8s.io/pause:3.9" }] },
            },
          },
        }),
      ]);
      const text = messages(found).join("\n");
      assert.match(
        text,
        /sampleapp .*spec\.containers\[0\]\.image uses image "busybox" from docker\.io.*Mirror the image into Amazon ECR/,
      );
      assert.match(text, /"ghcr\.io\/k8snetworkplumbingwg\/multus-cni:v4" from ghcr\.io/);
      assert.match(text, /quay\.io/);
      assert.match(text, /registry\.k8s\.io/);
      assert.equal(found.length, 4);
    });
    it("a Helm release whose values name a Docker Hub image", async () => {
      const release = record("kubernetes:helm.sh/v3:Release", "whereabouts", {
        values: { image: { repository: "bitnami/whereabouts", tag: "0.8" } },
      });
      const found = await violationsOf(CHINA_PARTITION, [role("ec2.amazonaws.com.cn"), release]);
      assert.match(
        messages(found).join(),
        /values\.image uses image "bitnami\/whereabouts:0\.8" from docker\.io/,
      );
    });
    it("an image outside a narrowed allow-list, with partition forced by config", async () => {
      const found = await violationsOf(CHINA_PARTITION, [pod("harbor.example.cn/x:1")], {
        partition: "aws-cn",
      });
      assert.match(messages(found).join(), /from harbor\.example\.cn, which is not in allowedRegistries/);
    });
  });

  it("reads registries the way container runtimes do", () => {
    assert.equal(registryOf("busybox"), "docker.io");
    assert.equal(registryOf("library/nginx:1"), "docker.io");
    assert.equal(registryOf("index.docker.io/library/nginx"), "docker.io");
    assert.equal(registryOf("localhost:5000/x"), "localhost:5000");
    assert.equal(registryOf(`${ECR_CN}/eks/multus-cni@sha256:abc`), ECR_CN);
  });
});
