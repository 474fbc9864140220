/**
 * The nodes' security group: node to node all traffic, control plane to nodes on 443 and
 * 1025-65535, nodes to the control plane on 443, and egress to anywhere (image registries, AWS APIs).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { NodeGroupContext } from "./context";

export interface NodeSecurityGroup {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly rules: pulumi.CustomResource[];
}

export function createNodeSecurityGroup(context: NodeGroupContext): NodeSecurityGroup {
  const { name, args, parent } = context;
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-nodes`,
    {
      vpcId: args.vpcId,
      description: `Workers of EKS cluster ${args.clusterName}`,
      tags: context.tags({ Name: `${args.clusterName}-nodes`, [context.clusterTag]: "owned" }),
    },
    parent,
  );
  const rules: pulumi.CustomResource[] = [];
  const ingress = (
    suffix: string,
    securityGroupId: pulumi.Input<string>,
    from: pulumi.Input<string>,
    ipProtocol: string,
    ports: [number, number] | undefined,
    description: string,
  ): void => {
    rules.push(
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${suffix}`,
        {
          securityGroupId,
          referencedSecurityGroupId: from,
          ipProtocol,
          ...(ports ? { fromPort: ports[0], toPort: ports[1] } : {}),
          description,
        },
        parent,
      ),
    );
  };
  ingress("node-to-node", securityGroup.id, securityGroup.id, "-1", undefined, "Node to node, all traffic");
  ingress(
    "control-plane-https",
    securityGroup.id,
    args.clusterSecurityGroupId,
    "tcp",
    [443, 443],
    "Control plane to extension API servers on nodes",
  );
  ingress(
    "control-plane-kubelet",
    securityGroup.id,
    args.clusterSecurityGroupId,
    "tcp",
    [1025, 65535],
    "Control plane to kubelets and pods",
  );
  ingress(
    "node-to-control-plane",
    args.clusterSecurityGroupId,
    securityGroup.id,
    "tcp",
    [443, 443],
    "Nodes to the Kubernetes API",
  );
  const egress = new aws.vpc.SecurityGroupEgressRule(
    `${name}-nodes-out`,
    {
      securityGroupId: securityGroup.id,
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      description: "Image registries, AWS APIs and the cluster",
    },
    parent,
  );
  return { securityGroup, rules: [...rules, egress] };
}
