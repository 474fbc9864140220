/**
 * The failure side of one ENI Lambda, declared as children of its node group. An SQS queue as its on-failure destination
 * (async invocations that failed after every retry land there), the ABANDON metric filter on its
 * log group, and three alarms (errors, ABANDON, failed invocations) that notify one SNS topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  ABANDON_FILTER_PATTERN,
  ABANDON_METRIC_NAME,
  abandonMetricNamespace,
  ALARM_PERIOD_SECONDS,
  eniLambdaAlarmSpecs,
  FAILURE_QUEUE_RETENTION_SECONDS,
  failureQueueName,
} from "./alarms-plan";

export interface EniLambdaAlarmsArgs {
  readonly functionName: string;
  /** The Lambda's log group (the metric filter reads it). */
  readonly logGroupName: pulumi.Input<string>;
  /** The Lambda's execution role: destinations are written with the function's own permissions. */
  readonly lambdaRoleName: pulumi.Input<string>;
  /** Where the alarms notify. */
  readonly topicArn: pulumi.Input<string>;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface EniLambdaAlarms {
  readonly failureQueueArn: pulumi.Output<string>;
  readonly alarmNames: pulumi.Output<string>[];
  /** The role policy that lets the Lambda write to the queue (the invoke config waits for it). */
  readonly destinationPolicy: aws.iam.RolePolicy;
}

/** Queue, queue grant, metric filter and alarms; every resource a child of `parent`. */
export function createEniLambdaAlarms(
  name: string,
  args: EniLambdaAlarmsArgs,
  parent: pulumi.Resource,
): EniLambdaAlarms {
  const opts = { parent };
  const queueName = failureQueueName(args.functionName);
  const queue = new aws.sqs.Queue(
    `${name}-failed`,
    {
      name: queueName,
      messageRetentionSeconds: FAILURE_QUEUE_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
      tags: { ...args.tags },
    },
    opts,
  );
  const destinationPolicy = new aws.iam.RolePolicy(
    `${name}-failed`,
    {
      role: args.lambdaRoleName,
      policy: queue.arn.apply((queueArn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn }],
        }),
      ),
    },
    opts,
  );
  const filter = new aws.cloudwatch.LogMetricFilter(
    `${name}-abandon`,
    {
      name: `${args.functionName}-abandon`,
      logGroupName: args.logGroupName,
      pattern: ABANDON_FILTER_PATTERN,
      metricTransformation: {
        namespace: abandonMetricNamespace(args.functionName),
        name: ABANDON_METRIC_NAME,
        value: "1",
        unit: "Count",
      },
    },
    opts,
  );
  const alarmNames = eniLambdaAlarmSpecs({
    functionName: args.functionName,
    failureQueueName: queueName,
  }).map(
    (spec) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.id}`,
        {
          name: `${args.functionName}-${spec.id}`,
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          statistic: spec.statistic,
          ...(Object.keys(spec.dimensions).length > 0 ? { dimensions: { ...spec.dimensions } } : {}),
          period: ALARM_PERIOD_SECONDS,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          // No data means nothing happened (no invocation, no log line, empty queue).
          treatMissingData: "notBreaching",
          alarmActions: [args.topicArn],
          okActions: [args.topicArn],
          tags: { ...args.tags },
        },
        { parent, dependsOn: spec.id === "abandon" ? [filter, queue] : [queue] },
      ).name,
  );
  return { failureQueueArn: queue.arn, alarmNames, destinationPolicy };
}
