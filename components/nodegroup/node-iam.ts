/**
 * IAM documents of the node group, built from the partition: the worker role (trusted by EC2) and
 * the ENI Lambda's execution role (trusted by Lambda). Pure, so tests read them without an engine.
 *
 * The worker role carries no ENI rights of the VPC CNI (AmazonEKS_CNI_Policy): those belong to the
 * aws-node service account (IRSA, stacks/cluster/vpc-cni.ts), and IMDS answers only the host network (hop
 * limit 1), so a pod cannot borrow the node's credentials.
 */
import { managedPolicyArn, PartitionInfo, servicePrincipal } from "../model/partition";
import { CLUSTER_TAG_KEY, INSTANCE_ARN_TAG_KEY } from "../model/tags";
import { ec2Arn, NodeGroupScope, PolicyDocument, PolicyStatement } from "./iam-scope";

/** Policies every EKS worker needs, plus SSM so operators reach nodes without SSH. */
export const NODE_MANAGED_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryReadOnly",
  "AmazonSSMManagedInstanceCore",
] as const;

/** Lets the Lambda write its logs; everything else it may do is in its inline ENI policy. */
export const LAMBDA_MANAGED_POLICIES = ["service-role/AWSLambdaBasicExecutionRole"] as const;

/**
 * Builders of the worker role's own scoped statements (AWS API calls of the node scripts and IPAM
 * plugins) beyond the vpc-ip plugin's (vpcIpNodePolicyDocument) and reading the node files object
 * (node-files-iam.ts), which have their own inline policies. A feature that calls an API adds one
 * builder here, e.g. `(scope) => multusInterfaceStatement("AssignPodAddresses",
 * ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], scope)`, and its actions to
 * NODE_API_ACTIONS, which the IAM reference test checks against the Service Authorization Reference.
 */
export type NodeStatementBuilder = (scope: NodeGroupScope) => PolicyStatement;

export const NODE_API_ACTIONS: readonly string[] = [];
export const NODE_STATEMENTS: readonly NodeStatementBuilder[] = [];

/** The worker role's inline policy, or undefined when it needs none. */
export function nodeRolePolicyDocument(
  scope: NodeGroupScope,
  builders: readonly NodeStatementBuilder[] = NODE_STATEMENTS,
): PolicyDocument | undefined {
  if (builders.length === 0) return undefined;
  return { Version: "2012-10-17", Statement: builders.map((build) => build(scope)) };
}

export interface TrustPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly {
    readonly Effect: "Allow";
    readonly Principal: { readonly Service: string };
    readonly Action: string;
  }[];
}

/** A role trust policy for one AWS service (`ec2.amazonaws.com.cn` for EC2 in China). */
export function serviceTrustPolicy(partition: PartitionInfo, service: string): TrustPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: servicePrincipal(partition, service) },
        Action: "sts:AssumeRole",
      },
    ],
  };
}

export function nodeManagedPolicyArns(partition: PartitionInfo): string[] {
  return NODE_MANAGED_POLICIES.map((name) => managedPolicyArn(partition, name));
}

export function lambdaManagedPolicyArns(partition: PartitionInfo): string[] {
  return LAMBDA_MANAGED_POLICIES.map((name) => managedPolicyArn(partition, name));
}

/**
 * The node role's inline policy for `vpc-ip` networks: the IPAM plugin on each node assigns and
 * releases pod addresses on the node's Multus ENIs. Assign and unassign only on ENIs of this
 * cluster that were created for the calling instance: the ENI-attach Lambda tags every Multus ENI
 * at creation with its instance's ARN (and nothing may retag it later), and EC2 sets
 * ec2:SourceInstanceARN on requests signed with an instance profile's credentials. So a node, or a
 * hostNetwork pod that reaches IMDS, cannot touch another node's pod addresses nor pull a pinned
 * address onto its own ENI. Describe supports no resource-level permissions. Pods get nothing: the
 * plugin runs on the node, as the node role.
 */
export interface VpcIpNodePolicyArgs {
  readonly partition: PartitionInfo;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
}

export function vpcIpNodePolicyDocument(args: VpcIpNodePolicyArgs): PolicyDocument {
  for (const [name, value] of Object.entries({
    region: args.region,
    accountId: args.accountId,
    clusterName: args.clusterName,
  })) {
    if (!value.trim()) throw new Error(`vpcIpNodePolicyDocument: ${name} is empty; pass the stack's ${name}`);
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "VpcIpAssignOnOwnInterfaces",
        Effect: "Allow",
        Action: ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        Resource: ec2Arn({ ...args, partition: args.partition.partition }, "network-interface/*"),
        Condition: {
          StringEquals: {
            [`ec2:ResourceTag/${CLUSTER_TAG_KEY}`]: args.clusterName,
            [`ec2:ResourceTag/${INSTANCE_ARN_TAG_KEY}`]: "${ec2:SourceInstanceARN}",
          },
        },
      },
      {
        Sid: "VpcIpDescribeInterfaces",
        Effect: "Allow",
        Action: ["ec2:DescribeNetworkInterfaces"],
        Resource: "*",
      },
    ],
  };
}
