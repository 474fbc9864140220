/**
 * The stack's Multus node group: settings, VPC and cluster in, one MultusNodeGroup out.
 */
import { MultusNodeGroup } from "../components/nodegroup";
import { MultusVpc } from "../components/vpc";
import { ClusterResult, SERVICE_CIDR } from "./cluster";
import { ConfigError } from "./config";
import { settingKey } from "./config/schema";
import { StackSettings } from "./config/settings";
import { InstanceTypeFacts, instanceTypeProblems, tableFacts } from "./instance-type/facts";

/**
 * Instance type against the Multus networks, checked before anything is declared. `facts`: EC2's
 * (pulumi preview/up); absent: this program's table (offline plan).
 */
export function nodeGroupConfigProblems(
  settings: StackSettings,
  facts?: InstanceTypeFacts,
): ConfigError | undefined {
  const { instanceType, maxPods } = settings.nodeGroup;
  const problems = instanceTypeProblems(
    { instanceType, maxPods, networks: settings.networks },
    facts ?? tableFacts(instanceType),
  );
  return problems.length === 0
    ? undefined
    : new ConfigError(
        problems.map((problem) => ({ setting: settingKey(problem.setting), message: problem.message })),
      );
}

export function createNodeGroup(
  settings: StackSettings,
  vpc: MultusVpc,
  cluster: ClusterResult,
  facts?: InstanceTypeFacts,
): MultusNodeGroup {
  const problem = nodeGroupConfigProblems(settings, facts);
  if (problem) throw problem;
  const node = settings.nodeGroup;
  const privateSubnetIds = node.availabilityZones.map(
    (zone) => vpc.privateSubnetIds[settings.availabilityZones.indexOf(zone)],
  );
  const baseTags = { "multus-eks/stack": settings.stack, ...settings.tags };
  return new MultusNodeGroup(settings.clusterName, {
    partition: settings.region,
    region: settings.region.name,
    clusterName: settings.clusterName,
    kubernetesVersion: settings.kubernetesVersion,
    clusterEndpoint: cluster.endpoint,
    certificateAuthority: cluster.certificateAuthority,
    serviceCidr: SERVICE_CIDR,
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    clusterDependencies: [cluster.cluster],
    vpcId: vpc.vpcId,
    availabilityZones: node.availabilityZones,
    subnetIds: privateSubnetIds,
    networks: settings.networks,
    multusSubnetIds: vpc.multusSubnetIds,
    multusSecurityGroupId: vpc.multusSecurityGroupId,
    instanceType: node.instanceType,
    desiredSize: node.desiredSize,
    minSize: node.minSize,
    maxSize: node.maxSize,
    volumeSizeGb: node.volumeSizeGb,
    ...(node.keyName ? { keyName: node.keyName } : {}),
    ...(node.amiId ? { amiId: node.amiId } : {}),
    maxPods: node.maxPods,
    ...(facts ? { instanceLimits: { maxEnis: facts.maxEnis, ipv4PerEni: facts.ipv4PerEni } } : {}),
    labels: node.labels,
    tags: baseTags,
  });
}
