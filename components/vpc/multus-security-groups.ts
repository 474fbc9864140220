/**
 * One security group per Multus network, for that network's ENIs: all traffic only from the
 * network's own subnets (its Multus ENIs and the pod addresses on them), the telecom ports and ICMP
 * echo from the telecom peers (telecom-ports.ts plans the rules), and egress within the VPC.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { NETWORK_TAG_KEY } from "../model/tags";
import type { VpcContext } from "./context";
import { MultusSecurityGroupPlan, planMultusSecurityGroups } from "./telecom-ports";

/** Security group IDs by Multus network name. */
export function createMultusSecurityGroups(context: VpcContext): Record<string, pulumi.Output<string>> {
  const { args } = context;
  return Object.fromEntries(
    planMultusSecurityGroups(args.layout, args.telecomIngressCidrs).map((plan) => [
      plan.network,
      createMultusSecurityGroup(context, plan).id,
    ]),
  );
}

function createMultusSecurityGroup(
  context: VpcContext,
  plan: MultusSecurityGroupPlan,
): aws.ec2.SecurityGroup {
  const { name, args, vpc, parent, tags } = context;
  const prefix = `${name}-multus-${plan.network}`;
  const group = new aws.ec2.SecurityGroup(
    prefix,
    {
      vpcId: vpc.id,
      description: `Multus network ${plan.network}: its own subnets, telecom ports from configured peers`,
      tags: tags({ Name: `${args.clusterName}-multus-${plan.network}`, [NETWORK_TAG_KEY]: plan.network }),
    },
    parent,
  );
  for (const rule of plan.ingress) {
    new aws.vpc.SecurityGroupIngressRule(
      `${prefix}-${rule.name}`,
      {
        securityGroupId: group.id,
        ipProtocol: rule.protocol,
        ...(rule.fromPort === undefined ? {} : { fromPort: rule.fromPort, toPort: rule.toPort }),
        cidrIpv4: rule.cidr,
        description: rule.description,
      },
      parent,
    );
  }
  new aws.vpc.SecurityGroupEgressRule(
    `${prefix}-to-vpc`,
    {
      securityGroupId: group.id,
      ipProtocol: "-1",
      cidrIpv4: args.layout.vpcCidr,
      description: "Multus traffic stays in the VPC",
    },
    parent,
  );
  return group;
}
