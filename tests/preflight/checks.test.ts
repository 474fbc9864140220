// Every preflight check against moto (instance types, AZs, account attributes, VPC quotas, ECR
// tokens, STS), the gap-filling fake for what moto does not serve in China, and a fake registry:
// first a healthy account, then each ✗ with the words the user reads.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AllocateAddressCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import { motoClientConfig } from "../support/moto";
import { createClients, PreflightContext } from "../../stacks/preflight/context";
import { runChecks } from "../../stacks/preflight/runner";
import {
  settingsOf,
  MOTO_ECR_AUTHORIZATION,
  MULTUS_IMAGE,
  preflight,
  SAMPLE_IMAGE,
  useWorld,
} from "./harness";

describe("preflight checks", function () {
  this.timeout(60_000);
  const world = useWorld();

  it("fails the shipped stack's API endpoint check until it says where pulumi up runs from (issue 20)", async () => {
    const line = (await preflight(world, "ningxia")).line("API endpoint reachable");
    assert.equal(line.status, "fail");
    // Both ways out, each as the command a user types.
    assert.match(line.fix ?? "", /pulumi config set multus-eks:endpointPublicAccess true/);
    assert.match(line.fix ?? "", /pulumi config set multus-eks:deployFrom vpc/);
    const open = (
      await preflight(world, "ningxia", {
        endpointPublicAccess: true,
        endpointPublicAccessCidrs: ["203.0.113.7/32"],
      })
    ).line("API endpoint reachable");
    assert.equal(open.status, "pass", open.detail);
  });

  it("shows the VPC CNI versions the region offers, and refuses a pinned one it does not (issue 21)", async () => {
    const held = (await preflight(world, "ningxia")).line("VPC CNI version");
    assert.equal(held.status, "pass", held.detail);
    assert.match(held.detail, /EKS's default v1\.19\.2-eksbuild\.1 at creation, then held/);
    assert.match(
      held.detail,
      /offered for Kubernetes 1\.35 in cn-northwest-1: v1\.20\.4-eksbuild\.1, v1\.19\.2-eksbuild\.1$/,
    );
    const pinned = (await preflight(world, "ningxia", { vpcCniVersion: "v1.20.4-eksbuild.1" })).line(
      "VPC CNI version",
    );
    assert.equal(pinned.status, "pass", pinned.detail);
    const missing = (await preflight(world, "ningxia", { vpcCniVersion: "v1.17.1-eksbuild.1" })).line(
      "VPC CNI version",
    );
    assert.equal(missing.status, "fail");
    assert.match(missing.fix ?? "", /pulumi config set multus-eks:vpcCniVersion v1\.19\.2-eksbuild\.1/);
    assert.ok(world.gaps.answered.includes("eks:DescribeAddonVersions"));
  });

  it("passes every check of the ningxia stack in a healthy account, asking what a node would", async () => {
    // With the one line the README's deploy step adds for a deployment from inside the VPC.
    const run = await preflight(world, "ningxia", { deployFrom: "vpc" });
    const failed = run.outcomes.filter((outcome) => outcome.result.status !== "pass");
    assert.deepEqual(
      failed.map((outcome) => `${outcome.check.name}: ${outcome.result.detail}`),
      [],
    );
    // moto's DescribeInstanceTypes decides the facts: c5.large has 3 ENIs of 10 IPv4, Nitro.
    assert.match(
      run.line("Multus networks fit").detail,
      /c5\.large: 3 ENIs × 10 IPv4, Nitro \(from EC2\).*maxPods 11/,
    );
    assert.match(run.line("AWS credentials").detail, /account 123456789012 as arn:aws-cn:/);
    assert.match(
      run.line("EC2-VPC Elastic IPs").detail,
      /0 used \+ 2 .* of 5 \(EC2 account attribute vpc-max-elastic-ips\)/,
    );
    assert.match(run.line("VPCs per Region").detail, /of 5 \(Service Quotas\)/);
    // Pulled the way a node pulls: moto's ECR token as Basic credentials, manifest media types.
    const paths = world.registry.requests.map((request) => request.path).sort();
    assert.deepEqual(paths, [
      `/v2/eks/multus-cni/manifests/v4.1.4-eksbuild.3_thick`,
      `/v2/multus-samples/busybox/manifests/1.36.1`,
    ]);
    for (const request of world.registry.requests) {
      assert.equal(request.headers.authorization, MOTO_ECR_AUTHORIZATION);
      assert.match(String(request.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json/);
      assert.match(
        String(request.headers.accept),
        /application\/vnd\.docker\.distribution\.manifest\.v2\+json/,
      );
    }
    // The fake answered only what moto lacks.
    assert.deepEqual([...new Set(world.gaps.answered)].sort(), [
      "ec2:DescribeInstanceTypeOfferings",
      "eks:DescribeAddonVersions",
      "eks:DescribeClusterVersions",
      "servicequotas:GetServiceQuota",
      "ssm:GetParameter",
    ]);
    // 1 × c5.large (2 vCPUs, per moto) + the t3.medium bastion (2).
    assert.equal(
      run.line("On-Demand Standard vCPUs").detail,
      "0 used + 4 (4 vCPUs: 1 × c5.large and the t3.medium bastion) of 32 (Service Quotas)",
    );
  });

  it("✗ when EKS does not offer the Kubernetes version in the region", async () => {
    world.gaps.answers.clusterVersions.splice(2);
    const line = (await preflight(world, "ningxia")).line("EKS version");
    assert.equal(line.status, "fail");
    assert.equal(line.detail, "EKS in cn-northwest-1 does not offer Kubernetes 1.35; offered: 1.33, 1.34");
    assert.match(
      line.fix!,
      /set kubernetesVersion to one of 1\.33, 1\.34 \(pulumi config set kubernetesVersion 1\.34\)/,
    );
  });

  it("✗ when the version is listed but unsupported", async () => {
    world.gaps.answers.clusterVersions[2] = { clusterVersion: "1.35", versionStatus: "UNSUPPORTED" };
    const line = (await preflight(world, "ningxia")).line("EKS version");
    assert.equal(line.status, "fail");
    assert.match(line.detail, /does not offer Kubernetes 1\.35 \(UNSUPPORTED\)/);
  });

  it("✗ when the AL2023 AMI parameter does not resolve", async () => {
    delete world.gaps.answers.parameters[
      "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id"
    ];
    const line = (await preflight(world, "ningxia")).line("node AMI");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /SSM parameter \/aws\/service\/eks\/optimized-ami\/1\.35\/amazon-linux-2023\/x86_64\/standard\/recommended\/image_id does not exist in cn-northwest-1/,
    );
    assert.match(
      line.fix!,
      /set kubernetesVersion to a version with an AL2023 AMI in cn-northwest-1, or set nodeAmiId/,
    );
  });

  it("✗ when nodeAmiId names an AMI that does not exist (moto answers)", async () => {
    const line = (await preflight(world, "ningxia", { nodeAmiId: "ami-0123456789abcdef0" })).line("node AMI");
    assert.equal(line.status, "fail");
    assert.equal(line.detail, "nodeAmiId ami-0123456789abcdef0 does not exist in cn-northwest-1");
  });

  it("✗ when the instance type is not offered in a node AZ", async () => {
    world.gaps.answers.offerings["c5.large"] = ["cn-northwest-1b", "cn-northwest-1c"];
    const line = (await preflight(world, "ningxia")).line("offered in the AZs");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /nodeInstanceType: c5\.large is not offered in cn-northwest-1a \(cn-northwest-1 offers it in cn-northwest-1b, cn-northwest-1c\)/,
    );
  });

  it("✗ when the bastion's type is not offered in the first AZ", async () => {
    world.gaps.answers.offerings["t3.medium"] = ["cn-northwest-1c"];
    const line = (await preflight(world, "ningxia")).line("offered in the AZs");
    assert.equal(line.status, "fail");
    assert.match(line.detail, /bastionInstanceType: t3\.medium is not offered in cn-northwest-1a/);
  });

  it("✗ when EC2 does not know the instance type", async () => {
    const line = (await preflight(world, "ningxia", { nodeInstanceType: "c5.nope", nodeMaxPods: 20 })).line(
      "Multus networks fit",
    );
    assert.equal(line.status, "fail");
    assert.equal(line.detail, "nodeInstanceType c5.nope does not exist in cn-northwest-1");
  });

  it("✗ when the type has too few ENIs for the Multus networks (m4.large: 2 ENIs per moto)", async () => {
    world.gaps.answers.offerings["m4.large"] = ["cn-northwest-1a"];
    const line = (await preflight(world, "ningxia", { nodeInstanceType: "m4.large" })).line(
      "Multus networks fit",
    );
    assert.equal(line.status, "fail");
    assert.match(line.detail, /m4\.large: 2 ENIs × 10 IPv4, Xen \(from EC2\)/);
    assert.match(
      line.detail,
      /m4\.large attaches at most 2 ENIs, but the Multus networks need device index 2/,
    );
    assert.match(line.fix!, /nodeInstanceType/);
  });

  it("✗ when an eni-prefix network is on a Xen type (m4.xlarge per moto)", async () => {
    const line = (
      await preflight(world, "ningxia", {
        nodeInstanceType: "m4.xlarge",
        networks: [{ name: "routed", ipam: "eni-prefix" }],
      })
    ).line("Multus networks fit");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /m4\.xlarge is not a Nitro instance, but network\(s\) routed use ipam "eni-prefix"/,
    );
  });

  it("derives maxPods from EC2 for a type the table does not list (m7i.large)", async () => {
    const line = (await preflight(world, "ningxia", { nodeInstanceType: "m7i.large" })).line(
      "Multus networks fit",
    );
    assert.equal(line.status, "pass", line.detail);
    // moto (AWS's published data): m7i.large, 3 ENIs × 10 IPv4 → (3 − 2) × 9 + 2.
    assert.match(line.detail, /m7i\.large: 3 ENIs × 10 IPv4, Nitro \(from EC2\).*maxPods 11$/);
  });

  it("✗ when the Multus image is not published in the region's EKS registry", async () => {
    world.registry.images.delete(MULTUS_IMAGE);
    world.registry.images.add("eks/multus-cni:v3.9.2-eksbuild.1");
    const line = (await preflight(world, "ningxia")).line("Multus image");
    assert.equal(line.status, "fail");
    assert.equal(
      line.detail,
      "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn/eks/multus-cni:v4.1.4-eksbuild.3_thick: not in the registry " +
        "(MANIFEST_UNKNOWN: manifest unknown: eks/multus-cni:v4.1.4-eksbuild.3_thick)",
    );
    assert.match(
      line.fix!,
      /is not published in cn-northwest-1's EKS registry .* set multusImageRegistry and multusImageRepository/,
    );
  });

  it("✗ when the default sample image is not mirrored into the account's ECR", async () => {
    world.registry.images.delete(SAMPLE_IMAGE);
    const line = (await preflight(world, "ningxia")).line("sample image");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /^123456789012\.dkr\.ecr\.cn-northwest-1\.amazonaws\.com\.cn\/multus-samples\/busybox:1\.36\.1: not in the registry \(NAME_UNKNOWN/,
    );
    assert.match(
      line.fix!,
      /create the ECR repository multus-samples\/busybox in cn-northwest-1 and push busybox:1\.36\.1/,
    );
  });

  it("skips the sample image when the samples are off, and the Multus image with a Helm install", async () => {
    const run = await preflight(world, "ningxia", {
      samplesEnabled: false,
      multusInstall: "helm",
      multusHelmChart: "oci://registry.example.cn/charts/multus",
    });
    assert.equal(run.line("sample image").status, "skip");
    assert.equal(run.line("Multus image").status, "skip");
  });

  it("✗ when the registry refuses the account's ECR token", async () => {
    world.registry.expectedAuthorization = "Basic c29tZW9uZS1lbHNl";
    const line = (await preflight(world, "ningxia")).line("Multus image");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /the registry refused this account's ECR token, HTTP 401 \(UNAUTHORIZED: authentication required\)/,
    );
    assert.match(line.fix!, /ecr:BatchGetImage on eks\/multus-cni/);
  });

  it("✗ when ECR GetAuthorizationToken is denied", async () => {
    world.gaps.answers.errors["ecr:GetAuthorizationToken"] = {
      status: 400,
      code: "AccessDeniedException",
      message: "User is not authorized to perform: ecr:GetAuthorizationToken",
    };
    const line = (await preflight(world, "ningxia")).line("Multus image");
    assert.equal(line.status, "fail");
    assert.match(line.detail, /ECR GetAuthorizationToken \(cn-northwest-1\) failed: AccessDeniedException/);
    assert.match(line.fix!, /grant ecr:GetAuthorizationToken/);
  });

  it("✗ when the registry cannot be reached", async () => {
    const line = (await preflight(world, "ningxia", {}, { registryBaseUrl: "http://127.0.0.1:9" })).line(
      "Multus image",
    );
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /cannot reach 961992271922\.dkr\.ecr\.cn-northwest-1\.amazonaws\.com\.cn: .*ECONNREFUSED/,
    );
  });

  it("✗ when the registry answers with an error of its own", async () => {
    world.registry.outageStatus = 503;
    const line = (await preflight(world, "ningxia")).line("Multus image");
    assert.equal(line.status, "fail");
    assert.match(line.detail, /: the registry answered HTTP 503 \(UNAVAILABLE: service unavailable\)$/);
  });

  it("✗ when no quota value can be read (Service Quotas denied, no account attribute)", async () => {
    const denied = { status: 400, code: "AccessDeniedException", message: "not authorized" };
    world.gaps.answers.errors["servicequotas:GetServiceQuota"] = denied;
    world.gaps.answers.errors["servicequotas:GetAWSDefaultServiceQuota"] = denied;
    const run = await preflight(world, "ningxia");
    const line = run.line("VPCs per Region");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /^VPCs per Region \(vpc\/L-F678F1CE\) failed: .*AccessDeniedException: not authorized/,
    );
    assert.match(line.fix!, /grant servicequotas:GetServiceQuota/);
    // The Elastic IP limit still comes from the EC2 account attribute.
    assert.equal(run.line("EC2-VPC Elastic IPs").status, "pass");
  });

  it("✗ when the VPCs per Region quota is used up (moto's VPC quota, moto's VPCs)", async () => {
    const ec2 = new EC2Client(motoClientConfig(world.moto.endpoint));
    for (let index = 0; index < 4; index++)
      await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${index + 10}.0.0/16` }));
    const line = (await preflight(world, "ningxia")).line("VPCs per Region");
    assert.equal(line.status, "fail");
    // moto starts with its default VPC: 1 + 4 in use.
    assert.equal(line.detail, "5 used + 1 (1 VPC) of 5 (Service Quotas)");
    assert.match(
      line.fix!,
      /--service-code vpc --quota-code L-F678F1CE --desired-value 6 --region cn-northwest-1/,
    );
  });

  it("✗ when the NAT gateways' Elastic IPs do not fit; Service Quotas' value wins when it answers", async () => {
    const ec2 = new EC2Client(motoClientConfig(world.moto.endpoint));
    for (let index = 0; index < 4; index++) await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    const short = (await preflight(world, "ningxia")).line("EC2-VPC Elastic IPs");
    assert.equal(short.status, "fail");
    assert.equal(
      short.detail,
      "4 used + 2 (2 Elastic IP(s), one per NAT gateway) of 5 (EC2 account attribute vpc-max-elastic-ips)",
    );
    world.gaps.answers.quotas["ec2/L-0263D0A3"] = 20;
    const raised = (await preflight(world, "ningxia")).line("EC2-VPC Elastic IPs");
    assert.equal(raised.status, "pass");
    assert.equal(raised.detail, "4 used + 2 (2 Elastic IP(s), one per NAT gateway) of 20 (Service Quotas)");
  });

  it("✗ when the network interfaces would exceed the quota", async () => {
    world.gaps.answers.quotas["vpc/L-DF5E4CA3"] = 30;
    const line = (await preflight(world, "ningxia", { nodeMaxSize: 10, nodeDesiredSize: 1 })).line(
      "Network interfaces per Region",
    );
    assert.equal(line.status, "fail");
    // 10 nodes × 3 ENIs (c5.large's limit) + 2 NAT gateways + 4 EKS + 1 bastion.
    assert.equal(
      line.detail,
      "0 used + 37 (up to 37 ENIs: 10 node(s) × 3, 2 NAT gateway(s), 4 for the EKS control plane, 1 for the bastion) of 30 (Service Quotas)",
    );
  });

  it("✗ when running On-Demand standard instances leave too few vCPUs (other families aside)", async () => {
    const ec2 = new EC2Client(motoClientConfig(world.moto.endpoint));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.50.0.0/16" }));
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.Vpc!.VpcId!,
        CidrBlock: "10.50.1.0/24",
        AvailabilityZone: "cn-northwest-1a",
      }),
    );
    const run = (type: _InstanceType): Promise<unknown> =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-12c6146b",
          InstanceType: type,
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnet.Subnet!.SubnetId!,
        }),
      );
    await run("c5.xlarge");
    await run("c5.xlarge");
    await run("p3.2xlarge"); // not a standard family: its own quota
    world.gaps.answers.quotas["ec2/L-1216C47A"] = 10;
    const line = (await preflight(world, "ningxia")).line("On-Demand Standard vCPUs");
    assert.equal(line.status, "fail");
    assert.equal(
      line.detail,
      "8 used + 4 (4 vCPUs: 1 × c5.large and the t3.medium bastion) of 10 (Service Quotas)",
    );
    assert.match(line.fix!, /--service-code ec2 --quota-code L-1216C47A --desired-value 12/);
  });

  it("✗ when an AZ does not exist in the account (beijing: moto has only cn-north-1a and b)", async () => {
    const line = (
      await preflight(world, "beijing", { availabilityZones: ["cn-north-1a", "cn-north-1d"] })
    ).line("availability zones");
    assert.equal(line.status, "fail");
    assert.equal(
      line.detail,
      "cn-north-1d does not exist in this account (available in cn-north-1: cn-north-1a, cn-north-1b)",
    );
  });

  it("✗ when an AZ of the stack is not available", async () => {
    world.gaps.answers.zoneStates = {
      "cn-northwest-1a": "available",
      "cn-northwest-1b": "impaired",
      "cn-northwest-1c": "available",
    };
    const line = (await preflight(world, "ningxia")).line("availability zones");
    assert.equal(line.status, "fail");
    assert.equal(
      line.detail,
      "cn-northwest-1b is impaired (available in cn-northwest-1: cn-northwest-1a, cn-northwest-1c)",
    );
    assert.match(
      line.fix!,
      /set availabilityZones \(and nodeAvailabilityZones\) to available AZs of cn-northwest-1/,
    );
  });

  it("✗ when STS fails for another reason than credentials", async () => {
    world.gaps.answers.errors["sts:GetCallerIdentity"] = {
      status: 400,
      code: "RegionDisabledException",
      message: "STS is not activated",
    };
    const line = (await preflight(world, "ningxia")).line("AWS credentials");
    assert.equal(line.status, "fail");
    assert.match(line.detail, /^STS GetCallerIdentity in cn-northwest-1 failed: /);
    assert.match(line.fix!, /reaches the STS endpoint of cn-northwest-1/);
  });

  it("✗ when the credentials are of another partition", async () => {
    world.gaps.answers.callerArn = "arn:aws:iam::210987654321:user/global";
    const line = (await preflight(world, "ningxia")).line("AWS credentials");
    assert.equal(line.status, "fail");
    assert.match(line.detail, /an identity of partition "aws", but cn-northwest-1 is in "aws-cn"/);
  });

  it("✗ with no credentials, and every AWS check says why it did not run", async () => {
    const saved = { ...process.env };
    const empty = mkdtempSync(join(tmpdir(), "no-aws-"));
    writeFileSync(join(empty, "config"), "");
    try {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      Object.assign(process.env, {
        AWS_PROFILE: "nobody",
        AWS_CONFIG_FILE: join(empty, "config"),
        AWS_SHARED_CREDENTIALS_FILE: join(empty, "config"),
      });
      const run = await preflight(world, "ningxia");
      const line = run.line("AWS credentials");
      assert.equal(line.status, "fail");
      assert.match(line.fix!, /set AWS_PROFILE to a profile of ~\/\.aws\/config/);
      assert.equal(run.line("VPCs per Region").status, "skip");
      assert.match(
        run.line("availability zones").detail,
        /needs working AWS credentials \(see credentials\)/,
      );
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("✗ when provider plugins are missing or half-installed", async () => {
    const plugins = join(world.pluginDirectory);
    mkdirSync(plugins, { recursive: true });
    writeFileSync(join(plugins, "resource-eks-v4.3.0.partial"), "");
    const { rmSync } = await import("node:fs");
    rmSync(join(plugins, "resource-kubernetes-v4.19.0"), { recursive: true });
    const line = (await preflight(world, "ningxia")).line("Pulumi plugins");
    assert.equal(line.status, "fail");
    assert.match(
      line.detail,
      /missing from .*: eks 4\.3\.0 \(@pulumi\/eks 4\.3\.0\), kubernetes 4\.19\.0 \(the eks 4\.3\.0 provider's children\)$/,
    );
    assert.match(
      line.fix!,
      /pulumi plugin install resource eks 4\.3\.0; pulumi plugin install resource kubernetes 4\.19\.0/,
    );
  });

  it("asks `pulumi plugin ls` when the CLI is on PATH and no directory is given", async () => {
    // The CLI's listing (versions as it prints them); the eks children's kubernetes 4.19.0 is absent.
    world.installPulumiCli([
      { name: "aws", kind: "resource", version: "7.48.0" },
      { name: "eks", kind: "resource", version: "4.3.0" },
      { name: "kubernetes", kind: "resource", version: "4.34.2" },
      { name: "aws", kind: "resource", version: "7.25.0" },
      { name: "nodejs", kind: "language", version: "3.248.0" },
    ]);
    const line = (await preflight(world, "ningxia", {}, { pluginDirectory: null })).line("Pulumi plugins");
    assert.equal(line.status, "fail");
    assert.equal(
      line.detail,
      "missing from `pulumi plugin ls`: kubernetes 4.19.0 (the eks 4.3.0 provider's children)",
    );
  });

  it("✗ when the aws CLI is missing or too old for @pulumi/eks", async () => {
    world.removeAwsCli();
    const missing = (await preflight(world, "ningxia")).line("AWS CLI");
    assert.equal(missing.status, "fail");
    assert.match(missing.detail, /`aws` is not on PATH: the cluster's kubeconfig runs `aws eks get-token`/);
    world.installAwsCli("aws-cli/2.6.4 Python/3.9.11 Linux/5.10 exe/x86_64.amzn.2");
    const old = (await preflight(world, "ningxia")).line("AWS CLI");
    assert.equal(old.status, "fail");
    assert.equal(old.detail, "aws-cli 2.6.4 is older than 2.7.0, the oldest @pulumi/eks accepts");
    world.installAwsCli("aws-cli/1.23.9 Python/3.8.0 Linux/5.10 botocore/1.25.0");
    assert.equal((await preflight(world, "ningxia")).line("AWS CLI").status, "fail");
    world.installAwsCli("aws-cli/1.24.0 Python/3.8.0 Linux/5.10 botocore/1.26.0");
    assert.equal((await preflight(world, "ningxia")).line("AWS CLI").status, "pass");
  });

  it("turns a check that throws into a ✗, not a crash", async () => {
    const settings = settingsOf("ningxia");
    const context = new PreflightContext(settings, createClients(settings.region.name));
    const [outcome] = await runChecks(context, [
      {
        family: "test",
        name: "throws",
        run: () => Promise.reject(new Error("boom")),
      },
    ]);
    assert.equal(outcome.result.status, "fail");
    assert.equal(outcome.result.detail, "the check itself failed: boom");
  });
});
