/**
 * The stack's node groups: settings, VPC and cluster in; one MultusNodeGroup per group, the alarm
 * topic their ENI Lambdas notify, and the cluster side of the node startup taint out.
 *
 * One ENI Lambda per group, not one for all: each group's Lambda is configured with exactly its
 * own networks and AZs (no lookup of the group at run time, no change to the Lambda), its IAM
 * policy names only its own subnets, a failing or throttled group cannot delay another group's
 * launches, its alarms say which group is hurt, and the Lambda's configuration (an environment
 * variable, 4 KB at most for all variables) does not grow with the number of groups.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { MultusNodeGroup } from "../components/nodegroup";
import { AlarmTopic } from "../components/nodegroup/alarm-topic";
import { StartupUntaint } from "../components/nodegroup/untaint";
import { MultusVpc } from "../components/vpc";
import { DEFAULT_NODE_GROUP_NAME } from "./config/nodegroup";
import { NodeGroupSettings, StackSettings } from "./config/settings";
import { ClusterResult, SERVICE_CIDR } from "./cluster";
import type { InstanceFactsByType } from "./instance-type/facts";

/** Every node carries the name of its group, so workloads can pick a group with a nodeSelector. */
export const NODE_GROUP_LABEL = "multus-eks/node-group";

export interface NodeGroupsResult {
  readonly groups: readonly MultusNodeGroup[];
  readonly alarmTopic: AlarmTopic;
  readonly untaint: StartupUntaint;
}

/** The default group keeps the names the stack had before nodeGroups existed. */
export function nodeGroupPrefix(clusterName: string, group: Pick<NodeGroupSettings, "name">): string {
  return group.name === DEFAULT_NODE_GROUP_NAME ? clusterName : `${clusterName}-${group.name}`;
}

export function createNodeGroups(
  settings: StackSettings,
  vpc: MultusVpc,
  cluster: ClusterResult,
  provider: k8s.Provider,
  factsByType: InstanceFactsByType = {},
): NodeGroupsResult {
  const baseTags = { "multus-eks/stack": settings.stack, ...settings.tags };
  const alarmTopic = new AlarmTopic(settings.clusterName, {
    clusterName: settings.clusterName,
    notification: settings.alarmNotification,
    tags: baseTags,
  });
  const groups = settings.nodeGroups.map((node) => {
    const prefix = nodeGroupPrefix(settings.clusterName, node);
    const facts = factsByType[node.instanceType];
    return new MultusNodeGroup(prefix, {
      partition: settings.region,
      region: settings.region.name,
      clusterName: settings.clusterName,
      namePrefix: prefix,
      kubernetesVersion: settings.kubernetesVersion,
      clusterEndpoint: cluster.endpoint,
      certificateAuthority: cluster.certificateAuthority,
      serviceCidr: SERVICE_CIDR,
      clusterSecurityGroupId: cluster.clusterSecurityGroupId,
      // The VPC CNI add-on (with its IRSA role) before any node: the node role has no CNI rights.
      clusterDependencies: [cluster.cluster, cluster.vpcCniAddon],
      vpcId: vpc.vpcId,
      availabilityZones: node.availabilityZones,
      subnetIds: node.availabilityZones.map(
        (zone) => vpc.privateSubnetIds[settings.availabilityZones.indexOf(zone)],
      ),
      networks: settings.networks.filter((network) => node.networks.includes(network.name)),
      multusSubnetIds: vpc.multusSubnetIds,
      multusSecurityGroupIds: vpc.multusSecurityGroupIds,
      ...(cluster.logsKmsKeyArn ? { logsKmsKeyArn: cluster.logsKmsKeyArn } : {}),
      logRetentionDays: settings.dataProtection.logRetentionDays,
      instanceType: node.instanceType,
      desiredSize: node.desiredSize,
      minSize: node.minSize,
      maxSize: node.maxSize,
      volumeSizeGb: node.volumeSizeGb,
      ...(node.keyName ? { keyName: node.keyName } : {}),
      ...(node.amiId ? { amiId: node.amiId } : {}),
      maxPods: node.maxPods,
      ...(facts ? { instanceLimits: { maxEnis: facts.maxEnis, ipv4PerEni: facts.ipv4PerEni } } : {}),
      labels: { ...node.labels, [NODE_GROUP_LABEL]: node.name },
      refreshMinHealthyPercentage: node.refreshMinHealthyPercentage,
      alarmTopicArn: alarmTopic.topicArn,
      nodeFilesAdminArns: settings.dataProtection.nodeFilesAdminArns,
      tags: baseTags,
    });
  });
  allowTrafficBetweenGroups(
    settings.clusterName,
    settings.nodeGroups.map((node, index) => ({ name: node.name, group: groups[index] })),
  );
  const untaint = new StartupUntaint(settings.clusterName, {
    region: settings.region.name,
    partition: settings.region,
    clusterName: settings.clusterName,
    nodeRoleArns: groups.map((group) => group.nodeRoleArn),
    provider,
    clusterDependencies: [cluster.cluster],
    tags: baseTags,
  });
  return { groups, alarmTopic, untaint };
}

/** Each group's security group admits its own nodes; pods talk across groups too. */
function allowTrafficBetweenGroups(
  clusterName: string,
  groups: readonly { name: string; group: MultusNodeGroup }[],
): void {
  groups.forEach((to) =>
    groups.forEach((from) => {
      if (to === from) return;
      new aws.vpc.SecurityGroupIngressRule(
        `${clusterName}-nodes-${from.name}-to-${to.name}`,
        {
          securityGroupId: to.group.securityGroupId,
          referencedSecurityGroupId: from.group.securityGroupId,
          ipProtocol: "-1",
          description: "Nodes of another group of the cluster, all traffic",
        },
        { parent: to.group },
      );
    }),
  );
}

/** Stack outputs of one group. */
export function nodeGroupOutputs(group: MultusNodeGroup): Record<string, unknown> {
  return {
    autoScalingGroupName: group.autoScalingGroupName,
    nodeRoleArn: group.nodeRoleArn,
    launchTemplateId: group.launchTemplateId,
    securityGroupId: group.securityGroupId,
    eniLambdaName: group.lambdaName,
    eniLambdaArn: group.lambdaArn,
    eniLambdaFailureQueueArn: group.failureQueueArn,
    alarmNames: group.alarmNames,
    maxPods: group.maxPods,
    lifecycleHooks: group.lifecycleHooks,
  };
}
