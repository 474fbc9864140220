/**
 * The Multus subnets, one per network per AZ, for pod traffic between network functions only (their
 * route table has no default route), and the subnet CIDR reservations on them: `prefix` for the
 * eni-prefix networks' /28s, `explicit` over fixed pod ranges and pinned addresses.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { NETWORK_TAG_KEY } from "../model/tags";
import { createSubnet, subnetsOf, VpcContext, zoneSuffix } from "./context";

/** Subnet IDs by Multus network name, then by AZ. */
export type MultusSubnetIds = Record<string, Record<string, pulumi.Output<string>>>;

export function createMultusSubnets(context: VpcContext): MultusSubnetIds {
  const { name, args, vpc, parent, tags } = context;
  const routeTable = new aws.ec2.RouteTable(
    `${name}-multus`,
    { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-multus` }) },
    parent,
  );
  const subnetIds: MultusSubnetIds = {};
  for (const planned of subnetsOf(context, "multus")) {
    const network = planned.network!;
    const resourceName = `${name}-multus-${network}-${zoneSuffix(planned.availabilityZone)}`;
    const created = createSubnet(context, planned, resourceName, { [NETWORK_TAG_KEY]: network });
    new aws.ec2.RouteTableAssociation(
      resourceName,
      { subnetId: created.id, routeTableId: routeTable.id },
      parent,
    );
    subnetIds[network] = { ...subnetIds[network], [planned.availabilityZone]: created.id };
  }
  createReservations(context, subnetIds);
  return subnetIds;
}

function createReservations(context: VpcContext, subnetIds: MultusSubnetIds): void {
  const { name, args, parent } = context;
  const reservations = [
    ...(args.prefixReservations ?? []).map((reservation) => ({
      ...reservation,
      kind: "prefixes",
      reservationType: "prefix",
      description: `/28 prefixes for the nodes on Multus network ${reservation.network}`,
    })),
    ...(args.addressReservations ?? []).map((reservation) => ({
      ...reservation,
      kind: "pods",
      reservationType: "explicit",
      description: `Pod addresses ${reservation.purpose} of Multus network ${reservation.network}`,
    })),
  ];
  for (const reservation of reservations) {
    const { kind, network, availabilityZone, cidr } = reservation;
    new aws.ec2.SubnetCidrReservation(
      `${name}-${kind}-${network}-${zoneSuffix(availabilityZone)}-${cidr.replace(/[./]/g, "-")}`,
      {
        subnetId: subnetIds[network][availabilityZone],
        cidrBlock: cidr,
        reservationType: reservation.reservationType,
        description: reservation.description,
      },
      parent,
    );
  }
}
