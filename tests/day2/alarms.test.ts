/**
 * The ENI Lambda's alarms: in the resource graph of the Ningxia stack (errors, ABANDON from the
 * structured log, failed async invocations through an SQS on-failure destination, one SNS topic),
 * the alarmNotification setting, and the ABANDON metric filter against the Lambda's own log.
 */
import { strict as assert } from "node:assert";
import { Logger } from "@aws-lambda-powertools/logger";
import { ABANDON_FILTER_PATTERN, parseAlarmNotification } from "../../components/nodegroup/alarms-plan";
import { createHandler } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import { jsonFilterMatches } from "../support/cloudwatch-json-filter";
import { useMoto } from "../support/moto";
import {
  childrenOf,
  resourceNamed,
  resourcesOfType,
  runStack,
  stringsIn,
  type OfflineRun,
} from "../support/offline";
import {
  AZ_A,
  AZ_B,
  buildWorld,
  configFor,
  depsFor,
  ec2For,
  launchEvent,
  launchInstance,
} from "../lambda/fixture";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const QUEUE = "aws:sqs/queue:Queue";
const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const FUNCTION = "aws:lambda/function:Function";

describe("ENI Lambda alarms", () => {
  describe("in the Ningxia stack's resource graph", () => {
    let run: OfflineRun;
    before(async () => {
      run = await runStack("ningxia");
    });

    it("watch errors, ABANDON results and failed async invocations of the ENI Lambda", () => {
      const fn = resourcesOfType(run, FUNCTION)[0];
      const alarms = resourcesOfType(run, ALARM);
      const by = (metric: string) => alarms.find((alarm) => alarm.inputs.metricName === metric)!;
      assert.equal(alarms.length, 3);
      assert.deepEqual(by("Errors").inputs.dimensions, { FunctionName: fn.inputs.name });
      assert.equal(by("Errors").inputs.namespace, "AWS/Lambda");
      const queue = resourcesOfType(run, QUEUE)[0];
      assert.deepEqual(by("ApproximateNumberOfMessagesVisible").inputs.dimensions, {
        QueueName: queue.inputs.name,
      });
      const filter = resourcesOfType(run, FILTER)[0];
      const transformation = filter.inputs.metricTransformation as Record<string, string>;
      assert.equal(by(transformation.name).inputs.namespace, transformation.namespace);
      assert.equal(filter.inputs.pattern, '{ $.outcome = "ABANDON" }');
      // The filter reads the Lambda's own log group.
      const logGroup = resourcesOfType(run, LOG_GROUP).find(
        (group) => group.inputs.name === `/aws/lambda/${fn.inputs.name}`,
      );
      assert.ok(logGroup, "the Lambda's log group");
      assert.equal(filter.inputs.logGroupName, logGroup.inputs.name);
      for (const alarm of alarms) {
        assert.equal(alarm.inputs.threshold, 1);
        assert.equal(alarm.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
        assert.equal(alarm.inputs.treatMissingData, "notBreaching");
      }
    });

    it("send failed async invocations to an SQS queue the Lambda's role may write to", () => {
      // The queue's ARN as the engine resolved it (exported as a stack output).
      const queueArn = (run.outputs.nodeGroup as { eniLambdaFailureQueueArn: string })
        .eniLambdaFailureQueueArn;
      assert.match(queueArn, /^arn:aws-cn:sqs:cn-northwest-1:/);
      const config = resourcesOfType(run, INVOKE_CONFIG)[0];
      const destination = (
        (config.inputs.destinationConfig as Record<string, unknown>).onFailure as Record<string, string>
      ).destination;
      assert.equal(destination, queueArn);
      const grant = resourcesOfType(run, ROLE_POLICY).find((policy) =>
        String(policy.inputs.policy).includes("sqs:SendMessage"),
      )!;
      const document = JSON.parse(String(grant.inputs.policy)) as {
        Statement: { Action: string; Resource: string }[];
      };
      assert.deepEqual(
        document.Statement.map((statement) => [statement.Action, statement.Resource]),
        [["sqs:SendMessage", destination]],
      );
      const lambdaRole = resourcesOfType(run, FUNCTION)[0].inputs.role as string;
      assert.ok(
        lambdaRole.endsWith(`/${String(grant.inputs.role)}`),
        `${lambdaRole} vs ${String(grant.inputs.role)}`,
      );
    });

    it("notify one new SNS topic without subscriber when alarmNotification is empty; every ARN is aws-cn", () => {
      const topics = resourcesOfType(run, TOPIC);
      assert.equal(topics.length, 1);
      assert.equal(resourcesOfType(run, SUBSCRIPTION).length, 0);
      const topicArn = String(run.outputs.alarmTopicArn);
      assert.match(topicArn, /^arn:aws-cn:sns:cn-northwest-1:/);
      for (const alarm of resourcesOfType(run, ALARM)) {
        assert.deepEqual(alarm.inputs.alarmActions, [topicArn]);
      }
      const arns = resourcesOfType(run, ALARM)
        .flatMap((alarm) => stringsIn(alarm.inputs))
        .filter((value) => value.startsWith("arn:"));
      assert.ok(arns.length > 0 && arns.every((value) => value.startsWith("arn:aws-cn:")), arns.join(", "));
    });
  });

  it("subscribe an e-mail address to the new topic", async () => {
    const run = await runStack("ningxia", { alarmNotification: "noc@example.com" });
    const [subscription] = resourcesOfType(run, SUBSCRIPTION);
    assert.deepEqual(
      [subscription.inputs.protocol, subscription.inputs.endpoint],
      ["email", "noc@example.com"],
    );
    assert.equal(resourcesOfType(run, TOPIC).length, 1);
  });

  it("notify an existing topic, creating none", async () => {
    const arn = "arn:aws-cn:sns:cn-northwest-1:210987654321:noc";
    const run = await runStack("ningxia", { alarmNotification: arn });
    assert.equal(resourcesOfType(run, TOPIC).length, 0);
    for (const alarm of resourcesOfType(run, ALARM)) assert.deepEqual(alarm.inputs.alarmActions, [arn]);
    // The alarms are children of the node group they watch.
    const group = resourceNamed(run, "multus-eks:nodegroup:MultusNodeGroup", "eks-multus-cluster");
    assert.equal(childrenOf(run, group).filter((child) => child.type === ALARM).length, 3);
  });

  it("refuse a topic of another partition or region, a FIFO topic and anything else", () => {
    const problem = (value: string) => {
      const result = parseAlarmNotification(value, "aws-cn", "cn-northwest-1");
      return "problem" in result ? result.problem : "";
    };
    assert.match(
      problem("arn:aws:sns:cn-northwest-1:123456789012:noc"),
      /aws\/cn-northwest-1.*aws-cn\/cn-northwest-1/,
    );
    assert.match(problem("arn:aws-cn:sns:cn-north-1:123456789012:noc"), /own region/);
    assert.match(problem("arn:aws-cn:sns:cn-northwest-1:123456789012:noc.fifo"), /FIFO/);
    assert.match(problem("arn:aws-cn:sqs:cn-northwest-1:123456789012:noc"), /not an SNS topic ARN/);
    assert.match(problem("noc at example"), /neither an e-mail address nor an SNS topic ARN/);
    assert.deepEqual(parseAlarmNotification("", "aws-cn", "cn-northwest-1"), {
      notification: { kind: "none" },
    });
  });

  it("report a bad alarmNotification as a setting problem before anything is declared", async () => {
    await assert.rejects(
      runStack("ningxia", { alarmNotification: "arn:aws:sns:us-east-1:123456789012:x" }),
      (error: Error) => {
        assert.match(error.message, /multus-eks:alarmNotification: topic arn:aws:sns:us-east-1/);
        return true;
      },
    );
  });
});

describe("ABANDON metric filter against the ENI Lambda's log (moto)", function () {
  const moto = useMoto();

  /** Runs one launch through the handler with an INFO logger, returning its JSON log lines. */
  async function logOf(abandon: boolean): Promise<{ outcome: LaunchOutcome; lines: string[] }> {
    const ec2 = ec2For(moto.endpoint);
    const world = await buildWorld(ec2);
    const instance = await launchInstance(ec2, world, AZ_B);
    // Without a subnet in the instance's AZ the Lambda must abandon the launch.
    const networks = abandon
      ? world.networks.map((network, i) =>
          i === 0 ? { ...network, subnetIdsByAz: { [AZ_A]: network.subnetIdsByAz[AZ_A] } } : network,
        )
      : world.networks;
    const { deps } = depsFor(moto.endpoint, configFor(world, { networks }));
    const lines: string[] = [];
    // Lambda sends both streams to the log group (Powertools writes errors to stderr).
    const writes = [process.stdout.write, process.stderr.write];
    const capture = ((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((line) => line.trim() !== ""),
      );
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      const logger = new Logger({ serviceName: "multus-eni-attach", logLevel: "INFO" });
      const outcome = (await createHandler({ ...deps, logger })(launchEvent(instance))) as LaunchOutcome;
      return { outcome, lines };
    } finally {
      [process.stdout.write, process.stderr.write] = writes;
    }
  }

  it("selects exactly the line that ends an abandoned launch, and no line of a successful one", async function () {
    const abandoned = await logOf(true);
    assert.equal(abandoned.outcome.result, "ABANDON");
    const continued = await logOf(false);
    assert.equal(continued.outcome.result, "CONTINUE");
    const structured = [...abandoned.lines, ...continued.lines].filter((line) => /"outcome"\s*:/.test(line));
    if (structured.length === 0) {
      // CONTRACTS item 5 (h3): the outcome line is not on this branch yet; the contract's own
      // example is checked below, and this test runs for real once it lands.
      this.skip();
    }
    const matched = abandoned.lines.filter((line) => jsonFilterMatches(ABANDON_FILTER_PATTERN, line));
    assert.equal(matched.length, 1, abandoned.lines.join("\n"));
    assert.equal((JSON.parse(matched[0]) as { outcome: string }).outcome, "ABANDON");
    assert.ok((JSON.parse(matched[0]) as { reason?: string }).reason, "an ABANDON line carries its reason");
    assert.deepEqual(
      continued.lines.filter((line) => jsonFilterMatches(ABANDON_FILTER_PATTERN, line)),
      [],
    );
  });

  it("selects the CONTRACTS item 5 line for ABANDON only", () => {
    const line = (outcome: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        level: "INFO",
        message: "lifecycle action finished",
        service: "multus-eni-attach",
        outcome,
        ...extra,
      });
    assert.ok(
      jsonFilterMatches(ABANDON_FILTER_PATTERN, line("ABANDON", { reason: "no subnet in cn-northwest-1b" })),
    );
    for (const other of ["CONTINUE", "ALREADY_COMPLETED", "abandon", "ABANDONED"]) {
      assert.ok(!jsonFilterMatches(ABANDON_FILTER_PATTERN, line(other)), other);
    }
    // A text line that merely mentions it is no JSON event.
    assert.ok(!jsonFilterMatches(ABANDON_FILTER_PATTERN, 'completed "outcome": "ABANDON"'));
  });
});
