/**
 * Handler dependencies for one simulated Lambda container, pointed at the chaos proxy: its own EC2
 * and Auto Scaling clients (the SDK's retry token budget is per client, as in separate containers),
 * every `send` recorded (CallLog) and metered (attempts and retry delay the SDK reports).
 * CompleteLifecycleAction goes to the proxy, which answers and records it.
 */

import { Logger } from "@aws-lambda-powertools/logger";
import type { ConstructorOptions } from "@aws-lambda-powertools/logger/types";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { LambdaConfig } from "../src/config";
import type { LambdaDeps } from "../src/deps";
import { guardWithDeadline, InvocationDeadline } from "../src/deadline";
import { ENI_LAMBDA_TIMEOUT_SECONDS, SDK_MAX_ATTEMPTS } from "../src/retry-settings";
import { createRetryStrategy } from "../src/retry-strategy";

/** What the Lambda runtime reports at the start of an invocation: the whole function timeout. */
export const INVOCATION_TIME_MS = (): number => ENI_LAMBDA_TIMEOUT_SECONDS * 1000;
import { motoClientConfig } from "../../tests/support/moto";
import { CallLog, recordCalls } from "../../tests/support/moto-recorder";

export interface SendRecord {
  operation: string;
  attempts: number;
  retryDelayMs: number;
  ok: boolean;
  error?: string;
}

export class AttemptMeter {
  readonly sends: SendRecord[] = [];

  attempts(): number {
    return this.sends.reduce((sum, send) => sum + send.attempts, 0);
  }

  retries(): number {
    return this.sends.reduce((sum, send) => sum + send.attempts - 1, 0);
  }

  failedSends(): SendRecord[] {
    return this.sends.filter((send) => !send.ok);
  }
}

interface Metadata {
  $metadata?: { attempts?: number; totalRetryDelay?: number };
}

function meter(client: EC2Client | AutoScalingClient, log: AttemptMeter): void {
  (client.middlewareStack as EC2Client["middlewareStack"]).add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
      try {
        const result = await next(args);
        const metadata = (result.output as Metadata).$metadata;
        log.sends.push({
          operation,
          attempts: metadata?.attempts ?? 1,
          retryDelayMs: metadata?.totalRetryDelay ?? 0,
          ok: true,
        });
        return result;
      } catch (error) {
        const metadata = (error as Metadata).$metadata;
        log.sends.push({
          operation,
          attempts: metadata?.attempts ?? 1,
          retryDelayMs: metadata?.totalRetryDelay ?? 0,
          ok: false,
          error: error instanceof Error ? error.name : String(error),
        });
        throw error;
      }
    },
    { step: "initialize", name: "chaosAttemptMeter", priority: "low" },
  );
}

export interface RetryOverride {
  maxAttempts?: number;
}

export interface ChaosDeps {
  deps: LambdaDeps;
  calls: CallLog;
  attempts: AttemptMeter;
  destroy(): void;
}

export function chaosDeps(endpoint: string, config: LambdaConfig, retry: RetryOverride = {}): ChaosDeps {
  const settings = {
    ...motoClientConfig(endpoint),
    maxAttempts: retry.maxAttempts ?? SDK_MAX_ATTEMPTS,
    retryStrategy: createRetryStrategy(retry.maxAttempts ?? SDK_MAX_ATTEMPTS),
  };
  const ec2 = new EC2Client(settings);
  const autoScaling = new AutoScalingClient(settings);
  const calls = new CallLog();
  const attempts = new AttemptMeter();
  // As deployed: every call bounded by the invocation deadline (handler.ts builds the same).
  const deadline = new InvocationDeadline();
  for (const client of [ec2, autoScaling]) {
    recordCalls(client, calls);
    meter(client, attempts);
    guardWithDeadline(client, deadline);
  }
  const logger = new Logger({
    serviceName: "multus-eni-attach-chaos",
    logLevel: (process.env.CHAOS_LAMBDA_LOG_LEVEL ?? "SILENT") as ConstructorOptions["logLevel"],
  });
  return {
    deps: { config, ec2, autoScaling, logger, now: () => new Date(), deadline },
    calls,
    attempts,
    destroy() {
      ec2.destroy();
      autoScaling.destroy();
    },
  };
}
