/**
 * MultusVpc: the VPC of a Multus-enabled EKS cluster. Public and private subnets per AZ (one NAT
 * gateway per AZ), one local-only subnet per Multus network per AZ, the Multus security group and an
 * optional bastion. It turns a `SubnetLayout` (see plan.ts) into resources and decides nothing else.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NETWORK_TAG_KEY } from "../model/tags";
import { PlannedSubnet, SubnetLayout } from "./plan";
import type { AddressReservation } from "./address-reservations";
import type { PrefixReservation } from "./prefix-reservations";
import { MultusSecurityGroupPlan, planMultusSecurityGroups } from "./telecom-ports";

export interface BastionArgs {
  readonly instanceType: string;
  /** AMI, or an EC2 `resolve:ssm:` reference to one. */
  readonly imageId: pulumi.Input<string>;
  /** SSH opens only when both a key pair and at least one CIDR are given. */
  readonly keyName?: string;
  readonly sshCidrs: readonly string[];
  /** Partition-correct pieces of the bastion's IAM role. */
  readonly ec2ServicePrincipal: string;
  readonly ssmManagedPolicyArn: string;
}

export interface MultusVpcArgs {
  /** The subnet layout from `planSubnetLayout`: every CIDR is decided there. */
  readonly layout: SubnetLayout;
  readonly availabilityZones: readonly string[];
  /** EKS cluster whose load balancers may use the public and private subnets. */
  readonly clusterName: string;
  /** Peers allowed to reach the telecom ports of the Multus security group; never 0.0.0.0/0 by default. */
  readonly telecomIngressCidrs: readonly string[];
  /** Omit for no bastion. */
  readonly bastion?: BastionArgs;
  /** Prefix reservations on Multus subnets (eni-prefix networks), from `planPrefixReservations`. */
  readonly prefixReservations?: readonly PrefixReservation[];
  /**
   * Explicit reservations over the fixed pod ranges and pinned addresses of Multus networks, from
   * `planAddressReservations`: EC2 then never gives an ENI one of those addresses.
   */
  readonly addressReservations?: readonly AddressReservation[];
  readonly tags?: Readonly<Record<string, string>>;
}

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
    const parent = { parent: this };
    const tags = (extra: Record<string, string>): Record<string, string> => ({ ...args.tags, ...extra });
    const zoneSuffix = (zone: string): string => zone.slice(-1);
    const subnetsOf = (role: PlannedSubnet["role"]): PlannedSubnet[] =>
      args.layout.subnets.filter((subnet) => subnet.role === role);

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
    const internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-igw` }) },
      parent,
    );

    const subnet = (
      planned: PlannedSubnet,
      resourceName: string,
      extraTags: Record<string, string>,
    ): aws.ec2.Subnet =>
      new aws.ec2.Subnet(
        resourceName,
        {
          vpcId: vpc.id,
          cidrBlock: planned.cidr,
          availabilityZone: planned.availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: tags({ Name: `${args.clusterName}-${resourceName.slice(name.length + 1)}`, ...extraTags }),
        },
        parent,
      );
    const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;

    const publicRouteTable = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-public` }) },
      parent,
    );
    new aws.ec2.Route(
      `${name}-public-default`,
      { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
      parent,
    );

    const natGatewayByZone = new Map<string, aws.ec2.NatGateway>();
    const publicSubnets = subnetsOf("public").map((planned) => {
      const suffix = zoneSuffix(planned.availabilityZone);
      const created = subnet(planned, `${name}-public-${suffix}`, {
        "kubernetes.io/role/elb": "1",
        [clusterTag]: "shared",
      });
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${suffix}`,
        { subnetId: created.id, routeTableId: publicRouteTable.id },
        parent,
      );
      const eip = new aws.ec2.Eip(
        `${name}-nat-${suffix}`,
        { domain: "vpc", tags: tags({ Name: `${args.clusterName}-nat-${suffix}` }) },
        { parent: this, dependsOn: [internetGateway] },
      );
      natGatewayByZone.set(
        planned.availabilityZone,
        new aws.ec2.NatGateway(
          `${name}-nat-${suffix}`,
          {
            allocationId: eip.id,
            subnetId: created.id,
            tags: tags({ Name: `${args.clusterName}-nat-${suffix}` }),
          },
          { parent: this, dependsOn: [internetGateway] },
        ),
      );
      return created;
    });

    const privateSubnets = subnetsOf("private").map((planned) => {
      const suffix = zoneSuffix(planned.availabilityZone);
      const created = subnet(planned, `${name}-private-${suffix}`, {
        "kubernetes.io/role/internal-elb": "1",
        [clusterTag]: "shared",
      });
      const routeTable = new aws.ec2.RouteTable(
        `${name}-private-${suffix}`,
        { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-private-${suffix}` }) },
        parent,
      );
      // Each AZ leaves through its own NAT gateway, so losing one AZ does not cut the others off.
      new aws.ec2.Route(
        `${name}-private-${suffix}-default`,
        {
          routeTableId: routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: natGatewayByZone.get(planned.availabilityZone)!.id,
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

    // Multus subnets carry pod traffic between network functions only: the table has no default route.
    const multusRouteTable = new aws.ec2.RouteTable(
      `${name}-multus`,
      { vpcId: vpc.id, tags: tags({ Name: `${args.clusterName}-multus` }) },
      parent,
    );
    const multusSubnetIds: Record<string, Record<string, pulumi.Output<string>>> = {};
    for (const planned of subnetsOf("multus")) {
      const network = planned.network!;
      const resourceName = `${name}-multus-${network}-${zoneSuffix(planned.availabilityZone)}`;
      const created = subnet(planned, resourceName, { [NETWORK_TAG_KEY]: network });
      new aws.ec2.RouteTableAssociation(
        resourceName,
        { subnetId: created.id, routeTableId: multusRouteTable.id },
        parent,
      );
      multusSubnetIds[network] = { ...multusSubnetIds[network], [planned.availabilityZone]: created.id };
    }

    for (const reservation of args.prefixReservations ?? []) {
      const suffix = zoneSuffix(reservation.availabilityZone);
      new aws.ec2.SubnetCidrReservation(
        `${name}-prefixes-${reservation.network}-${suffix}-${reservation.cidr.replace(/[./]/g, "-")}`,
        {
          subnetId: multusSubnetIds[reservation.network][reservation.availabilityZone],
          cidrBlock: reservation.cidr,
          reservationType: "prefix",
          description: `/28 prefixes for the nodes on Multus network ${reservation.network}`,
        },
        parent,
      );
    }

    for (const reservation of args.addressReservations ?? []) {
      const suffix = zoneSuffix(reservation.availabilityZone);
      new aws.ec2.SubnetCidrReservation(
        `${name}-pods-${reservation.network}-${suffix}-${reservation.cidr.replace(/[./]/g, "-")}`,
        {
          subnetId: multusSubnetIds[reservation.network][reservation.availabilityZone],
          cidrBlock: reservation.cidr,
          reservationType: "explicit",
          description: `Pod addresses ${reservation.purpose} of Multus network ${reservation.network}`,
        },
        parent,
      );
    }

    const multusSecurityGroupIds: Record<string, pulumi.Output<string>> = {};
    for (const plan of planMultusSecurityGroups(args.layout, args.telecomIngressCidrs)) {
      multusSecurityGroupIds[plan.network] = this.createMultusSecurityGroup(name, args, vpc, plan, tags).id;
    }

    if (args.bastion) {
      const bastion = this.createBastion(
        name,
        args,
        args.bastion,
        vpc,
        publicSubnets[0],
        privateSubnets[0],
        tags,
      );
      this.bastionInstanceId = bastion.instance.id;
      this.bastionRoleArn = bastion.role.arn;
    }

    this.vpcId = vpc.id;
    this.publicSubnetIds = publicSubnets.map((created) => created.id);
    this.privateSubnetIds = privateSubnets.map((created) => created.id);
    this.multusSubnetIds = multusSubnetIds;
    this.multusSecurityGroupIds = multusSecurityGroupIds;
    this.natGatewayIds = [...natGatewayByZone.values()].map((gateway) => gateway.id);
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

  /**
   * A Multus network's security group: all traffic only from the network's own subnets (its Multus
   * ENIs and the pod addresses on them), the telecom ports and ICMP echo from the telecom peers.
   */
  private createMultusSecurityGroup(
    name: string,
    args: MultusVpcArgs,
    vpc: aws.ec2.Vpc,
    plan: MultusSecurityGroupPlan,
    tags: (extra: Record<string, string>) => Record<string, string>,
  ): aws.ec2.SecurityGroup {
    const parent = { parent: this };
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

  /**
   * The bastion is reached through SSM Session Manager. Only when SSH is configured does it sit in a
   * public subnet with a public address and an SSH rule; otherwise it stays private behind the NAT.
   */
  private createBastion(
    name: string,
    args: MultusVpcArgs,
    bastion: BastionArgs,
    vpc: aws.ec2.Vpc,
    publicSubnet: aws.ec2.Subnet,
    privateSubnet: aws.ec2.Subnet,
    tags: (extra: Record<string, string>) => Record<string, string>,
  ): { instance: aws.ec2.Instance; role: aws.iam.Role } {
    const parent = { parent: this };
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
    const profile = new aws.iam.InstanceProfile(
      `${name}-bastion`,
      { role: role.name, tags: tags({}) },
      parent,
    );
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
}
