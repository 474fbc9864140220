/**
 * Entry point of the ENI-attach Lambda (bundled as index.handler). EventBridge delivers Auto
 * Scaling lifecycle actions (launch, terminate) and the scheduled sweep.
 */

import { createClients } from "./clients";
import { LAMBDA_CONFIG_ENV, parseLambdaConfig } from "./config";
import type { LambdaDeps } from "./deps";
import { classifyEvent, type IncomingEvent } from "./events";
import { handleLaunch, type LaunchOutcome } from "./launch";
import { createLogger } from "./logging";
import { handleSweep, type SweepOutcome } from "./sweeper";
import { handleTerminate, type TerminateOutcome } from "./terminate";

export type HandlerOutcome =
  LaunchOutcome | TerminateOutcome | SweepOutcome | { kind: "ignored"; reason: string };

export type EniHandler = (event: IncomingEvent) => Promise<HandlerOutcome>;

/** The handler's logic with its dependencies given (tests, benchmarks); `handler` below builds them. */
export function createHandler(deps: LambdaDeps): EniHandler {
  return async (event) => {
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
  };
}

let deployed: EniHandler | undefined;

/** Built on first use and kept for the container's life, so the SDK clients' retry state is shared. */
function deployedHandler(): EniHandler {
  if (!deployed) {
    const logger = createLogger();
    const config = parseLambdaConfig(process.env[LAMBDA_CONFIG_ENV]);
    deployed = createHandler({ config, logger, now: () => new Date(), ...createClients() });
  }
  return deployed;
}

export const handler = (event: IncomingEvent): Promise<HandlerOutcome> => deployedHandler()(event);
