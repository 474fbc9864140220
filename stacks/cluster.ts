/**
 * The EKS control plane, through @pulumi/eks. Its service role is made here so that the trust
 * principal and the managed policy ARN come from the stack's partition.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { eksAccessPolicyArn, managedPolicyArn, servicePrincipal } from "../components/model/partition";
import { MultusVpc } from "../components/vpc";
import { StackSettings } from "./config";

/** Every control-plane log type: telecom operators audit who changed the cluster. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** Fixed so that the node user data (nodeadm's `cidr`) and the cluster cannot disagree. */
export const SERVICE_CIDR = "172.20.0.0/16";

export interface ClusterResult {
  readonly cluster: eks.Cluster;
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfigJson: pulumi.Output<string>;
  /** API endpoint and CA, read from the kubeconfig (plain strings, unlike the cluster's resource outputs). */
  readonly endpoint: pulumi.Output<string>;
  readonly certificateAuthority: pulumi.Output<string>;
  readonly clusterSecurityGroupId: pulumi.Output<string>;
}

interface KubeconfigShape {
  clusters?: { cluster?: { server?: string; "certificate-authority-data"?: string } }[];
}

export function createCluster(settings: StackSettings, vpc: MultusVpc): ClusterResult {
  const serviceRole = new aws.iam.Role(`${settings.clusterName}-control-plane`, {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: servicePrincipal(settings.region, "eks") },
          Action: ["sts:AssumeRole", "sts:TagSession"],
        },
      ],
    }),
    tags: settings.tags,
  });
  const servicePolicy = new aws.iam.RolePolicyAttachment(`${settings.clusterName}-control-plane`, {
    role: serviceRole.name,
    policyArn: managedPolicyArn(settings.region, "AmazonEKSClusterPolicy"),
  });

  const bastionAccess: Record<string, eks.types.input.AccessEntryArgs> =
    vpc.bastionRoleArn === undefined
      ? {}
      : {
          bastion: {
            principalArn: vpc.bastionRoleArn,
            accessPolicies: {
              admin: {
                policyArn: eksAccessPolicyArn(settings.region, "AmazonEKSClusterAdminPolicy"),
                accessScope: { type: "cluster" },
              },
            },
          },
        };

  const cluster = new eks.Cluster(
    settings.clusterName,
    {
      name: settings.clusterName,
      version: settings.kubernetesVersion,
      vpcId: vpc.vpcId,
      publicSubnetIds: vpc.publicSubnetIds,
      privateSubnetIds: vpc.privateSubnetIds,
      nodeAssociatePublicIpAddress: false,
      endpointPublicAccess: settings.endpoint.publicAccess,
      endpointPrivateAccess: settings.endpoint.privateAccess,
      publicAccessCidrs: settings.endpoint.publicAccessCidrs as string[],
      authenticationMode: eks.AuthenticationMode.Api,
      accessEntries: bastionAccess,
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      kubernetesServiceIpAddressRange: SERVICE_CIDR,
      skipDefaultNodeGroup: true,
      serviceRole,
      createOidcProvider: false,
      tags: settings.tags,
    },
    { dependsOn: [servicePolicy] },
  );

  const kubeconfig = cluster.kubeconfigJson.apply((text) => JSON.parse(text) as KubeconfigShape);
  return {
    cluster,
    clusterName: pulumi.output(settings.clusterName),
    kubeconfigJson: cluster.kubeconfigJson,
    endpoint: kubeconfig.apply((parsed) => parsed.clusters?.[0]?.cluster?.server ?? ""),
    certificateAuthority: kubeconfig.apply(
      (parsed) => parsed.clusters?.[0]?.cluster?.["certificate-authority-data"] ?? "",
    ),
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
  };
}
