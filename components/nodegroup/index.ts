/**
 * MultusNodeGroup: self-managed AL2023 workers whose extra ENIs (one per Multus network) are
 * attached by a Lambda on the Auto Scaling group's lifecycle hooks.
 *
 * Order of creation (and, reversed, of deletion):
 *   node role, security group, node files bucket and object (fetched by the user data at boot),
 *   launch template; Lambda (role, policy, logs), EventBridge rules,
 *   invoke permissions → Auto Scaling group (with its hooks from the start).
 * The group depends on the Lambda side, so on `pulumi destroy` it is drained first (forceDelete is
 * false): every instance goes through the terminate hook while the Lambda and the rule still exist,
 * and the Multus ENIs, set to DeleteOnTermination, go with the instances. The subnets and security
 * groups the Lambda's configuration names are deleted only after the Lambda itself.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_TAG_KEY } from "../model/tags";
import type { MultusNetwork } from "../model/network";
import { PartitionInfo, servicePrincipal } from "../model/partition";
import {
  ENI_LAMBDA_HANDLER,
  ENI_LAMBDA_RUNTIME,
  ENI_LAMBDA_TIMEOUT_SECONDS,
  eniLambdaArchive,
  encodeLambdaConfig,
  LAMBDA_CONFIG_ENV,
} from "./lambda-bundle";
import { ec2Arn } from "./iam-scope";
import { eniLambdaPolicyDocument } from "./lambda-iam";
import { InstanceNetworkLimits, resolveMaxPods } from "./max-pods";
import {
  lambdaManagedPolicyArns,
  nodeManagedPolicyArns,
  serviceTrustPolicy,
  vpcIpNodePolicyDocument,
} from "./node-iam";
import { nodeRolePolicies } from "./node-role-policy";
import {
  autoScalingGroupName,
  eksOptimizedAmiReference,
  ENI_LAMBDA_LOG_RETENTION_DAYS,
  ENI_LAMBDA_MEMORY_MB,
  eniLambdaConfig,
  eniLambdaLogGroupName,
  eniLambdaName,
  EVENT_MAX_AGE_SECONDS,
  lifecycleEventPattern,
  LifecycleHookSpec,
  lifecycleHooks,
  multusSubnetId,
  SWEEP_SCHEDULE,
} from "./plan";
import { nodeGroupArgsProblems } from "./args-problems";
import { nodeBundle } from "./node-bundle";
import { nodeConfig } from "./node-config";
import {
  deployerPrincipalArns,
  nodeFilesBucketPolicy,
  nodeFilesBucketPrefix,
  nodeFilesReadPolicy,
} from "./node-files-iam";
import { createEniLambdaAlarms, EniLambdaAlarms } from "./alarms";
import { refreshPlan } from "./refresh";
import { renderNodeUserData, userDataPayload } from "./userdata";

export const NODE_GROUP_TYPE = "multus-eks:nodegroup:MultusNodeGroup";

/** IMDS answers only on the host network: a pod's packets need a second hop. */
export const NODE_IMDS_HOP_LIMIT = 1;

export interface MultusNodeGroupArgs {
  /** Partition of the stack's region: every ARN and service principal is built from it. */
  readonly partition: PartitionInfo;
  /** Region name, for the ARNs in the Lambda's policy. */
  readonly region: string;
  /** EKS cluster name: also fixes the group's and the Lambda's names. */
  readonly clusterName: string;
  /**
   * Prefix of the names fixed up front (Auto Scaling group, ENI Lambda and what hangs off it);
   * default: the cluster name. Each node group of a cluster needs its own.
   */
  readonly namePrefix?: string;
  /** Kubernetes version, for the EKS-optimised AL2023 AMI (ignored when `amiId` is set). */
  readonly kubernetesVersion: string;
  /** API server URL and base64 CA, as nodeadm wants them. */
  readonly clusterEndpoint: pulumi.Input<string>;
  readonly certificateAuthority: pulumi.Input<string>;
  /** The cluster's service CIDR (nodeadm's `cidr`). */
  readonly serviceCidr: string;
  /** The EKS cluster security group (control plane ENIs). */
  readonly clusterSecurityGroupId: pulumi.Input<string>;
  /** Resources that must exist before the access entry and the group (the EKS cluster). */
  readonly clusterDependencies?: pulumi.Resource[];

