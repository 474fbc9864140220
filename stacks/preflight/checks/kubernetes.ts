/**
 * The Kubernetes version: offered by EKS in the region (DescribeClusterVersions), and its AL2023
 * AMI parameter resolves (SSM GetParameter on the public EKS parameter the launch template names),
 * or, with nodeAmiId, the AMI exists (DescribeImages).
 */
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import {
  DescribeAddonVersionsCommand,
  DescribeClusterVersionsCommand,
  type AddonVersionInfo,
  type ClusterVersionInformation,
} from "@aws-sdk/client-eks";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { eksOptimizedAmiReference } from "../../../components/nodegroup/plan";
import { awsCallFailed, Check, errorName, fail, pass } from "../types";

/** The parameter the launch template resolves (its `resolve:ssm:` reference, without the prefix). */
function amiParameter(kubernetesVersion: string): string {
  return eksOptimizedAmiReference(kubernetesVersion).replace(/^resolve:ssm:/, "");
}

const SUPPORTED = new Set(["STANDARD_SUPPORT", "EXTENDED_SUPPORT"]);

function byMinor(left: string, right: string): number {
  return Number(left.split(".")[1]) - Number(right.split(".")[1]);
}

export const kubernetesChecks: readonly Check[] = [
  {
    family: "kubernetes",
    name: "EKS version",
    async run(context) {
      const { kubernetesVersion, region } = context.settings;
      const versions: ClusterVersionInformation[] = [];
      try {
        let nextToken: string | undefined;
        do {
          const page = await context.aws.eks.send(
            new DescribeClusterVersionsCommand({ includeAll: true, nextToken }),
          );
          versions.push(...(page.clusterVersions ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (error) {
        return awsCallFailed(
          "EKS DescribeClusterVersions",
          error,
          "grant eks:DescribeClusterVersions, or run again",
        );
      }
      const offered = versions
        .filter((version) => SUPPORTED.has(version.versionStatus ?? ""))
        .map((version) => version.clusterVersion ?? "")
        .sort(byMinor);
      const mine = versions.find((version) => version.clusterVersion === kubernetesVersion);
      if (!mine || !SUPPORTED.has(mine.versionStatus ?? "")) {
        return fail(
          `EKS in ${region.name} does not offer Kubernetes ${kubernetesVersion}${mine?.versionStatus ? ` (${mine.versionStatus})` : ""}; offered: ${offered.join(", ") || "none"}`,
          `set kubernetesVersion to one of ${offered.join(", ") || "the versions EKS offers there"} (pulumi config set kubernetesVersion ${offered.at(-1) ?? "1.xx"})`,
        );
      }
      const extended = mine.versionStatus === "EXTENDED_SUPPORT" ? " (extended support: billed extra)" : "";
      return pass(`Kubernetes ${kubernetesVersion} offered in ${region.name}${extended}`);
    },
  },
  {
    family: "kubernetes",
    name: "VPC CNI version",
    async run(context) {
      const { kubernetesVersion, vpcCniVersion, region } = context.settings;
      const versions: AddonVersionInfo[] = [];
      try {
        let nextToken: string | undefined;
        do {
          const page = await context.aws.eks.send(
            new DescribeAddonVersionsCommand({ addonName: "vpc-cni", kubernetesVersion, nextToken }),
          );
          versions.push(...(page.addons ?? []).flatMap((addon) => addon.addonVersions ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (error) {
        return awsCallFailed(
          "EKS DescribeAddonVersions",
          error,
          "grant eks:DescribeAddonVersions, or run again",
        );
      }
      const offered = versions.map((version) => version.addonVersion ?? "").filter(Boolean);
      const isDefault = (version: AddonVersionInfo): boolean =>
        (version.compatibilities ?? []).some(
          (compatibility) =>
            compatibility.clusterVersion === kubernetesVersion && compatibility.defaultVersion,
        );
      const eksDefault = versions.find(isDefault)?.addonVersion;
      const listed = `offered for Kubernetes ${kubernetesVersion} in ${region.name}: ${offered.join(", ") || "none"}`;
      if (offered.length === 0) {
        return fail(
          listed,
          `EKS offers no vpc-cni add-on for Kubernetes ${kubernetesVersion} here: choose another kubernetesVersion`,
        );
      }
      if (!vpcCniVersion) {
        return pass(
          `vpcCniVersion empty: EKS's default ${eksDefault ?? "(none marked)"} at creation, then held; ${listed}`,
        );
      }
      if (!offered.includes(vpcCniVersion)) {
        return fail(
          `vpcCniVersion ${vpcCniVersion} is not ${listed}`,
          `set vpcCniVersion to one of them (pulumi config set multus-eks:vpcCniVersion ${eksDefault ?? offered[0]}), or leave it empty for EKS's default`,
        );
      }
      return pass(
        `vpcCniVersion ${vpcCniVersion}${vpcCniVersion === eksDefault ? " (EKS's default)" : ""}; ${listed}`,
      );
    },
  },
  {
    family: "kubernetes",
    name: "node AMI",
    async run(context) {
      const { kubernetesVersion, nodeGroup, region } = context.settings;
      if (nodeGroup.amiId) {
        try {
          const images = await context.aws.ec2.send(
            new DescribeImagesCommand({ ImageIds: [nodeGroup.amiId] }),
          );
          const image = images.Images?.[0];
          if (image?.State === "available")
            return pass(`nodeAmiId ${nodeGroup.amiId} (${image.Name ?? "unnamed"}) available`);
          return fail(
            `nodeAmiId ${nodeGroup.amiId} is ${image?.State ?? "not found"} in ${region.name}`,
            `set nodeAmiId to an available AMI in ${region.name}, or leave it empty for the EKS-optimised AL2023 AMI`,
          );
        } catch (error) {
          if (errorName(error).startsWith("InvalidAMIID")) {
            return fail(
              `nodeAmiId ${nodeGroup.amiId} does not exist in ${region.name}`,
              `set nodeAmiId to an AMI of ${region.name} (AMIs are regional), or leave it empty for the EKS-optimised AL2023 AMI`,
            );
          }
          return awsCallFailed("EC2 DescribeImages", error, "grant ec2:DescribeImages, or run again");
        }
      }
      const name = amiParameter(kubernetesVersion);
      try {
        const answer = await context.aws.ssm.send(new GetParameterCommand({ Name: name }));
        return pass(`AL2023 AMI ${answer.Parameter?.Value ?? "?"} (${name})`);
      } catch (error) {
        if (errorName(error) === "ParameterNotFound") {
          return fail(
            `SSM parameter ${name} does not exist in ${region.name}: no EKS-optimised AL2023 AMI for Kubernetes ${kubernetesVersion} there`,
            `set kubernetesVersion to a version with an AL2023 AMI in ${region.name}, or set nodeAmiId to an AMI you built`,
          );
        }
        return awsCallFailed(
          "SSM GetParameter",
          error,
          "grant ssm:GetParameter on the public /aws/service/eks parameters, or run again",
        );
      }
    },
  },
];
