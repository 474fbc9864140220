/**
 * The ENI Lambda: its role (Lambda trust from the partition), least-privilege policy, log group,
 * configuration (the group's networks, subnets and security groups), alarms and async invoke
 * settings (retries, then a failure queue).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createEniLambdaAlarms, EniLambdaAlarms } from "./alarms";
import type { NodeGroupContext } from "./context";
import { ec2Arn } from "./iam-scope";
import {
  ENI_LAMBDA_HANDLER,
  ENI_LAMBDA_RUNTIME,
  ENI_LAMBDA_TIMEOUT_SECONDS,
  eniLambdaArchive,
  encodeLambdaConfig,
  LAMBDA_CONFIG_ENV,
} from "./lambda-bundle";
import { eniLambdaPolicyDocument } from "./lambda-iam";
import { lambdaManagedPolicyArns, serviceTrustPolicy } from "./node-iam";
import {
  ENI_LAMBDA_LOG_RETENTION_DAYS,
  ENI_LAMBDA_MEMORY_MB,
  eniLambdaConfig,
  eniLambdaLogGroupName,
  EVENT_MAX_AGE_SECONDS,
  multusSubnetId,
} from "./plan";

export interface EniLambda {
  readonly function: aws.lambda.Function;
  readonly invokeConfig: aws.lambda.FunctionEventInvokeConfig;
  readonly alarms: EniLambdaAlarms;
}

/** Each network's subnet in each of the group's AZs, as the VPC gives them. */
function groupSubnetIds(context: NodeGroupContext): pulumi.Output<Record<string, Record<string, string>>> {
  const { args } = context;
  return pulumi.output(
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
}

export function createEniLambda(context: NodeGroupContext): EniLambda {
  const { name, args, parent, tags, functionName } = context;
  const subnetIds = groupSubnetIds(context);
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
              autoScalingGroupName: context.groupName,
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
    { parent: context.component, dependsOn: [logGroup, policy, ...managed] },
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
    context.component,
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
    { parent: context.component, dependsOn: [alarms.destinationPolicy] },
  );
  return { function: eniFunction, invokeConfig, alarms };
}
