/**
 * AlarmTopic: where the stack's alarms go. An existing topic (its ARN) is used as it is; otherwise
 * a new SNS topic, subscribed by e-mail when an address is given (AWS sends a confirmation mail
 * first), or with no subscriber at all.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmNotification } from "./alarms-plan";

export const ALARM_TOPIC_TYPE = "multus-eks:nodegroup:AlarmTopic";

export interface AlarmTopicArgs {
  readonly clusterName: string;
  readonly notification: AlarmNotification;
  readonly tags?: Readonly<Record<string, string>>;
}

export class AlarmTopic extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ALARM_TOPIC_TYPE, name, {}, opts);
    if (args.notification.kind === "topic") {
      this.topicArn = pulumi.output(args.notification.arn);
    } else {
      const topic = new aws.sns.Topic(
        `${name}-alarms`,
        { name: `${args.clusterName}-multus-alarms`, tags: { ...args.tags } },
        { parent: this },
      );
      if (args.notification.kind === "email") {
        new aws.sns.TopicSubscription(
          `${name}-alarms-email`,
          { topic: topic.arn, protocol: "email", endpoint: args.notification.address },
          { parent: this },
        );
      }
      this.topicArn = topic.arn;
    }
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
