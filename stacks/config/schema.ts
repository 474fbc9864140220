/**
 * Every project setting, with its type, default and description. Pulumi.yaml declares the same
 * settings (a test keeps the two identical); settings of kind "object" cannot be typed in
 * Pulumi.yaml (its schema has no object type), so they are documented there in a comment.
 */

export type SettingKind = "string" | "integer" | "boolean" | "array" | "object";

export interface SettingSpec {
  readonly kind: SettingKind;
  readonly description: string;
  readonly default: unknown;
}

export const PROJECT_NAME = "multus-eks";

export const DEFAULT_NETWORKS = [
  {
    name: "ipvlan-conf-1",
    cni: "ipvlan",
    mode: "l2",
    ipam: "host-local",
    rangeStart: 70,
    rangeEnd: 80,
  },
  {
    name: "ipvlan-conf-2",
    cni: "ipvlan",
    mode: "l2",
    ipam: "host-local",
    rangeStart: 10,
    rangeEnd: 30,
  },
];

export const SETTINGS = {
  partition: {
    kind: "string",
    description:
      "Expected AWS partition of the stack (aws-cn for China); empty means whatever the region's is.",
    default: "",
  },
  clusterName: {
    kind: "string",
    description: "EKS cluster name; also prefixes resource names and tags every Multus ENI.",
    default: "eks-multus-cluster",
  },
  kubernetesVersion: {
    kind: "string",
    description: "Kubernetes version of the cluster and of the node AMI (EKS standard support).",
    default: "1.35",
  },
  vpcCniVersion: {
    kind: "string",
    description:
      "VPC CNI add-on version, e.g. v1.20.4-eksbuild.1 (npm run preflight lists what the region offers); empty takes EKS's default at creation and then holds it.",
    default: "",
  },
  availabilityZones: {
    kind: "array",
    description:
      "At least two AZs of the stack's region; each gets a public, a private and one subnet per Multus network.",
    default: [],
  },
  vpcCidr: {
    kind: "string",
    description: "VPC CIDR block, /16 to /28.",
    default: "10.0.0.0/16",
  },
  subnetPrefixLength: {
    kind: "integer",
    description:
      "Prefix length of the subnets the CIDR plan carves out of the VPC (when not given explicitly).",
    default: 24,
  },
  publicSubnetCidrs: {
    kind: "array",
    description: "Explicit public subnet CIDRs, one per AZ in order; empty means planned.",
    default: [],
  },
  privateSubnetCidrs: {
    kind: "array",
    description: "Explicit private subnet CIDRs, one per AZ in order; empty means planned.",
    default: [],
  },
  networks: {
    kind: "object",
    description:
      "The Multus networks: a list of {name, deviceIndex, interfaceName, cidrs, cni, mode, ipam, rangeStart, rangeEnd, gateway, routes, sbr}.",
    default: DEFAULT_NETWORKS,
  },
  telecomIngressCidrs: {
    kind: "array",
    description:
      "CIDRs allowed to reach the telecom ports (UDP 2123, 2152, 8805; SCTP 3868, 36412); empty means the VPC CIDR.",
    default: [],
  },
  bastionEnabled: {
    kind: "boolean",
    description: "Create a bastion host (SSM Session Manager access).",
    default: true,
  },
  bastionInstanceType: {
    kind: "string",
    description: "Bastion instance type.",
    default: "t3.medium",
  },
  bastionKeyName: {
    kind: "string",
    description: "EC2 key pair for SSH to the bastion; SSH opens only when bastionSshCidrs is also set.",
    default: "",
  },
  bastionSshCidrs: {
    kind: "array",
    description: "CIDRs allowed to SSH to the bastion (needs bastionKeyName).",
    default: [],
  },
  bastionClusterAccess: {
    kind: "string",
    description:
      "The bastion's Kubernetes access: view (read-only, default), edit (in bastionAccessNamespaces only) or admin (cluster admin).",
    default: "view",
  },
  bastionAccessNamespaces: {
    kind: "array",
    description:
      "Namespaces the bastion's access is limited to (required for edit; empty means the whole cluster for view).",
    default: [],
  },
  endpointPublicAccess: {
    kind: "boolean",
    description: "Expose the EKS API endpoint publicly (then endpointPublicAccessCidrs is required).",
    default: false,
  },
  endpointPrivateAccess: {
    kind: "boolean",
    description: "Expose the EKS API endpoint inside the VPC.",
    default: true,
  },
  endpointPublicAccessCidrs: {
    kind: "array",
    description:
      "CIDRs allowed to reach the public EKS API endpoint; required when endpointPublicAccess is true, never the whole internet.",
    default: [],
  },
  deployFrom: {
    kind: "string",
    description:
      'Where `pulumi up` runs: "vpc" declares a network that reaches the private API endpoint (a runner or VPN into the VPC); empty needs endpointPublicAccess.',
    default: "",
  },
  secretsKmsKeyArn: {
    kind: "string",
    description:
      "Existing KMS key ARN for EKS secrets encryption; empty means the stack creates a key with yearly rotation.",
    default: "",
  },
  nodeFilesAdminArns: {
    kind: "array",
    description:
      "IAM role or user ARNs, besides the identity running pulumi up, that may delete or overwrite the node files and change their bucket's policy.",
    default: [],
  },
  logRetentionDays: {
    kind: "integer",
    description:
      "Retention of the control-plane and ENI Lambda log groups, in days (a CloudWatch Logs value).",
    default: 90,
  },
  logsKmsEnabled: {
    kind: "boolean",
    description: "Encrypt the control-plane and ENI Lambda log groups with a stack KMS key (with rotation).",
    default: true,
  },
  nodeAvailabilityZones: {
    kind: "array",
    description:
      "AZs the node group spans (a subset of availabilityZones); empty means the first AZ, as in the blog.",
    default: [],
  },
  nodeInstanceType: {
    kind: "string",
    description: "Worker instance type.",
    default: "c5.large",
  },
  nodeDesiredSize: { kind: "integer", description: "Desired number of workers.", default: 1 },
  nodeMinSize: { kind: "integer", description: "Minimum number of workers.", default: 1 },
  nodeMaxSize: { kind: "integer", description: "Maximum number of workers.", default: 1 },
  nodeVolumeSizeGb: {
    kind: "integer",
    description: "Encrypted gp3 root volume size of each worker, in GiB.",
    default: 20,
  },
  nodeKeyName: {
    kind: "string",
    description: "Optional EC2 key pair for the workers.",
    default: "",
  },
  nodeAmiId: {
    kind: "string",
    description:
      "Explicit worker AMI; empty means the EKS-optimised AL2023 AMI from SSM for kubernetesVersion.",
    default: "",
  },
  nodeMaxPods: {
    kind: "integer",
    description: "Kubelet max pods; 0 means derived from the instance type minus the Multus ENIs.",
    default: 0,
  },
  nodeLabels: {
    kind: "array",
    description: "Extra node labels as key=value strings.",
    default: [],
  },
  nodeRefreshMinHealthyPercentage: {
    kind: "integer",
    description:
      "Instance refresh on a new launch template (kubernetesVersion, AMI, user data): capacity kept healthy, in % of desired; 100 launches one new node before terminating an old one.",
    default: 100,
  },
  nodeGroups: {
    kind: "object",
    description:
      "Node groups: a list of {name, instanceType, desiredSize, minSize, maxSize, availabilityZones, networks, volumeSizeGb, keyName, amiId, maxPods, labels, refreshMinHealthyPercentage}; unset fields take the node* settings; empty means one group from the node* settings.",
    default: [],
  },
  alarmNotification: {
    kind: "string",
    description:
      "Where the ENI Lambda alarms go: an e-mail address (new SNS topic with that subscription), an existing SNS topic ARN of the stack's region, or empty (a topic without subscriber).",
    default: "",
  },
  prefixReservationEnabled: {
    kind: "boolean",
    description:
      "Reserve room for one /28 per node (nodeMaxSize) in each eni-prefix network's subnets, so prefixes cannot run out for lack of aligned space.",
    default: true,
  },
  multusInstall: {
    kind: "string",
    description:
      'How Multus is installed: "yaml" (the EKS thick-plugin manifests, rendered by this program) or "helm" (a chart).',
    default: "yaml",
  },
  multusImageRegistry: {
    kind: "string",
    description: "Registry of the Multus image (yaml install); empty means the region's EKS add-on registry.",
    default: "",
  },
  multusImageRepository: {
    kind: "string",
    description: "Repository of the Multus thick-plugin image in that registry (yaml install).",
    default: "eks/multus-cni",
  },
  multusImageTag: {
    kind: "string",
    description: "Tag of the Multus thick-plugin image (yaml install).",
    default: "v4.1.4-eksbuild.3_thick",
  },
  multusInitCommand: {
    kind: "array",
    description:
      "Init container command (exec form) that copies the Multus shim into /host/opt/cni/bin (yaml install); empty means the one published for a known multusImageTag. Needed for any other tag.",
    default: [],
  },
  multusDaemonCpuRequest: {
    kind: "string",
    description:
      "CPU request of the Multus daemon (yaml install); delegate IPAM plugins run inside its limits.",
    default: "100m",
  },
  multusDaemonCpuLimit: {
    kind: "string",
    description:
      "CPU limit of the Multus daemon (yaml install), sized for a burst of delegate ADDs (docs/multus-daemon.md).",
    default: "1",
  },
  multusDaemonMemoryRequest: {
    kind: "string",
    description: "Memory request of the Multus daemon (yaml install).",
    default: "384Mi",
  },
  multusDaemonMemoryLimit: {
    kind: "string",
    description:
      "Memory limit of the Multus daemon (yaml install), sized for a burst of delegate ADDs (docs/multus-daemon.md); 50Mi gets it OOM-killed.",
    default: "384Mi",
  },
  multusHelmChart: {
    kind: "string",
    description: "Multus chart (helm install): a chart name in multusHelmRepository, or an oci:// reference.",
    default: "",
  },
  multusHelmRepository: {
    kind: "string",
    description: "Chart repository URL (helm install); empty for an oci:// chart.",
    default: "",
  },
  multusHelmVersion: {
    kind: "string",
    description: "Chart version (helm install); empty means the latest.",
    default: "",
  },
  multusHelmValues: {
    kind: "object",
    description: "Values passed to the Multus chart as they are (helm install).",
    default: {},
  },
  samplesEnabled: {
    kind: "boolean",
    description: "Deploy the blog's samples sampleapp-1 and sampleapp-dual (one-replica Deployments).",
    default: true,
  },
  sampleImage: {
    kind: "string",
    description:
      "Image of the samples and the check (needs sh and ping); empty means <account>.dkr.ecr.<region>.<dnsSuffix>/multus-samples/busybox:1.36.1, which you mirror yourself.",
    default: "",
  },
  connectivityCheckEnabled: {
    kind: "boolean",
    description:
      "After the samples start, run a Job that pings their Multus addresses; a failed ping fails the deployment (needs samplesEnabled).",
    default: true,
  },
  tags: {
    kind: "object",
    description: "Extra tags for every AWS resource and every Multus ENI (a map of strings).",
    default: {},
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export function settingKey(name: string): string {
  return `${PROJECT_NAME}:${name}`;
}
