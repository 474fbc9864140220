/**
 * The bastion is reached through SSM Session Manager. Only when SSH is configured does it sit in a
 * public subnet with a public address and an SSH rule; otherwise it stays private behind the NAT.
 */
import * as aws from "@pulumi/aws";
import type { BastionArgs } from "./args";
import type { VpcContext } from "./context";

export interface Bastion {
  readonly instance: aws.ec2.Instance;
  readonly role: aws.iam.Role;
}

export function createBastion(
  context: VpcContext,
  bastion: BastionArgs,
  publicSubnet: aws.ec2.Subnet,
  privateSubnet: aws.ec2.Subnet,
): Bastion {
  const { name, args, vpc, parent, tags } = context;
  const sshEnabled = Boolean(bastion.keyName) && bastion.sshCidrs.length > 0;
  const role = new aws.iam.Role(
    `${name}-bastion`,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: bastion.ec2ServicePrincipal },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      tags: tags({}),
    },
    parent,
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-bastion-ssm`,
    { role: role.name, policyArn: bastion.ssmManagedPolicyArn },
    parent,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-bastion`, { role: role.name, tags: tags({}) }, parent);
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-bastion`,
    {
      vpcId: vpc.id,
      description: sshEnabled
        ? "Bastion: SSH from configured CIDRs"
        : "Bastion: no inbound, SSM Session Manager only",
      tags: tags({ Name: `${args.clusterName}-bastion` }),
    },
    parent,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-bastion-out`,
    {
      securityGroupId: securityGroup.id,
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      description: "SSM, EKS API and package mirrors",
    },
    parent,
  );
  if (sshEnabled) {
    bastion.sshCidrs.forEach((cidr, index) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-bastion-ssh-${index}`,
        {
          securityGroupId: securityGroup.id,
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: cidr,
          description: "SSH",
        },
        parent,
      );
    });
  }
  const instance = new aws.ec2.Instance(
    `${name}-bastion`,
    {
      ami: bastion.imageId,
      instanceType: bastion.instanceType,
      subnetId: sshEnabled ? publicSubnet.id : privateSubnet.id,
      associatePublicIpAddress: sshEnabled,
      vpcSecurityGroupIds: [securityGroup.id],
      iamInstanceProfile: profile.name,
      ...(sshEnabled ? { keyName: bastion.keyName } : {}),
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 20 },
      tags: tags({ Name: `${args.clusterName}-bastion` }),
    },
    parent,
  );
  return { instance, role };
}
