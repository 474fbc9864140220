/**
 * The Auto Scaling group: its lifecycle hooks exist from the start (no instance launches before
 * the ENI Lambda can act), a new launch template version rolls through an instance refresh, and on
 * delete it drains (forceDelete false) while the Lambda and its rule still exist, so every instance
 * passes the terminate hook and its Multus ENIs go with it.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { CLUSTER_TAG_KEY } from "../model/tags";
import type { NodeGroupContext } from "./context";
import type { LifecycleHookSpec } from "./plan";
import { refreshPlan } from "./refresh";

/** Enough for one launch hook heartbeat plus boot, and one replacement if an instance is abandoned. */
const WAIT_FOR_CAPACITY_TIMEOUT = "15m";

export interface AutoScalingGroupInputs {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly lifecycleHooks: readonly LifecycleHookSpec[];
  /** Everything a node needs before it launches (identity, files, rules, the ENI Lambda side). */
  readonly dependsOn: pulumi.Resource[];
}

export function createAutoScalingGroup(
  context: NodeGroupContext,
  inputs: AutoScalingGroupInputs,
): aws.autoscaling.Group {
  const { name, args, tags } = context;
  const refresh = refreshPlan({
    desiredSize: args.desiredSize,
    ...(args.refreshMinHealthyPercentage === undefined
      ? {}
      : { minHealthyPercentage: args.refreshMinHealthyPercentage }),
  });
  return new aws.autoscaling.Group(
    `${name}-nodes`,
    {
      name: context.groupName,
      vpcZoneIdentifiers: [...args.subnetIds],
      desiredCapacity: args.desiredSize,
      minSize: args.minSize,
      maxSize: args.maxSize,
      launchTemplate: {
        id: inputs.launchTemplate.id,
        version: inputs.launchTemplate.latestVersion.apply((version) => String(version)),
      },
      initialLifecycleHooks: inputs.lifecycleHooks.map((hook) => ({ ...hook })),
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
          [context.clusterTag]: "owned",
          [CLUSTER_TAG_KEY]: args.clusterName,
        }),
      ).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    },
    {
      parent: context.component,
      // The name is fixed (the rule matches it), so a replacement must delete the old group first.
      deleteBeforeReplace: true,
      dependsOn: inputs.dependsOn,
    },
  );
}
