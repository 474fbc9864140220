/**
 * The public subnets (a route to the internet gateway, one NAT gateway each) and the private
 * subnets, where the control plane's ENIs and the nodes live (each AZ leaves through its own NAT
 * gateway, so losing one AZ does not cut the others off).
 */
import * as aws from "@pulumi/aws";
import { createSubnet, subnetsOf, VpcContext, zoneSuffix } from "./context";

export interface PublicSubnets {
  readonly subnets: aws.ec2.Subnet[];
  /** The NAT gateway of each AZ, by AZ name. */
  readonly natGateways: Map<string, aws.ec2.NatGateway>;
}

export function createPublicSubnets(
  context: VpcContext,
  internetGateway: aws.ec2.InternetGateway,
): PublicSubnets {
  const { name, args, vpc, parent, tags } = context;
  const routeTable = new aws.ec2.RouteTable(
    `${name}-public`,
    { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-public` }) },
    parent,
  );
  new aws.ec2.Route(
    `${name}-public-default`,
    { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
    parent,
  );
  const natGateways = new Map<string, aws.ec2.NatGateway>();
  const subnets = subnetsOf(context, "public").map((planned) => {
    const suffix = zoneSuffix(planned.availabilityZone);
    const created = createSubnet(context, planned, `${name}-public-${suffix}`, {
      "kubernetes.io/role/elb": "1",
      [context.clusterTag]: "shared",
    });
    new aws.ec2.RouteTableAssociation(
      `${name}-public-${suffix}`,
      { subnetId: created.id, routeTableId: routeTable.id },
      parent,
    );
    const eip = new aws.ec2.Eip(
      `${name}-nat-${suffix}`,
      { domain: "vpc", tags: tags({ Name: `${args.clusterName}-nat-${suffix}` }) },
      { parent: context.component, dependsOn: [internetGateway] },
    );
    natGateways.set(
      planned.availabilityZone,
      new aws.ec2.NatGateway(
        `${name}-nat-${suffix}`,
        {
          allocationId: eip.id,
          subnetId: created.id,
          tags: tags({ Name: `${args.clusterName}-nat-${suffix}` }),
        },
        { parent: context.component, dependsOn: [internetGateway] },
      ),
    );
    return created;
  });
  return { subnets, natGateways };
}

export function createPrivateSubnets(
  context: VpcContext,
  natGateways: ReadonlyMap<string, aws.ec2.NatGateway>,
): aws.ec2.Subnet[] {
  const { name, args, vpc, parent, tags } = context;
  return subnetsOf(context, "private").map((planned) => {
    const suffix = zoneSuffix(planned.availabilityZone);
    const created = createSubnet(context, planned, `${name}-private-${suffix}`, {
      "kubernetes.io/role/internal-elb": "1",
      [context.clusterTag]: "shared",
    });
    const routeTable = new aws.ec2.RouteTable(
      `${name}-private-${suffix}`,
      { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-private-${suffix}` }) },
      parent,
    );
    new aws.ec2.Route(
      `${name}-private-${suffix}-default`,
      {
        routeTableId: routeTable.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGateways.get(planned.availabilityZone)!.id,
      },
      parent,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-private-${suffix}`,
      { subnetId: created.id, routeTableId: routeTable.id },
      parent,
    );
    return created;
  });
}
