/**
 * The scoped IAM statements the node group's identities share, as pure functions of plain strings.
 * A Multus ENI is named by what its own ARN cannot say: it carries the cluster tag (set at creation,
 * never afterwards) and lives in one of the Multus subnets. An instance of the node group is named
 * by the tag Auto Scaling reserves (`aws:autoscaling:groupName`; no user can set an `aws:` tag).
 * Only condition keys the Service Authorization Reference lists for the action and resource type
 * are used: a key that does not apply is absent from the request, and StringEquals on it denies.
 */
import { CLUSTER_TAG_KEY } from "../model/tags";

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

/** Where the node group's EC2 and Auto Scaling resources live, and which ones are its own. */
export interface NodeGroupScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
  /** The Multus subnets (every network, every AZ). */
  readonly subnetIds: readonly string[];
  /** The node group's Auto Scaling group (its name is fixed, see plan.ts autoScalingGroupName). */
  readonly autoScalingGroupName: string;
}

export function ec2Arn(
  scope: Pick<NodeGroupScope, "partition" | "region" | "accountId">,
  resource: string,
): string {
  return `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:${resource}`;
}

export function multusSubnetArns(scope: NodeGroupScope): string[] {
  return scope.subnetIds.map((id) => ec2Arn(scope, `subnet/${id}`));
}

/** `actions` on the cluster's Multus ENIs only (cluster tag, Multus subnet). */
export function multusInterfaceStatement(
  sid: string,
  actions: string[],
  scope: NodeGroupScope,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: ec2Arn(scope, "network-interface/*"),
    Condition: {
      StringEquals: {
        [`ec2:ResourceTag/${CLUSTER_TAG_KEY}`]: scope.clusterName,
        "ec2:Subnet": multusSubnetArns(scope),
      },
    },
  };
}

/** `actions` on the instances of the node group's Auto Scaling group only. */
export function nodeGroupInstanceStatement(
  sid: string,
  actions: string[],
  scope: NodeGroupScope,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: ec2Arn(scope, "instance/*"),
    Condition: { StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": scope.autoScalingGroupName } },
  };
}

/** The group's ARN with its (unknowable) UUID as a wildcard and its fixed name. */
export function autoScalingGroupArn(scope: NodeGroupScope): string {
  return `arn:${scope.partition}:autoscaling:${scope.region}:${scope.accountId}:autoScalingGroup:*:autoScalingGroupName/${scope.autoScalingGroupName}`;
}
