/**
 * Entry point of the ENI-attach Lambda (bundled as index.handler). EventBridge delivers Auto
 * Scaling lifecycle actions (launch, terminate) and the scheduled sweep.
 */

import { nameRefusals } from "./authorization";
import { createClients } from "./clients";
import { LAMBDA_CONFIG_ENV, parseLambdaConfig } from "./config";
import { guardWithDeadline, InvocationDeadline } from "./deadline";
import type { LambdaDeps } from "./deps";
import { classifyEvent, type IncomingEvent } from "./events";
import { handleLaunch, type LaunchOutcome } from "./launch";
import { createLogger } from "./logging";
import { handleSweep, type SweepOutcome } from "./sweeper";
import { handleTerminate, type TerminateOutcome } from "./terminate";

export type HandlerOutcome =
  LaunchOutcome | TerminateOutcome | SweepOutcome | { kind: "ignored"; reason: string };

/** `remainingTimeMs` is the Lambda context's getRemainingTimeInMillis; without it calls have no deadline. */
export type EniHandler = (event: IncomingEvent, remainingTimeMs?: () => number) => Promise<HandlerOutcome>;

/** The handler's logic with its dependencies given (tests, benchmarks); `handler` below builds them. */
export function createHandler(deps: LambdaDeps): EniHandler {
  nameRefusals(deps.ec2, "ec2");
  nameRefusals(deps.autoScaling, "autoscaling");
  return async (event, remainingTimeMs) => {
    if (deps.deadline && remainingTimeMs) deps.deadline.begin(remainingTimeMs());
    try {
      return await dispatch(deps, event);
    } finally {
      deps.deadline?.end();
    }
  };
}

async function dispatch(deps: LambdaDeps, event: IncomingEvent): Promise<HandlerOutcome> {
  const classified = classifyEvent(event);
  switch (classified.kind) {
    case "launch":
      deps.logger.info("launch lifecycle action", {
        instanceId: classified.action.instanceId,
        origin: classified.action.origin,
        destination: classified.action.destination,
      });
      return handleLaunch(deps, classified.action);
    case "terminate":
      deps.logger.info("terminate lifecycle action", { instanceId: classified.action.instanceId });
      return handleTerminate(deps, classified.action);
    case "sweep":
      return handleSweep(deps);
    case "ignored":
      deps.logger.warn("event ignored", { reason: classified.reason });
      return classified;
  }
}

let deployed: EniHandler | undefined;

/** Built on first use and kept for the container's life, so the SDK clients' retry state is shared. */
function deployedHandler(): EniHandler {
  if (!deployed) {
    const logger = createLogger();
    const config = parseLambdaConfig(process.env[LAMBDA_CONFIG_ENV]);
    const deadline = new InvocationDeadline();
    const clients = createClients();
    guardWithDeadline(clients.ec2, deadline);
    guardWithDeadline(clients.autoScaling, deadline);
    deployed = createHandler({ config, logger, now: () => new Date(), deadline, ...clients });
  }
  return deployed;
}

export const handler = (
  event: IncomingEvent,
  context?: { getRemainingTimeInMillis(): number },
): Promise<HandlerOutcome> =>
  deployedHandler()(event, context ? () => context.getRemainingTimeInMillis() : undefined);
