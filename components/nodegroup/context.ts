/**
 * What every step of MultusNodeGroup shares: the component's name and arguments, the component as
 * the parent of every child, the names fixed up front and the tags.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MultusNodeGroupArgs } from "./args";
import { autoScalingGroupName, eniLambdaName } from "./plan";

export interface NodeGroupContext {
  readonly name: string;
  readonly args: MultusNodeGroupArgs;
  readonly component: pulumi.ComponentResource;
  /** `{ parent: component }`: the options of every child without options of its own. */
  readonly parent: { readonly parent: pulumi.ComponentResource };
  /** `kubernetes.io/cluster/<cluster>`, on the nodes and their security group. */
  readonly clusterTag: string;
  /** The Auto Scaling group's name: fixed, because the lifecycle rule and the Lambda's policy name it. */
  readonly groupName: string;
  /** The ENI Lambda's name: fixed, because its log group and alarms name it. */
  readonly functionName: string;
  /** The caller's tags plus `extra`. */
  tags(extra?: Record<string, string>): Record<string, string>;
}

export function nodeGroupContext(
  component: pulumi.ComponentResource,
  name: string,
  args: MultusNodeGroupArgs,
): NodeGroupContext {
  const prefix = args.namePrefix ?? args.clusterName;
  return {
    name,
    args,
    component,
    parent: { parent: component },
    clusterTag: `kubernetes.io/cluster/${args.clusterName}`,
    groupName: autoScalingGroupName(prefix),
    functionName: eniLambdaName(prefix),
    tags: (extra = {}) => ({ ...args.tags, ...extra }),
  };
}
