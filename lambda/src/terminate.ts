/**
 * Terminate lifecycle action: make sure every ENI this cluster attached to the instance goes with
 * it (DeleteOnTermination), delete the instance's ENIs that are not attached, then CONTINUE.
 * Termination proceeds whatever the result, so problems are logged and left to the sweeper.
 */

import type { LambdaDeps } from "./deps";
import { deleteEni, listInstanceEnis, setDeleteOnTermination } from "./ec2-ops";
import { isAttachedTo } from "./eni-plan";
import type { LifecycleAction } from "./events";
import { finishLifecycleAction } from "./lifecycle";
import { since } from "./logging";
import { logOutcome, outcomeOf, type Outcome } from "./outcome-log";

export interface TerminateOutcome {
  kind: "terminate";
  instanceId: string;
  result: "CONTINUE";
  outcome: Outcome;
  deletedEniIds: string[];
  deleteOnTerminationSet: string[];
  errors: string[];
}

export async function handleTerminate(deps: LambdaDeps, action: LifecycleAction): Promise<TerminateOutcome> {
  const { ec2, logger, config } = deps;
  const { instanceId } = action;
  const started = Date.now();
  const deletedEniIds: string[] = [];
  const deleteOnTerminationSet: string[] = [];
  const errors: string[] = [];
  try {
    const enis = await listInstanceEnis(ec2, config.clusterName, instanceId);
    const results = await Promise.allSettled(
      enis.map(async (eni) => {
        const id = eni.NetworkInterfaceId as string;
        if (isAttachedTo(eni, instanceId)) {
          if (eni.Attachment?.DeleteOnTermination !== true && eni.Attachment?.AttachmentId) {
            await setDeleteOnTermination(ec2, id, eni.Attachment.AttachmentId);
            deleteOnTerminationSet.push(id);
          }
        } else if (eni.Status === "available") {
          await deleteEni(ec2, id);
          deletedEniIds.push(id);
        } else {
          logger.info("ENI in transition; left to the sweeper", {
            instanceId,
            eniIds: [id],
            status: eni.Status,
          });
        }
      }),
    );
    for (const result of results) if (result.status === "rejected") errors.push(String(result.reason));
  } catch (error) {
    errors.push(String(error));
  }
  if (errors.length > 0)
    logger.error("terminate clean-up incomplete; the sweeper will retry", { instanceId, errors });
  const outcome = outcomeOf("CONTINUE", await finishLifecycleAction(deps, action, "CONTINUE"));
  logOutcome(logger, outcome, "CONTINUE", undefined, {
    transition: "terminate",
    instanceId,
    deletedEniIds,
    deleteOnTerminationSet,
    durationMs: since(started),
  });
  return {
    kind: "terminate",
    instanceId,
    result: "CONTINUE",
    outcome,
    deletedEniIds,
    deleteOnTerminationSet,
    errors,
  };
}