  readonly vpcId: pulumi.Input<string>;
  /** AZs the group spans, and the private subnet of each, in the same order. */
  readonly availabilityZones: readonly string[];
  readonly subnetIds: readonly pulumi.Input<string>[];
  /** The Multus networks; one ENI each, at its device index. */
  readonly networks: readonly MultusNetwork[];
  /** Multus subnet IDs by network name, then AZ (MultusVpc.multusSubnetIds). */
  readonly multusSubnetIds: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
  /** Security group of each Multus network's ENIs, by network name (MultusVpc.multusSecurityGroupIds). */
  readonly multusSecurityGroupIds: Readonly<Record<string, pulumi.Input<string>>>;
  /** KMS key of the ENI Lambda's log group; absent means CloudWatch Logs' own encryption. */
  readonly logsKmsKeyArn?: pulumi.Input<string>;
  /** Retention of the ENI Lambda's log group (default ENI_LAMBDA_LOG_RETENTION_DAYS). */
  readonly logRetentionDays?: number;

  /** Worker instance type (default c5.large). */
  readonly instanceType?: string;
  readonly desiredSize: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Root volume size in GiB (default 20). */
  readonly volumeSizeGb?: number;
  readonly keyName?: string;
  /** Explicit AMI; default: the EKS-optimised AL2023 AMI through its public SSM parameter. */
  readonly amiId?: string;
  /** kubelet maxPods; 0 or absent derives it from the instance type minus the Multus ENIs. */
  readonly maxPods?: number;
  /** The instance type's ENI limits as EC2 reports them; absent: this program's table. */
  readonly instanceLimits?: InstanceNetworkLimits;
  readonly labels?: Readonly<Record<string, string>>;
  /** Instance refresh: capacity kept healthy, in % of desired (default 100: surge one node first). */
  readonly refreshMinHealthyPercentage?: number;
  /** SNS topic the ENI Lambda's alarms notify (AlarmTopic). */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** The sweeper's grace period for unattached ENIs (default: the Lambda's). */
  readonly sweepGraceMinutes?: number;
  /** Tags for every resource, and for every ENI the Lambda creates. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * IAM principal ARNs besides the identity running `pulumi up` that may delete or overwrite the
   * node files and change their bucket's policy (e.g. a second deploying role).
   */
  readonly nodeFilesAdminArns?: readonly string[];
}

const DEFAULT_INSTANCE_TYPE = "c5.large";
const DEFAULT_VOLUME_SIZE_GB = 20;
/** Enough for one launch hook heartbeat plus boot, and one replacement if an instance is abandoned. */
const WAIT_FOR_CAPACITY_TIMEOUT = "15m";

export class MultusNodeGroup extends pulumi.ComponentResource {
  public readonly nodeRoleArn: pulumi.Output<string>;
  public readonly instanceProfileName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly launchTemplateId: pulumi.Output<string>;
  /** The S3 bucket holding the node files, and the key and sha256 of the current object. */
  public readonly nodeFilesBucket: pulumi.Output<string>;
  public readonly nodeFilesKey: string;
  public readonly nodeFilesSha256: string;
  public readonly autoScalingGroupName: pulumi.Output<string>;
  /** The ENI Lambda; undefined for a group without Multus networks. */
  public readonly lambdaName: pulumi.Output<string | undefined>;
  public readonly lambdaArn: pulumi.Output<string | undefined>;
  /** Where the Lambda's failed async invocations wait (its on-failure destination). */
  public readonly failureQueueArn: pulumi.Output<string | undefined>;
  public readonly alarmNames: pulumi.Output<string>[];
  /** The kubelet maxPods the nodes get. */
  public readonly maxPods: number;
  /** The group's lifecycle hooks (names are what `aws autoscaling complete-lifecycle-action` wants). */
  public readonly lifecycleHooks: readonly LifecycleHookSpec[];

