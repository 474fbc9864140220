/**
 * SDK middleware for tests and benchmarks against moto: record what a client SENT (moto ignores
 * some parameters and does not implement some operations), inject failures, and answer the one
 * operation moto cannot (CompleteLifecycleAction: HTTP 500 "not implemented").
 *
 * All of it sits in the `initialize` step, so it sees each `send` once (before the SDK's retries).
 */

import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";

type AnyClient = EC2Client | AutoScalingClient;
type Stack = EC2Client["middlewareStack"];

export interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
}

export class CallLog {
  readonly calls: RecordedCall[] = [];

  count(operation: string): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  inputs(operation: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.operation === operation).map((call) => call.input);
  }

  byOperation(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of this.calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
    return counts;
  }

  clear(): void {
    this.calls.length = 0;
  }
}

function stackOf(client: AnyClient): Stack {
  // Both clients carry the same middleware stack shape; only the command type parameters differ.
  return client.middlewareStack as unknown as Stack;
}

function operationName(commandName: string | undefined): string {
  return (commandName ?? "Unknown").replace(/Command$/, "");
}

/** Records every call the client sends into `log`. */
export function recordCalls(client: AnyClient, log: CallLog): void {
  stackOf(client).add(
    (next, context) => async (args) => {
      log.calls.push({
        operation: operationName(context.commandName),
        input: structuredClone(args.input) as Record<string, unknown>,
      });
      return next(args);
    },
    { step: "initialize", name: "testRecordCalls", priority: "high" },
  );
}

/**
 * moto answers CompleteLifecycleAction with HTTP 500 (not implemented). This answers it in the
 * client instead, after recordCalls has logged the request, so tests assert on what the handler
 * sent. Every other operation still goes to moto.
 */
export function answerCompleteLifecycleActionLocally(autoScaling: AutoScalingClient): void {
  stackOf(autoScaling).add(
    (next, context) => async (args) => {
      if (operationName(context.commandName) !== "CompleteLifecycleAction") return next(args);
      return { output: { $metadata: { httpStatusCode: 200 } }, response: {} };
    },
    { step: "initialize", name: "testAnswerCompleteLifecycleAction", priority: "low" },
  );
}

/** Makes matching EC2 calls fail with an EC2 error of the given name, as real EC2 might. */
export function failEc2Calls(
  ec2: EC2Client,
  operation: string,
  matches: (input: Record<string, unknown>) => boolean,
  errorName: string,
): void {
  stackOf(ec2).add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (operationName(context.commandName) === operation && matches(input)) {
        throw new EC2ServiceException({
          name: errorName,
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: `injected ${errorName} for ${operation}`,
        });
      }
      return next(args);
    },
    { step: "initialize", name: `testFail${operation}`, priority: "low" },
  );
}

/**
 * Answers the first `times` attempts of an EC2 operation with RequestLimitExceeded (as EC2's
 * throttling does), INSIDE the SDK's retry loop (deserialize step), so the client's retry
 * strategy sees and handles them. Returns a counter of injected throttles.
 */
export function throttleEc2Calls(ec2: EC2Client, operation: string, times: number): { injected: number } {
  const counter = { injected: 0 };
  stackOf(ec2).add(
    (next, context) => async (args) => {
      if (operationName(context.commandName) === operation && counter.injected < times) {
        counter.injected++;
        throw new EC2ServiceException({
          name: "RequestLimitExceeded",
          $fault: "client",
          $metadata: { httpStatusCode: 503 },
          message: "Request limit exceeded (injected)",
        });
      }
      return next(args);
    },
    { step: "deserialize", name: `testThrottle${operation}` },
  );
  return counter;
}
