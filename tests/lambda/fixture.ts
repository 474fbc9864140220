/**
 * A small world in moto for the Lambda tests and the benchmark: a VPC in two AZs, worker subnets,
 * two Multus networks with a subnet per AZ, and worker instances placed by subnet.
 */

import { Logger } from "@aws-lambda-powertools/logger";
import type { ConstructorOptions } from "@aws-lambda-powertools/logger/types";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { LambdaConfig, MultusNetworkConfig } from "../../lambda/src/config";
import type { LambdaDeps } from "../../lambda/src/deps";
import {
  LAUNCH_DETAIL_TYPE,
  LAUNCH_TRANSITION,
  TERMINATE_DETAIL_TYPE,
  TERMINATE_TRANSITION,
  type IncomingEvent,
} from "../../lambda/src/events";
import { SDK_MAX_ATTEMPTS } from "../../lambda/src/retry-settings";
import { createRetryStrategy } from "../../lambda/src/retry-strategy";
import { MOTO_REGION, motoClientConfig } from "../support/moto";
import { CallLog, answerCompleteLifecycleActionLocally, recordCalls } from "../support/moto-recorder";

export const CLUSTER = "multus-test";
export const AZ_A = `${MOTO_REGION}a`;
export const AZ_B = `${MOTO_REGION}b`;

export interface World {
  vpcId: string;
  workerSubnetByAz: Record<string, string>;
  securityGroupId: string;
  imageId: string;
  networks: MultusNetworkConfig[];
}

export function ec2For(endpoint: string): EC2Client {
  return new EC2Client({
    ...motoClientConfig(endpoint),
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryStrategy: createRetryStrategy(),
  });
}

async function subnet(ec2: EC2Client, vpcId: string, cidr: string, az: string): Promise<string> {
  const response = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }),
  );
  return response.Subnet?.SubnetId as string;
}

/** VPC 10.0.0.0/16 laid out like the reference: workers .2/.3, Multus 1 .4/.5, Multus 2 .6/.7. */
export async function buildWorld(ec2: EC2Client, networkCount = 2): Promise<World> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const vpcId = vpc.Vpc?.VpcId as string;
  const workerSubnetByAz = {
    [AZ_A]: await subnet(ec2, vpcId, "10.0.2.0/24", AZ_A),
    [AZ_B]: await subnet(ec2, vpcId, "10.0.3.0/24", AZ_B),
  };
  const group = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: "multus", Description: "Multus" }),
  );
  const securityGroupId = group.GroupId as string;
  const networks: MultusNetworkConfig[] = [];
  for (let n = 1; n <= networkCount; n++) {
    networks.push({
      name: `multus-${n}`,
      deviceIndex: n,
      subnetIdsByAz: {
        [AZ_A]: await subnet(ec2, vpcId, `10.0.${2 + 2 * n}.0/24`, AZ_A),
        [AZ_B]: await subnet(ec2, vpcId, `10.0.${3 + 2 * n}.0/24`, AZ_B),
      },
      securityGroupIds: [securityGroupId],
      // Even networks ask for a /28 prefix (eni-prefix mode), the others are host-local.
      prefixDelegation: n % 2 === 0,
      ipam: n % 2 === 0 ? "eni-prefix" : "host-local",
    });
  }
  const images = await ec2.send(
    new DescribeImagesCommand({ Filters: [{ Name: "architecture", Values: ["x86_64"] }] }),
  );
  const imageId = images.Images?.[0]?.ImageId as string;
  return { vpcId, workerSubnetByAz, securityGroupId, imageId, networks };
}

export async function launchInstance(ec2: EC2Client, world: World, az: string): Promise<string> {
  const response = await ec2.send(
    new RunInstancesCommand({
      ImageId: world.imageId,
      InstanceType: "c5.large",
      MinCount: 1,
      MaxCount: 1,
      SubnetId: world.workerSubnetByAz[az],
    }),
  );
  return response.Instances?.[0]?.InstanceId as string;
}

export function configFor(world: World, overrides: Partial<LambdaConfig> = {}): LambdaConfig {
  return {
    clusterName: CLUSTER,
    instanceArnPrefix: `arn:aws-cn:ec2:${MOTO_REGION}:123456789012:instance/`,
    networks: world.networks,
    tags: { team: "telecom" },
    sweepGraceMinutes: 15,
    ...overrides,
  };
}

export interface TestDeps {
  deps: LambdaDeps;
  ec2Calls: CallLog;
  autoScalingCalls: CallLog;
}

/** Handler dependencies against moto, with every call recorded. */
export function depsFor(
  endpoint: string,
  config: LambdaConfig,
  now: () => Date = () => new Date(),
): TestDeps {
  const ec2 = ec2For(endpoint);
  const autoScaling = new AutoScalingClient({
    ...motoClientConfig(endpoint),
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryStrategy: createRetryStrategy(),
  });
  const ec2Calls = new CallLog();
  const autoScalingCalls = new CallLog();
  recordCalls(ec2, ec2Calls);
  recordCalls(autoScaling, autoScalingCalls);
  answerCompleteLifecycleActionLocally(autoScaling);
  const logger = new Logger({
    serviceName: "multus-eni-attach-test",
    logLevel: (process.env.TEST_LAMBDA_LOG_LEVEL ?? "SILENT") as ConstructorOptions["logLevel"],
  });
  // moto attaches at once: no pause before the first attachment check (the deployed one is ATTACH_FIRST_CHECK_MS).
  return {
    deps: { config, ec2, autoScaling, logger, now, attachChecks: { firstCheckMs: 0 } },
    ec2Calls,
    autoScalingCalls,
  };
}

function lifecycleEvent(
  detailType: string,
  transition: string,
  instanceId: string,
  token: string,
  extra: Record<string, string>,
): IncomingEvent {
  return {
    source: "aws.autoscaling",
    "detail-type": detailType,
    detail: {
      LifecycleActionToken: token,
      AutoScalingGroupName: `${CLUSTER}-nodes`,
      LifecycleHookName: "multus-eni",
      EC2InstanceId: instanceId,
      LifecycleTransition: transition,
      ...extra,
    },
  };
}

export function launchEvent(
  instanceId: string,
  token = `token-${instanceId}`,
  extra: Record<string, string> = {},
): IncomingEvent {
  return lifecycleEvent(LAUNCH_DETAIL_TYPE, LAUNCH_TRANSITION, instanceId, token, {
    Origin: "EC2",
    Destination: "AutoScalingGroup",
    ...extra,
  });
}

export function terminateEvent(instanceId: string, token = `term-${instanceId}`): IncomingEvent {
  return lifecycleEvent(TERMINATE_DETAIL_TYPE, TERMINATE_TRANSITION, instanceId, token, {
    Origin: "AutoScalingGroup",
    Destination: "EC2",
  });
}

export const SWEEP_EVENT: IncomingEvent = {
  source: "aws.events",
  "detail-type": "Scheduled Event",
  detail: {},
};
