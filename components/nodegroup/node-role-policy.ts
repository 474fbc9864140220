/**
 * The worker role's inline policy for the node scripts' own AWS API calls (node-iam.ts
 * NODE_STATEMENTS), scoped like the ENI Lambda's. Declared only when there is a statement.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MultusNetwork } from "../model/network";
import type { PartitionInfo } from "../model/partition";
import { NODE_STATEMENTS, nodeRolePolicyDocument } from "./node-iam";
import { multusSubnetId } from "./plan";

export interface NodeRolePolicyArgs {
  readonly partition: PartitionInfo;
  readonly region: string;
  readonly clusterName: string;
  readonly autoScalingGroupName: string;
  readonly networks: readonly MultusNetwork[];
  readonly availabilityZones: readonly string[];
  readonly multusSubnetIds: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
}

export function nodeRolePolicies(
  name: string,
  role: aws.iam.Role,
  args: NodeRolePolicyArgs,
  opts: pulumi.CustomResourceOptions,
): aws.iam.RolePolicy[] {
  if (NODE_STATEMENTS.length === 0) return [];
  const subnetIds = pulumi.output(
    args.networks.flatMap((network) =>
      args.availabilityZones.map((zone) => multusSubnetId(args.multusSubnetIds, network.name, zone)),
    ),
  );
  const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
  return [
    new aws.iam.RolePolicy(
      `${name}-node`,
      {
        role: role.name,
        policy: pulumi.all([accountId, subnetIds]).apply(([account, subnets]) =>
          JSON.stringify(
            nodeRolePolicyDocument({
              partition: args.partition.partition,
              region: args.region,
              accountId: account,
              clusterName: args.clusterName,
              subnetIds: subnets,
              autoScalingGroupName: args.autoScalingGroupName,
            }),
          ),
        ),
      },
      opts,
    ),
  ];
}
