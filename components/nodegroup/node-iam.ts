/**
 * IAM documents of the node group, built from the partition: the worker role (trusted by EC2) and
 * the ENI Lambda's execution role (trusted by Lambda). Pure, so tests read them without an engine.
 */
import { managedPolicyArn, PartitionInfo, servicePrincipal } from "../model/partition";

/** Policies every EKS worker needs, plus SSM so operators reach nodes without SSH. */
export const NODE_MANAGED_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryReadOnly",
  "AmazonSSMManagedInstanceCore",
] as const;

/** Lets the Lambda write its logs; everything else it may do is in its inline ENI policy. */
export const LAMBDA_MANAGED_POLICIES = ["service-role/AWSLambdaBasicExecutionRole"] as const;

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
