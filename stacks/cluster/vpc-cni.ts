/**
 * The VPC CNI add-on with its own IRSA role (the node role does not carry the CNI's ENI
 * permissions), created once the role can name the cluster's OIDC provider.
 */
import * as aws from "@pulumi/aws";
import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn } from "../../components/model/partition";
import { irsaTrustPolicy } from "../../components/security/irsa";
import type { ClusterContext } from "./context";

/** The VPC CNI's service account, which gets the CNI's ENI permissions through IRSA. */
export const VPC_CNI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-node" } as const;

export interface VpcCni {
  readonly addon: aws.eks.Addon;
  readonly role: aws.iam.Role;
}

function vpcCniRole({ name, tags }: ClusterContext, cluster: eks.Cluster): aws.iam.Role {
  const { namespace, name: serviceAccount } = VPC_CNI_SERVICE_ACCOUNT;
  return new aws.iam.Role(`${name}-vpc-cni`, {
    description: `VPC CNI (${namespace}/${serviceAccount}) of cluster ${name}, through IRSA`,
    assumeRolePolicy: pulumi
      .all([cluster.oidcProviderArn, cluster.oidcIssuer])
      .apply(([oidcProviderArn, oidcIssuer]) =>
        JSON.stringify(irsaTrustPolicy({ oidcProviderArn, oidcIssuer, namespace, serviceAccount })),
      ),
    tags,
  });
}

export function vpcCni(context: ClusterContext, cluster: eks.Cluster): VpcCni {
  const { name, partition, settings, tags } = context;
  const role = vpcCniRole(context, cluster);
  const policy = new aws.iam.RolePolicyAttachment(`${name}-vpc-cni`, {
    role: role.name,
    policyArn: managedPolicyArn(partition, "AmazonEKS_CNI_Policy"),
  });
  // The CNI of a telecom cluster changes only when the stack says so: an explicit version, or EKS's
  // default at creation, held afterwards (a later `pulumi up` never follows a newer default).
  const pinned = settings.vpcCniVersion !== "";
  const addon = new aws.eks.Addon(
    `${name}-vpc-cni`,
    {
      clusterName: name,
      addonName: "vpc-cni",
      addonVersion: pinned
        ? settings.vpcCniVersion
        : aws.eks.getAddonVersionOutput({
            addonName: "vpc-cni",
            kubernetesVersion: settings.kubernetesVersion,
            mostRecent: false,
          }).version,
      serviceAccountRoleArn: role.arn,
      // Take over the aws-node DaemonSet EKS installs at cluster creation; on an upgrade keep what
      // an operator tuned in aws-node (PRESERVE), as EKS advises for add-on updates.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      preserve: true,
      tags,
    },
    { dependsOn: [cluster, policy], ...(pinned ? {} : { ignoreChanges: ["addonVersion"] }) },
  );
  return { addon, role };
}
