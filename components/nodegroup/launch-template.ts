/**
 * The launch template: the EKS-optimised AL2023 AMI (or the caller's), the user data that joins the
 * node and fetches its files, IMDSv2 with hop limit 1, and an encrypted gp3 root volume.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_VOLUME_SIZE_GB } from "./args";
import type { NodeGroupContext } from "./context";
import type { NodeFiles } from "./node-files";
import { eksOptimizedAmiReference } from "./plan";
import { renderNodeUserData, userDataPayload } from "./userdata";

/** IMDS answers only on the host network: a pod's packets need a second hop. */
export const NODE_IMDS_HOP_LIMIT = 1;

export interface LaunchTemplateInputs {
  readonly instanceType: string;
  readonly maxPods: number;
  readonly instanceProfile: aws.iam.InstanceProfile;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly nodeFiles: NodeFiles;
}

/** The user data, from the cluster's endpoint and CA and the node files' bucket (all known only at deployment). */
function userData(context: NodeGroupContext, inputs: LaunchTemplateInputs): pulumi.Output<string> {
  const { args } = context;
  const { nodeFiles } = inputs;
  return pulumi
    .all([args.clusterEndpoint, args.certificateAuthority, nodeFiles.bucket.id])
    .apply(([endpoint, certificateAuthority, bucketName]) =>
      userDataPayload(
        renderNodeUserData({
          clusterName: args.clusterName,
          apiServerEndpoint: endpoint,
          certificateAuthority,
          serviceCidr: args.serviceCidr,
          maxPods: inputs.maxPods,
          labels: { ...args.labels },
          networks: args.networks.map((network) => ({
            name: network.name,
            deviceIndex: network.deviceIndex,
            interfaceName: network.interfaceName,
          })),
          nodeFiles: {
            bucket: bucketName,
            key: nodeFiles.key,
            sha256: nodeFiles.sha256,
            region: args.region,
          },
        }),
      ).toString("base64"),
    );
}

export function createLaunchTemplate(
  context: NodeGroupContext,
  inputs: LaunchTemplateInputs,
): aws.ec2.LaunchTemplate {
  const { name, args, tags } = context;
  const instanceTags = tags({ Name: `${args.clusterName}-node`, [context.clusterTag]: "owned" });
  return new aws.ec2.LaunchTemplate(
    `${name}-nodes`,
    {
      description: `Multus workers of EKS cluster ${args.clusterName}`,
      imageId: args.amiId ?? eksOptimizedAmiReference(args.kubernetesVersion),
      instanceType: inputs.instanceType,
      ...(args.keyName ? { keyName: args.keyName } : {}),
      iamInstanceProfile: { arn: inputs.instanceProfile.arn },
      vpcSecurityGroupIds: [inputs.securityGroup.id],
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: args.volumeSizeGb ?? DEFAULT_VOLUME_SIZE_GB,
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      // IMDSv2 only, hop limit 1: only the host network reaches IMDS (aws-node, Multus, the IPAM
      // plugins and the node scripts all run there); pods cannot take the node role's credentials.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: NODE_IMDS_HOP_LIMIT,
        instanceMetadataTags: "disabled",
      },
      userData: userData(context, inputs),
      tagSpecifications: [
        { resourceType: "instance", tags: instanceTags },
        { resourceType: "volume", tags: instanceTags },
      ],
      updateDefaultVersion: true,
      tags: tags(),
    },
    context.parent,
  );
}
