/**
 * MultusVpc: the VPC of a Multus-enabled EKS cluster. Public and private subnets per AZ (one NAT
 * gateway per AZ), one local-only subnet per Multus network per AZ, the Multus security groups and
 * an optional bastion. It turns a `SubnetLayout` (see plan.ts) into resources and decides nothing
 * else. The steps, each in its own file: public and private subnets (public-private.ts), Multus
 * subnets and their reservations (multus-subnets.ts), Multus security groups
 * (multus-security-groups.ts), the bastion (bastion.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MultusVpcArgs } from "./args";
import { createBastion } from "./bastion";
import type { VpcContext } from "./context";
import { createMultusSecurityGroups } from "./multus-security-groups";
import { createMultusSubnets } from "./multus-subnets";
import { createPrivateSubnets, createPublicSubnets } from "./public-private";

export type { BastionArgs, MultusVpcArgs } from "./args";

export class MultusVpc extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];
  /** Subnet IDs by Multus network name, then by AZ. */
  public readonly multusSubnetIds: Readonly<Record<string, Readonly<Record<string, pulumi.Output<string>>>>>;
  /** One security group per Multus network (by network name), for that network's ENIs. */
  public readonly multusSecurityGroupIds: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly natGatewayIds: pulumi.Output<string>[];
  public readonly bastionInstanceId?: pulumi.Output<string>;
  public readonly bastionRoleArn?: pulumi.Output<string>;

  constructor(name: string, args: MultusVpcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multus-eks:network:MultusVpc", name, {}, opts);
    const context = this.createVpc(name, args);
    const internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: context.vpc.id, tags: context.tags({ Name: `${args.clusterName}-igw` }) },
      context.parent,
    );
    const publicSubnets = createPublicSubnets(context, internetGateway);
    const privateSubnets = createPrivateSubnets(context, publicSubnets.natGateways);
    this.multusSubnetIds = createMultusSubnets(context);
    this.multusSecurityGroupIds = createMultusSecurityGroups(context);
    if (args.bastion) {
      const bastion = createBastion(context, args.bastion, publicSubnets.subnets[0], privateSubnets[0]);
      this.bastionInstanceId = bastion.instance.id;
      this.bastionRoleArn = bastion.role.arn;
    }

    this.vpcId = context.vpc.id;
    this.publicSubnetIds = publicSubnets.subnets.map((created) => created.id);
    this.privateSubnetIds = privateSubnets.map((created) => created.id);
    this.natGatewayIds = [...publicSubnets.natGateways.values()].map((gateway) => gateway.id);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      multusSubnetIds: this.multusSubnetIds,
      multusSecurityGroupIds: this.multusSecurityGroupIds,
      natGatewayIds: this.natGatewayIds,
      bastionInstanceId: this.bastionInstanceId,
    });
  }

  /** The VPC itself, and what every step shares. */
  private createVpc(name: string, args: MultusVpcArgs): VpcContext {
    const parent = { parent: this };
    const tags = (extra: Record<string, string>): Record<string, string> => ({ ...args.tags, ...extra });
    const vpc = new aws.ec2.Vpc(
      name,
      {
        cidrBlock: args.layout.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: tags({ Name: `${args.clusterName}-vpc` }),
      },
      parent,
    );
    return {
      name,
      args,
      component: this,
      parent,
      vpc,
      clusterTag: `kubernetes.io/cluster/${args.clusterName}`,
      tags,
    };
  }
}
