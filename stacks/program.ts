/**
 * Composes the components for one stack: settings → VPC → cluster → (node group, Multus networks).
 * Returns the stack outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, servicePrincipal } from "../components/model/partition";
import { MultusVpc } from "../components/vpc";
import { createCluster } from "./cluster";
import { createMultusNetworks } from "./networks";
import { createNodeGroups, nodeGroupOutputs } from "./nodegroup";
import { StackSettings } from "./config";
import type { InstanceFactsByType } from "./instance-type/facts";

/** AL2023 for the bastion, resolved by EC2 at launch from the public SSM parameter. */
const BASTION_IMAGE = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/**
 * `factsByType`: EC2's facts of every node group's instance type, already checked against the
 * groups (pulumi preview/up); the offline plan passes this program's table.
 */
export function buildStack(
  settings: StackSettings,
  factsByType: InstanceFactsByType = {},
): Record<string, unknown> {
  for (const warning of settings.warnings) void pulumi.log.warn(warning);
  const baseTags = { "multus-eks/stack": settings.stack, ...settings.tags };
  const vpc = new MultusVpc(settings.clusterName, {
    layout: settings.layout,
    availabilityZones: settings.availabilityZones,
    clusterName: settings.clusterName,
    telecomIngressCidrs: settings.telecomIngressCidrs,
    prefixReservations: settings.prefixReservations,
    addressReservations: settings.addressReservations,
    tags: baseTags,
    ...(settings.bastion.enabled
      ? {
          bastion: {
            instanceType: settings.bastion.instanceType,
            imageId: BASTION_IMAGE,
            ...(settings.bastion.keyName ? { keyName: settings.bastion.keyName } : {}),
            sshCidrs: settings.bastion.sshCidrs,
            ec2ServicePrincipal: servicePrincipal(settings.region, "ec2"),
            ssmManagedPolicyArn: managedPolicyArn(settings.region, "AmazonSSMManagedInstanceCore"),
          },
        }
      : {}),
  });

  const cluster = createCluster(settings, vpc);
  const provider = new k8s.Provider(`${settings.clusterName}-k8s`, { kubeconfig: cluster.kubeconfigJson });
  const { groups, alarmTopic, untaint } = createNodeGroups(settings, vpc, cluster, provider, factsByType);
  const nodeGroup = groups[0];
  // Multus waits for the nodes and the cluster (with it, the VPC CNI that stays the default delegate).
  const multus = createMultusNetworks(settings, cluster, [cluster.cluster, ...groups], provider);

  const zones = settings.availabilityZones;
  const byZone = (ids: pulumi.Output<string>[]): Record<string, pulumi.Output<string>> =>
    Object.fromEntries(zones.map((zone, index) => [zone, ids[index]]));
  return {
    region: settings.region.name,
    partition: settings.region.partition,
    vpcId: vpc.vpcId,
    subnetIds: {
      public: byZone(vpc.publicSubnetIds),
      private: byZone(vpc.privateSubnetIds),
      multus: vpc.multusSubnetIds,
    },
    subnetCidrs: settings.layout.subnets.map((subnet) => ({
      role: subnet.role,
      network: subnet.network ?? null,
      availabilityZone: subnet.availabilityZone,
      cidr: subnet.cidr,
    })),
    securityGroupIds: {
      multus: vpc.multusSecurityGroupIds,
      cluster: cluster.clusterSecurityGroupId,
    },
    bastionInstanceId: vpc.bastionInstanceId ?? null,
    clusterName: cluster.clusterName,
    kubeconfig: pulumi.secret(cluster.kubeconfigJson),
    nodeGroup: nodeGroupOutputs(nodeGroup),
    nodeGroups: Object.fromEntries(
      settings.nodeGroups.map((node, index) => [node.name, nodeGroupOutputs(groups[index])]),
    ),
    alarmTopicArn: alarmTopic.topicArn,
    startupUntaintRoleArn: untaint.roleArn,
    vpcCniRoleArn: cluster.vpcCniRoleArn,
    nadNames: multus.nadNames,
    sampleNames: multus.sampleNames,
    checkJobNames: multus.checkJobNames,
  };
}
