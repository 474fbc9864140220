/**
 * What the Lambda's logic runs with. Tests and benchmarks inject their own clients (pointed at an
 * emulator or a fault-injecting proxy, with recording middleware) and clock; the deployed Lambda
 * builds them from its environment (see handler.ts).
 */

import type { Logger } from "@aws-lambda-powertools/logger";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AttachCheckSchedule } from "./attachment-wait";
import type { LambdaConfig } from "./config";
import type { InvocationDeadline } from "./deadline";

export interface LambdaDeps {
  config: LambdaConfig;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  logger: Logger;
  now: () => Date;
  /** Bounds every AWS call of an invocation; the clients must be guarded with it (guardWithDeadline). */
  deadline?: InvocationDeadline;
  /**
   * Changes to the attachment-check schedule (default ATTACH_CHECKS, attachment-wait.ts). Tests
   * straight against moto, where an attach is `attached` at once, set `firstCheckMs: 0`.
   */
  attachChecks?: Partial<AttachCheckSchedule>;
}
