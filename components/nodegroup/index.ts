/**
 * MultusNodeGroup: self-managed AL2023 workers whose extra ENIs (one per Multus network) are
 * attached by a Lambda on the Auto Scaling group's lifecycle hooks.
 *
 * The steps, each in its own file, in the order of creation (and, reversed, of deletion):
 *   node identity (identity.ts), security group (security-group.ts), node files (node-files.ts),
 *   launch template with the user data (launch-template.ts), the ENI Lambda (eni-lambda.ts) and
 *   what invokes it (eni-events.ts), then the Auto Scaling group with its hooks from the start
 *   (auto-scaling-group.ts).
 * The group depends on the Lambda side, so on `pulumi destroy` it is drained first (forceDelete is
 * false): every instance goes through the terminate hook while the Lambda and the rule still exist,
 * and the Multus ENIs, set to DeleteOnTermination, go with the instances. The subnets and security
 * groups the Lambda's configuration names are deleted only after the Lambda itself.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_INSTANCE_TYPE, type MultusNodeGroupArgs } from "./args";
import { maxPodsInput, refuseInvalidArgs } from "./args-problems";
import { createAutoScalingGroup } from "./auto-scaling-group";
import { nodeGroupContext } from "./context";
import { createEniEvents } from "./eni-events";
import { createEniLambda, type EniLambda } from "./eni-lambda";
import { createNodeIdentity } from "./identity";
import { createLaunchTemplate } from "./launch-template";
import { resolveMaxPods } from "./max-pods";
import { createNodeFiles } from "./node-files";
import { LifecycleHookSpec, lifecycleHooks } from "./plan";
import { createNodeSecurityGroup } from "./security-group";

export type { MultusNodeGroupArgs } from "./args";
export { NODE_IMDS_HOP_LIMIT } from "./launch-template";

export const NODE_GROUP_TYPE = "multus-eks:nodegroup:MultusNodeGroup";

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
    refuseInvalidArgs(name, args, instanceType);
    super(NODE_GROUP_TYPE, name, {}, opts);
    const context = nodeGroupContext(this, name, args);
    this.maxPods = resolveMaxPods(maxPodsInput(args, instanceType));
    this.lifecycleHooks = args.networks.length > 0 ? lifecycleHooks() : [];

    const identity = createNodeIdentity(context);
    const { securityGroup, rules } = createNodeSecurityGroup(context);
    const nodeFiles = createNodeFiles(context, identity.role);
    const launchTemplate = createLaunchTemplate(context, {
      instanceType,
      maxPods: this.maxPods,
      instanceProfile: identity.instanceProfile,
      securityGroup,
      nodeFiles,
    });
    // A group without Multus networks needs no ENI Lambda, no hooks and no alarms.
    const eni = args.networks.length > 0 ? this.createEniAttach(context) : undefined;
    const group = createAutoScalingGroup(context, {
      launchTemplate,
      lifecycleHooks: this.lifecycleHooks,
      dependsOn: [
        ...(eni ? [eni.function, eni.invokeConfig, ...eni.events] : []),
        identity.accessEntry,
        ...identity.policies,
        ...nodeFiles.resources,
        ...rules,
        ...(args.clusterDependencies ?? []),
      ],
    });

    this.nodeRoleArn = identity.role.arn;
    this.instanceProfileName = identity.instanceProfile.name;
    this.securityGroupId = securityGroup.id;
    this.launchTemplateId = launchTemplate.id;
    this.nodeFilesBucket = nodeFiles.bucket.id;
    this.nodeFilesKey = nodeFiles.key;
    this.nodeFilesSha256 = nodeFiles.sha256;
    this.autoScalingGroupName = group.name;
    this.lambdaName = eni ? eni.function.name : pulumi.output(undefined);
    this.lambdaArn = eni ? eni.function.arn : pulumi.output(undefined);
    this.failureQueueArn = eni ? eni.alarms.failureQueueArn : pulumi.output(undefined);
    this.alarmNames = eni ? eni.alarms.alarmNames : [];
    this.registerOutputs(this.outputs());
  }

  /** What the component registers as its outputs (its public fields). */
  private outputs(): pulumi.Inputs {
    return {
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
    };
  }

  /** The ENI Lambda and what invokes it: the lifecycle actions of this group, and the sweep. */
  private createEniAttach(
    context: ReturnType<typeof nodeGroupContext>,
  ): EniLambda & { events: pulumi.Resource[] } {
    const lambda = createEniLambda(context);
    return { ...lambda, events: createEniEvents(context, lambda) };
  }
}
