/**
 * The EKS cluster of the stack, in steps: the control plane's role, secrets encryption, the
 * control-plane logs, the cluster (@pulumi/eks) and the VPC CNI add-on with its IRSA role. Each step
 * is a file of this directory; the bastion's access entry and the endpoint settings are in access.ts.
 */
import type * as aws from "@pulumi/aws";
import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type { MultusVpc } from "../../components/vpc";
import type { StackSettings } from "../config";
import { clusterContext } from "./context";
import { controlPlaneRole } from "./control-plane-role";
import { eksCluster } from "./eks-cluster";
import { controlPlaneLogs } from "./logs";
import { secretsEncryption } from "./secrets";
import { vpcCni } from "./vpc-cni";

export { CONTROL_PLANE_LOG_TYPES, SERVICE_CIDR } from "./eks-cluster";
export { VPC_CNI_SERVICE_ACCOUNT } from "./vpc-cni";

export interface ClusterResult {
  readonly cluster: eks.Cluster;
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfigJson: pulumi.Output<string>;
  /** API endpoint and CA, read from the kubeconfig (plain strings, unlike the cluster's resource outputs). */
  readonly endpoint: pulumi.Output<string>;
  readonly certificateAuthority: pulumi.Output<string>;
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** The VPC CNI add-on: nodes must not start before it runs with its own IRSA role. */
  readonly vpcCniAddon: aws.eks.Addon;
  /** The role aws-node's service account gets through IRSA (what `npm run verify` expects to find). */
  readonly vpcCniRoleArn: pulumi.Output<string>;
  /** Key of the stack's log groups; undefined when logsKmsEnabled is false. */
  readonly logsKmsKeyArn?: pulumi.Output<string>;
}

export function createCluster(settings: StackSettings, vpc: MultusVpc): ClusterResult {
  const context = clusterContext(settings);
  const role = controlPlaneRole(context);
  const secrets = secretsEncryption(context, role);
  const logs = controlPlaneLogs(context);
  const cluster = eksCluster(context, vpc, { role, secrets, logs });
  const cni = vpcCni(context, cluster);
  return clusterResult(context.name, cluster, cni.addon, cni.role, logs.key);
}

interface KubeconfigShape {
  clusters?: { cluster?: { server?: string; "certificate-authority-data"?: string } }[];
}

function clusterResult(
  name: string,
  cluster: eks.Cluster,
  vpcCniAddon: aws.eks.Addon,
  vpcCniRole: aws.iam.Role,
  logsKey?: aws.kms.Key,
): ClusterResult {
  const kubeconfig = cluster.kubeconfigJson.apply((text) => JSON.parse(text) as KubeconfigShape);
  return {
    cluster,
    // The settings' name, not the resource's output: known at plan time, like the stack's other names.
    clusterName: pulumi.output(name),
    kubeconfigJson: cluster.kubeconfigJson,
    endpoint: kubeconfig.apply((parsed) => parsed.clusters?.[0]?.cluster?.server ?? ""),
    certificateAuthority: kubeconfig.apply(
      (parsed) => parsed.clusters?.[0]?.cluster?.["certificate-authority-data"] ?? "",
    ),
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    vpcCniAddon,
    vpcCniRoleArn: vpcCniRole.arn,
    ...(logsKey ? { logsKmsKeyArn: logsKey.arn } : {}),
  };
}
