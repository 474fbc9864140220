/**
 * What invokes the ENI Lambda: an EventBridge rule on the group's launch and terminate lifecycle
 * actions, and a schedule for the sweeper of unattached ENIs, each with its invoke permission.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { servicePrincipal } from "../model/partition";
import type { NodeGroupContext } from "./context";
import type { EniLambda } from "./eni-lambda";
import { EVENT_MAX_AGE_SECONDS, lifecycleEventPattern, SWEEP_SCHEDULE } from "./plan";

/** The rules, permissions and targets: the group waits for all of them. */
export function createEniEvents(context: NodeGroupContext, lambda: EniLambda): pulumi.Resource[] {
  const { name, args, parent, tags, groupName } = context;
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
  return [lifecycleRule, sweepRule].flatMap((rule, index) => {
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
      { parent: context.component, dependsOn: [permission] },
    );
    return [rule, permission, target];
  });
}
