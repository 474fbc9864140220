/** MultusVpc's arguments: the subnet layout decides every CIDR; the rest is access and tags. */
import type * as pulumi from "@pulumi/pulumi";
import type { AddressReservation } from "./address-reservations";
import type { SubnetLayout } from "./plan";
import type { PrefixReservation } from "./prefix-reservations";

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
