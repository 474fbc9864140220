/**
 * The AWS clients of the Lambda. Endpoints come only from the SDK's standard variables
 * (AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_AUTO_SCALING, AWS_ENDPOINT_URL), which the SDK reads
 * itself; in the Lambda runtime none is set and the SDK resolves the region's own endpoints (the
 * China DNS suffix in cn-north-1 and cn-northwest-1).
 */

import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SDK_MAX_ATTEMPTS } from "./retry-settings";
import { createRetryStrategy } from "./retry-strategy";

export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export function createClients(): AwsClients {
  const settings = { maxAttempts: SDK_MAX_ATTEMPTS, retryStrategy: createRetryStrategy() };
  return { ec2: new EC2Client(settings), autoScaling: new AutoScalingClient(settings) };
}
