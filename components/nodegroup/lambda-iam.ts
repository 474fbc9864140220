/**
 * Least-privilege IAM policy for the ENI-attach Lambda, as a pure function of plain strings (the
 * component calls it inside pulumi.all(...).apply). Every ARN is built from the partition, so the
 * same code is right in aws-cn and aws.
 *
 * Not included: CloudWatch Logs. The component attaches the AWSLambdaBasicExecutionRole managed
 * policy (ARN built from the partition) for that.
 */

import { CLUSTER_TAG_KEY, NO_MANAGE_TAG_KEY, NO_MANAGE_TAG_VALUE } from "../model/tags";

export interface EniLambdaPolicyArgs {
  partition: string;
  region: string;
  accountId: string;
  vpcId: string;
  /** The Multus subnets (every network, every AZ). */
  subnetIds: string[];
  /** The security groups the Multus ENIs get. */
  securityGroupIds: string[];
  clusterName: string;
  /**
   * The node group's Auto Scaling group. When given, CompleteLifecycleAction and attaching to
   * instances are limited to that group; when not, to groups and instances carrying the cluster
   * tag (multus-eks/cluster = clusterName), which the component must then set on the ASG and
   * propagate to its instances.
   */
  autoScalingGroupArn?: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Actions that change something; the tests check none of them is granted on "*". */
export const MUTATING_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:CreateTags",
  "ec2:AttachNetworkInterface",
  "ec2:DetachNetworkInterface",
  "ec2:ModifyNetworkInterfaceAttribute",
  "ec2:DeleteNetworkInterface",
  "autoscaling:CompleteLifecycleAction",
];

const ASG_NAME_IN_ARN = /:autoScalingGroupName\/(.+)$/;

function requireText(value: string, name: string): void {
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new Error(`eniLambdaPolicyDocument: ${name} is empty; pass the stack's ${name}`);
  }
}

function requireIds(values: string[], name: string, prefix: string): void {
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error(
      `eniLambdaPolicyDocument: ${name} is empty; pass the Multus ${name} so the policy can name them`,
    );
  }
  for (const value of values) {
    if (!value.startsWith(prefix)) {
      throw new Error(
        `eniLambdaPolicyDocument: ${name} contains ${JSON.stringify(value)}, which is not a ${prefix}... ID`,
      );
    }
  }
}

export function eniLambdaPolicyDocument(args: EniLambdaPolicyArgs): PolicyDocument {
  const {
    partition,
    region,
    accountId,
    vpcId,
    subnetIds,
    securityGroupIds,
    clusterName,
    autoScalingGroupArn,
  } = args;
  requireText(partition, "partition");
  requireText(region, "region");
  requireText(accountId, "accountId");
  requireText(clusterName, "clusterName");
  requireText(vpcId, "vpcId");
  requireIds(subnetIds, "subnetIds", "subnet-");
  requireIds(securityGroupIds, "securityGroupIds", "sg-");

  const ec2Arn = (resource: string): string => `arn:${partition}:ec2:${region}:${accountId}:${resource}`;
  const networkInterfaces = ec2Arn("network-interface/*");
  const vpcArn = ec2Arn(`vpc/${vpcId}`);
  const ownedByCluster = { StringEquals: { [`ec2:ResourceTag/${CLUSTER_TAG_KEY}`]: clusterName } };

  let asgName: string | undefined;
  if (autoScalingGroupArn !== undefined) {
    asgName = ASG_NAME_IN_ARN.exec(autoScalingGroupArn)?.[1];
    if (!autoScalingGroupArn.startsWith(`arn:${partition}:autoscaling:`) || !asgName) {
      throw new Error(
        `eniLambdaPolicyDocument: autoScalingGroupArn ${JSON.stringify(autoScalingGroupArn)} is not an Auto Scaling group ARN of partition ${partition}; pass the group's arn output`,
      );
    }
  }
  const instanceCondition = asgName
    ? { StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": asgName } }
    : ownedByCluster;
  const lifecycleStatement: PolicyStatement = autoScalingGroupArn
    ? {
        Sid: "CompleteLifecycleActionOfNodeGroup",
        Effect: "Allow",
        Action: ["autoscaling:CompleteLifecycleAction"],
        Resource: autoScalingGroupArn,
      }
    : {
        Sid: "CompleteLifecycleActionOfClusterGroups",
        Effect: "Allow",
        Action: ["autoscaling:CompleteLifecycleAction"],
        Resource: `arn:${partition}:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
        Condition: { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG_KEY}`]: clusterName } },
      };

  return {
    Version: "2012-10-17",
    Statement: [
      {
        // EC2 Describe actions support no resource-level permissions.
        Sid: "DescribeInstancesAndInterfaces",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces"],
        Resource: "*",
      },
      {
        Sid: "CreateInterfacesInMultusSubnets",
        Effect: "Allow",
        Action: ["ec2:CreateNetworkInterface"],
        Resource: [
          ...subnetIds.map((id) => ec2Arn(`subnet/${id}`)),
          ...securityGroupIds.map((id) => ec2Arn(`security-group/${id}`)),
        ],
        Condition: { StringEquals: { "ec2:Vpc": vpcArn } },
      },
      {
        // The new interface itself: only with the cluster and no_manage tags in the request.
        Sid: "CreateClusterTaggedInterfaces",
        Effect: "Allow",
        Action: ["ec2:CreateNetworkInterface"],
        Resource: networkInterfaces,
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${CLUSTER_TAG_KEY}`]: clusterName,
            [`aws:RequestTag/${NO_MANAGE_TAG_KEY}`]: NO_MANAGE_TAG_VALUE,
          },
        },
      },
      {
        Sid: "TagInterfacesOnlyAtCreation",
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: networkInterfaces,
        Condition: { StringEquals: { "ec2:CreateAction": "CreateNetworkInterface" } },
      },
      {
        Sid: "ManageClusterInterfaces",
        Effect: "Allow",
        Action: [
          "ec2:AttachNetworkInterface",
          "ec2:DetachNetworkInterface",
          "ec2:ModifyNetworkInterfaceAttribute",
          "ec2:DeleteNetworkInterface",
        ],
        Resource: networkInterfaces,
        Condition: ownedByCluster,
      },
      {
        // Attach and detach are also authorised against the instance (detach only when a failed
        // launch cannot set DeleteOnTermination).
        Sid: "AttachToNodeGroupInstances",
        Effect: "Allow",
        Action: ["ec2:AttachNetworkInterface", "ec2:DetachNetworkInterface"],
        Resource: ec2Arn("instance/*"),
        Condition: instanceCondition,
      },
      lifecycleStatement,
    ],
  };
}
