/**
 * What the ENI Lambda's alarms watch, as data: its errors, the lifecycle actions it abandoned (a
 * metric from its structured log, CONTRACTS item 5) and the async invocations that failed after
 * every retry (parked in an SQS on-failure destination). Pure, so tests read it directly.
 */

/** CloudWatch Logs filter pattern for the one JSON line that ends an abandoned lifecycle action. */
export const ABANDON_FILTER_PATTERN = '{ $.outcome = "ABANDON" }';
export const ABANDON_METRIC_NAME = "LifecycleAbandon";
/** Namespace of the metrics this project derives from logs. */
export const METRIC_NAMESPACE = "MultusEks";
/** The destination keeps failed events for inspection: 14 days, SQS's maximum. */
export const FAILURE_QUEUE_RETENTION_SECONDS = 14 * 24 * 3600;
/** Lambda metrics arrive per minute; five minutes keeps one bad launch from being averaged away. */
export const ALARM_PERIOD_SECONDS = 300;

export interface AlarmSpec {
  /** Suffix of the alarm's name and Pulumi resource. */
  readonly id: "errors" | "abandon" | "failed-invocations";
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: "Sum" | "Maximum";
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface AlarmPlanInput {
  readonly functionName: string;
  readonly failureQueueName: string;
}

/** Every alarm fires on the first occurrence: one lost Multus network is one too many. */
export function eniLambdaAlarmSpecs(input: AlarmPlanInput): AlarmSpec[] {
  return [
    {
      id: "errors",
      description: `The Multus ENI Lambda ${input.functionName} failed (an invocation threw or timed out)`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      dimensions: { FunctionName: input.functionName },
    },
    {
      id: "abandon",
      description: `The Multus ENI Lambda ${input.functionName} abandoned a lifecycle action: a node was refused its Multus ENIs`,
      namespace: abandonMetricNamespace(input.functionName),
      metricName: ABANDON_METRIC_NAME,
      statistic: "Sum",
      dimensions: {},
    },
    {
      id: "failed-invocations",
      description: `Lifecycle events the Multus ENI Lambda ${input.functionName} could not handle after every retry are waiting in SQS queue ${input.failureQueueName}`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      dimensions: { QueueName: input.failureQueueName },
    },
  ];
}

/** One namespace per function, so two node groups' Lambdas never add up in one metric. */
export function abandonMetricNamespace(functionName: string): string {
  return `${METRIC_NAMESPACE}/${functionName}`;
}

/** SQS queue names are at most 80 characters; Lambda function names at most 64. */
export function failureQueueName(functionName: string): string {
  return `${functionName}-failed`;
}

export type AlarmNotification =
  | { readonly kind: "none" }
  | { readonly kind: "email"; readonly address: string }
  | { readonly kind: "topic"; readonly arn: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOPIC_ARN = /^arn:([a-z-]+):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(\.fifo)?)$/;

/**
 * `alarmNotification`: empty (alarms without subscriber), an e-mail address (a new topic with that
 * subscription) or the ARN of an existing topic, which must be in the stack's partition and region
 * (CloudWatch alarms notify topics of their own region only).
 */
export function parseAlarmNotification(
  value: string,
  partition: string,
  region: string,
): { notification: AlarmNotification } | { problem: string } {
  const text = value.trim();
  if (text === "") return { notification: { kind: "none" } };
  if (text.startsWith("arn:")) {
    const match = TOPIC_ARN.exec(text);
    if (!match) {
      return {
        problem: `"${text}" is not an SNS topic ARN such as arn:${partition}:sns:${region}:123456789012:alerts`,
      };
    }
    if (match[5])
      return { problem: `"${text}" is a FIFO topic; CloudWatch alarms can only notify standard topics` };
    if (match[1] !== partition || match[2] !== region) {
      return {
        problem: `topic ${text} is in ${match[1]}/${match[2]}, but the stack is in ${partition}/${region}: alarms can only notify a topic of their own region`,
      };
    }
    return { notification: { kind: "topic", arn: text } };
  }
  if (EMAIL.test(text)) return { notification: { kind: "email", address: text } };
  return {
    problem: `"${text}" is neither an e-mail address nor an SNS topic ARN (arn:${partition}:sns:${region}:<account>:<topic>); leave it empty for alarms without a subscriber`,
  };
}
