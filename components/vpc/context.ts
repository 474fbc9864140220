/** What every step of MultusVpc shares: its name and arguments, the VPC, the parent and the tags. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { MultusVpcArgs } from "./args";
import type { PlannedSubnet } from "./plan";

export interface VpcContext {
  readonly name: string;
  readonly args: MultusVpcArgs;
  readonly component: pulumi.ComponentResource;
  readonly parent: { readonly parent: pulumi.ComponentResource };
  readonly vpc: aws.ec2.Vpc;
  /** `kubernetes.io/cluster/<cluster>`, on the subnets load balancers may use. */
  readonly clusterTag: string;
  tags(extra: Record<string, string>): Record<string, string>;
}

/** The last letter of an AZ (cn-northwest-1a -> a): part of resource and tag names. */
export function zoneSuffix(zone: string): string {
  return zone.slice(-1);
}

export function subnetsOf(context: VpcContext, role: PlannedSubnet["role"]): PlannedSubnet[] {
  return context.args.layout.subnets.filter((subnet) => subnet.role === role);
}

/** A planned subnet, named `<clusterName>-<what the resource name adds to the component's>`. */
export function createSubnet(
  context: VpcContext,
  planned: PlannedSubnet,
  resourceName: string,
  extraTags: Record<string, string>,
): aws.ec2.Subnet {
  const { name, args, vpc } = context;
  return new aws.ec2.Subnet(
    resourceName,
    {
      vpcId: vpc.id,
      cidrBlock: planned.cidr,
      availabilityZone: planned.availabilityZone,
      mapPublicIpOnLaunch: false,
      tags: context.tags({
        Name: `${args.clusterName}-${resourceName.slice(name.length + 1)}`,
        ...extraTags,
      }),
    },
    context.parent,
  );
}