  constructor(name: string, args: MultusNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    const instanceType = args.instanceType ?? DEFAULT_INSTANCE_TYPE;
    // Before anything is declared: a bad argument must not stop a deployment inside an apply.
    const problems = nodeGroupArgsProblems(args, instanceType);
    if (problems.length > 0) {
      throw new Error(
        `MultusNodeGroup ${name}: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      );
    }
    super(NODE_GROUP_TYPE, name, {}, opts);
    const parent = { parent: this };
    this.maxPods = resolveMaxPods({
      instanceType,
      maxPods: args.maxPods ?? 0,
      multusDeviceIndexes: args.networks.map((network) => network.deviceIndex),
      ...(args.instanceLimits ? { limits: args.instanceLimits } : {}),
    });
    const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;
    const tags = (extra: Record<string, string> = {}): Record<string, string> => ({
      ...args.tags,
      ...extra,
    });
    const groupName = autoScalingGroupName(args.namePrefix ?? args.clusterName);
    this.lifecycleHooks = args.networks.length > 0 ? lifecycleHooks() : [];
    const functionName = eniLambdaName(args.namePrefix ?? args.clusterName);

    // Node identity: EC2 trust from the partition, and an EKS access entry instead of aws-auth.
    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      { assumeRolePolicy: JSON.stringify(serviceTrustPolicy(args.partition, "ec2")), tags: tags() },
      parent,
    );
    const nodePolicies: pulumi.CustomResource[] = nodeManagedPolicyArns(args.partition).map(
      (policyArn) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policyArn.split("/").pop()}`,
          { role: nodeRole.name, policyArn },
          parent,
        ),
    );
    // vpc-ip networks: the node's IPAM plugin assigns pod addresses on the cluster's Multus ENIs.
    if (args.networks.some((network) => network.ipam === "vpc-ip")) {
      // With the other node policies: the group waits for it, and a destroy keeps it until the
      // nodes (whose plugin releases addresses with it) are gone.
      nodePolicies.push(
        new aws.iam.RolePolicy(
          `${name}-node-vpc-ip`,
          {
            role: nodeRole.name,
            policy: aws.getCallerIdentityOutput({}, parent).accountId.apply((accountId) =>
              JSON.stringify(
                vpcIpNodePolicyDocument({
                  partition: args.partition,
                  region: args.region,
                  accountId,
                  clusterName: args.clusterName,
                }),
              ),
            ),
          },
          parent,
        ),
      );
    }
    // The node scripts' own API calls (none today), scoped like the Lambda's.
    nodePolicies.push(
      ...nodeRolePolicies(name, nodeRole, { ...args, autoScalingGroupName: groupName }, parent),
    );
    const instanceProfile = new aws.iam.InstanceProfile(
      `${name}-node`,
      { role: nodeRole.name, tags: tags() },
      parent,
    );
    const accessEntry = new aws.eks.AccessEntry(
      `${name}-node`,
      { clusterName: args.clusterName, principalArn: nodeRole.arn, type: "EC2_LINUX", tags: tags() },
      { parent: this, dependsOn: args.clusterDependencies ?? [] },
    );

    const { securityGroup, rules: securityGroupRules } = this.createNodeSecurityGroup(
      name,
      args,
      tags({ Name: `${args.clusterName}-nodes`, [clusterTag]: "owned" }),
    );

    // The node files (scripts, units, udev rule, IPAM plugins, node config) travel as one S3
    // object, fetched at boot and checked against the digest in the user data: the user data
    // stays small whatever the networks and plugins.
    const bundle = nodeBundle(
      nodeConfig({
        clusterName: args.clusterName,
        region: args.region,
        availabilityZones: args.availabilityZones,
        networks: args.networks,
      }),
    );
    this.nodeFilesKey = bundle.key;
    this.nodeFilesSha256 = bundle.sha256;
    const nodeFiles = this.createNodeFilesBucket(name, args, nodeRole, bundle, tags);

    const userData = pulumi
      .all([args.clusterEndpoint, args.certificateAuthority, nodeFiles.bucket.id])
      .apply(([endpoint, certificateAuthority, bucketName]) =>
        userDataPayload(
          renderNodeUserData({
            clusterName: args.clusterName,
            apiServerEndpoint: endpoint,
            certificateAuthority,
            serviceCidr: args.serviceCidr,
            maxPods: this.maxPods,
            labels: { ...args.labels },
            networks: args.networks.map((network) => ({
              name: network.name,
              deviceIndex: network.deviceIndex,
              interfaceName: network.interfaceName,
            })),
            nodeFiles: { bucket: bucketName, key: bundle.key, sha256: bundle.sha256, region: args.region },
          }),
        ).toString("base64"),
      );
    const instanceTags = tags({ Name: `${args.clusterName}-node`, [clusterTag]: "owned" });
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Multus workers of EKS cluster ${args.clusterName}`,
        imageId: args.amiId ?? eksOptimizedAmiReference(args.kubernetesVersion),
        instanceType,
        ...(args.keyName ? { keyName: args.keyName } : {}),
        iamInstanceProfile: { arn: instanceProfile.arn },
        vpcSecurityGroupIds: [securityGroup.id],
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: args.volumeSizeGb ?? DEFAULT_VOLUME_SIZE_GB,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        // IMDSv2 only, hop limit 1: only the host network reaches IMDS (aws-node, Multus, the IPAM
        // plugins and the node scripts all run there); pods cannot take the node role's credentials.
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: NODE_IMDS_HOP_LIMIT,
          instanceMetadataTags: "disabled",
        },
        userData,
        tagSpecifications: [
          { resourceType: "instance", tags: instanceTags },
          { resourceType: "volume", tags: instanceTags },
        ],
        updateDefaultVersion: true,
        tags: tags(),
      },
      parent,
    );

    // A group without Multus networks needs no ENI Lambda, no hooks and no alarms.
    const eni =
      args.networks.length > 0 ? this.createEniAttach(name, args, functionName, groupName, tags) : undefined;

    const refresh = refreshPlan({
      desiredSize: args.desiredSize,
      ...(args.refreshMinHealthyPercentage === undefined
        ? {}
        : { minHealthyPercentage: args.refreshMinHealthyPercentage }),
    });
    const group = new aws.autoscaling.Group(
      `${name}-nodes`,
      {
        name: groupName,
        vpcZoneIdentifiers: [...args.subnetIds],
        desiredCapacity: args.desiredSize,
        minSize: args.minSize,
        maxSize: args.maxSize,
        launchTemplate: {
          id: launchTemplate.id,
          version: launchTemplate.latestVersion.apply((version) => String(version)),
        },
        initialLifecycleHooks: this.lifecycleHooks.map((hook) => ({ ...hook })),
        // A new launch template version rolls the group through the same lifecycle hooks.
        instanceRefresh: refresh,
        // Health-check replacements keep the same capacity rule as the refresh.
        instanceMaintenancePolicy: {
          minHealthyPercentage: refresh.preferences.minHealthyPercentage,
          maxHealthyPercentage: refresh.preferences.maxHealthyPercentage,
        },
        healthCheckType: "EC2",
        // Drain on delete: every instance passes the terminate hook while the Lambda still exists.
        forceDelete: false,
        waitForCapacityTimeout: WAIT_FOR_CAPACITY_TIMEOUT,
        tags: Object.entries(
          tags({
            Name: `${args.clusterName}-node`,
            [clusterTag]: "owned",
            [CLUSTER_TAG_KEY]: args.clusterName,
          }),
        ).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      {
        parent: this,
        // The name is fixed (the rule matches it), so a replacement must delete the old group first.
        deleteBeforeReplace: true,
        dependsOn: [
          ...(eni ? [eni.function, eni.invokeConfig, ...eni.wiring] : []),
          accessEntry,
          ...nodePolicies,
          ...nodeFiles.resources,
          ...securityGroupRules,
          ...(args.clusterDependencies ?? []),
        ],
      },
    );

    this.nodeRoleArn = nodeRole.arn;
    this.instanceProfileName = instanceProfile.name;
    this.securityGroupId = securityGroup.id;
    this.launchTemplateId = launchTemplate.id;
    this.nodeFilesBucket = nodeFiles.bucket.id;
    this.autoScalingGroupName = group.name;
    this.lambdaName = eni ? eni.function.name : pulumi.output(undefined);
    this.lambdaArn = eni ? eni.function.arn : pulumi.output(undefined);
    this.failureQueueArn = eni ? eni.alarms.failureQueueArn : pulumi.output(undefined);
    this.alarmNames = eni ? eni.alarms.alarmNames : [];
    this.registerOutputs({
      failureQueueArn: this.failureQueueArn,
      alarmNames: this.alarmNames,
      nodeRoleArn: this.nodeRoleArn,
      instanceProfileName: this.instanceProfileName,
      securityGroupId: this.securityGroupId,
      launchTemplateId: this.launchTemplateId,
      nodeFilesBucket: this.nodeFilesBucket,
      nodeFilesKey: this.nodeFilesKey,
      nodeFilesSha256: this.nodeFilesSha256,
      autoScalingGroupName: this.autoScalingGroupName,
      lambdaName: this.lambdaName,
      lambdaArn: this.lambdaArn,
      maxPods: this.maxPods,
      lifecycleHooks: this.lifecycleHooks,
    });
  }

  /**
   * The node files bucket: private (public access blocked, ACLs disabled), SSE-S3, TLS only,
   * readable by the node role alone; forceDestroy so `pulumi destroy` empties and deletes it.
   */
  private createNodeFilesBucket(
    name: string,
    args: MultusNodeGroupArgs,
    nodeRole: aws.iam.Role,
    bundle: ReturnType<typeof nodeBundle>,
    tags: (extra?: Record<string, string>) => Record<string, string>,
  ): { bucket: aws.s3.Bucket; resources: pulumi.Resource[] } {
    const parent = { parent: this };
    // Auto-named (globally unique); its id is the bucket name.
    const bucket = new aws.s3.Bucket(
      `${name}-node-files`,
      { bucketPrefix: nodeFilesBucketPrefix(args.clusterName), forceDestroy: true, tags: tags() },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-node-files`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-node-files`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-node-files`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      parent,
    );
    // Every version is kept: an object deleted or overwritten anyway can be restored.
    const versioning = new aws.s3.BucketVersioning(
      `${name}-node-files`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    const deployer = aws.getCallerIdentityOutput({}, parent).arn;
    const policy = new aws.s3.BucketPolicy(
      `${name}-node-files`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.id, deployer])
          .apply(([bucketName, callerArn]) =>
            JSON.stringify(
              nodeFilesBucketPolicy(args.partition, bucketName, [
                ...deployerPrincipalArns(callerArn),
                ...(args.nodeFilesAdminArns ?? []),
              ]),
            ),
          ),
      },
      { parent: this, dependsOn: [publicAccess, versioning] },
    );
    const object = new aws.s3.BucketObjectv2(
      `${name}-node-files`,
      {
        bucket: bucket.id,
        key: bundle.key,
        contentBase64: bundle.content.toString("base64"),
        contentType: "application/gzip",
        metadata: { sha256: bundle.sha256 },
        tags: tags(),
      },
      { parent: this, dependsOn: [encryption, ownership, versioning] },
    );
    const read = new aws.iam.RolePolicy(
      `${name}-node-files`,
      {
        role: nodeRole.name,
        policy: bucket.id.apply((bucketName) =>
          JSON.stringify(nodeFilesReadPolicy(args.partition, bucketName)),
        ),
      },
      parent,
    );
    return { bucket, resources: [publicAccess, ownership, encryption, versioning, policy, object, read] };
  }

  /** Node ↔ node all traffic, control plane → nodes on 443 and 1025-65535, nodes → control plane 443. */
  private createNodeSecurityGroup(
    name: string,
    args: MultusNodeGroupArgs,
    groupTags: Record<string, string>,
  ): { securityGroup: aws.ec2.SecurityGroup; rules: pulumi.CustomResource[] } {
    const parent = { parent: this };
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-nodes`,
      { vpcId: args.vpcId, description: `Workers of EKS cluster ${args.clusterName}`, tags: groupTags },
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

  /** The ENI Lambda with the EventBridge rules (lifecycle actions, sweep) that invoke it. */
  private createEniAttach(
    name: string,
    args: MultusNodeGroupArgs,
    functionName: string,
    groupName: string,
    tags: (extra?: Record<string, string>) => Record<string, string>,
  ): ReturnType<MultusNodeGroup["createEniLambda"]> & { wiring: pulumi.Resource[] } {
    const parent = { parent: this };
    const lambda = this.createEniLambda(name, args, functionName, groupName, tags);

    const lifecycleRule = new aws.cloudwatch.EventRule(
      `${name}-lifecycle`,
      {
        description: `Launch and terminate lifecycle actions of ${groupName}, for the Multus ENI Lambda`,
        eventPattern: JSON.stringify(lifecycleEventPattern(groupName)),
        tags: tags(),
      },
      parent,
    );
    const sweepRule = new aws.cloudwatch.EventRule(
      `${name}-sweep`,
      {
        description: `Deletes Multus ENIs of ${args.clusterName} left unattached`,
        scheduleExpression: SWEEP_SCHEDULE,
        tags: tags(),
      },
      parent,
    );
    const eventsPrincipal = servicePrincipal(args.partition, "events");
    const wiring = [lifecycleRule, sweepRule].flatMap((rule, index) => {
      const suffix = index === 0 ? "lifecycle" : "sweep";
      const permission = new aws.lambda.Permission(
        `${name}-${suffix}`,
        {
          action: "lambda:InvokeFunction",
          function: lambda.function.name,
          principal: eventsPrincipal,
          sourceArn: rule.arn,
        },
        parent,
      );
      const target = new aws.cloudwatch.EventTarget(
        `${name}-${suffix}`,
        {
          rule: rule.name,
          arn: lambda.function.arn,
          retryPolicy: { maximumEventAgeInSeconds: EVENT_MAX_AGE_SECONDS, maximumRetryAttempts: 10 },
        },
        { parent: this, dependsOn: [permission] },
      );
      return [rule, permission, target];
    });
    return { ...lambda, wiring };
  }

  /** The ENI Lambda with its role, least-privilege policy, log group and async invoke settings. */
  private createEniLambda(
    name: string,
    args: MultusNodeGroupArgs,
    functionName: string,
    groupName: string,
    tags: (extra?: Record<string, string>) => Record<string, string>,
  ): {
    function: aws.lambda.Function;
    invokeConfig: aws.lambda.FunctionEventInvokeConfig;
    alarms: EniLambdaAlarms;
  } {
    const parent = { parent: this };
    const subnetIds = pulumi.output(
      Object.fromEntries(
        args.networks.map((network) => [
          network.name,
          Object.fromEntries(
            args.availabilityZones.map((zone) => [
              zone,
              multusSubnetId(args.multusSubnetIds, network.name, zone),
            ]),
          ),
        ]),
      ),
    ) as pulumi.Output<Record<string, Record<string, string>>>;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    const role = new aws.iam.Role(
      `${name}-eni-lambda`,
      { assumeRolePolicy: JSON.stringify(serviceTrustPolicy(args.partition, "lambda")), tags: tags() },
      parent,
    );
    const managed = lambdaManagedPolicyArns(args.partition).map(
      (policyArn) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-eni-lambda-${policyArn.split("/").pop()}`,
          { role: role.name, policyArn },
          parent,
        ),
    );
    const securityGroupIds = pulumi.output(args.multusSecurityGroupIds) as pulumi.Output<
      Record<string, string>
    >;
    const policy = new aws.iam.RolePolicy(
      `${name}-eni-lambda`,
      {
        role: role.name,
        policy: pulumi
          .all([accountId, args.vpcId, subnetIds, securityGroupIds])
          .apply(([account, vpcId, subnets, groups]) =>
            JSON.stringify(
              eniLambdaPolicyDocument({
                partition: args.partition.partition,
                region: args.region,
                accountId: account,
                vpcId,
                subnetIds: Object.values(subnets).flatMap((byZone) => Object.values(byZone)),
                securityGroupIds: [...new Set(Object.values(groups))],
                clusterName: args.clusterName,
                autoScalingGroupName: groupName,
              }),
            ),
          ),
      },
      parent,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-eni-lambda`,
      {
        name: eniLambdaLogGroupName(functionName),
        retentionInDays: args.logRetentionDays ?? ENI_LAMBDA_LOG_RETENTION_DAYS,
        ...(args.logsKmsKeyArn === undefined ? {} : { kmsKeyId: args.logsKmsKeyArn }),
        tags: tags(),
      },
      parent,
    );
    const configuration = pulumi
      .all([accountId, subnetIds, securityGroupIds])
      .apply(([account, subnets, groups]) =>
        encodeLambdaConfig(
          eniLambdaConfig({
            clusterName: args.clusterName,
            instanceArnPrefix: ec2Arn(
              { partition: args.partition.partition, region: args.region, accountId: account },
              "instance/",
            ),
            networks: args.networks,
            availabilityZones: args.availabilityZones,
            subnetIds: subnets,
            securityGroupIds: groups,
            tags: { ...args.tags },
            ...(args.sweepGraceMinutes === undefined ? {} : { sweepGraceMinutes: args.sweepGraceMinutes }),
          }),
        ),
      );
    const eniFunction = new aws.lambda.Function(
      `${name}-eni`,
      {
        name: functionName,
        description: `Attaches the Multus ENIs to the workers of EKS cluster ${args.clusterName}`,
        role: role.arn,
        runtime: ENI_LAMBDA_RUNTIME,
        handler: ENI_LAMBDA_HANDLER,
        code: eniLambdaArchive(),
        timeout: ENI_LAMBDA_TIMEOUT_SECONDS,
        memorySize: ENI_LAMBDA_MEMORY_MB,
        environment: { variables: { [LAMBDA_CONFIG_ENV]: configuration } },
        tags: tags(),
      },
      { parent: this, dependsOn: [logGroup, policy, ...managed] },
    );
    const alarms = createEniLambdaAlarms(
      `${name}-eni`,
      {
        functionName,
        logGroupName: logGroup.name,
        lambdaRoleName: role.name,
        topicArn: args.alarmTopicArn,
        tags: tags(),
      },
      this,
    );
    const invokeConfig = new aws.lambda.FunctionEventInvokeConfig(
      `${name}-eni`,
      {
        functionName: eniFunction.name,
        maximumEventAgeInSeconds: EVENT_MAX_AGE_SECONDS,
        maximumRetryAttempts: 2,
        // Events that failed every attempt are kept for inspection, and alarm (alarms.ts).
        destinationConfig: { onFailure: { destination: alarms.failureQueueArn } },
      },
      { parent: this, dependsOn: [alarms.destinationPolicy] },
    );
    return { function: eniFunction, invokeConfig, alarms };
  }
}
