/**
 * Scheduled sweep: deletes this cluster's ENIs that are left `available` (not attached) after their
 * instance is gone or after the grace period. It never touches ENIs of other clusters or untagged
 * ones: the Describe call filters on the cluster tag, and the decision checks it again.
 *
 * Age: EC2 reports no creation time for network interfaces (neither does moto), so the sweeper
 * uses the launch time of the instance named in the ENI's instance tag. The Lambda creates an ENI
 * only after its instance launched, so the instance's age bounds the ENI's; with a grace period
 * longer than the launch hook's heartbeat, a launch still in progress is never swept.
 */

import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY } from "../../components/model/tags";
import type { LambdaDeps } from "./deps";
import { deleteEni, describeInstances, listEnis, type InstanceFacts } from "./ec2-ops";
import { tagValue } from "./eni-plan";
import { since } from "./logging";

export interface SweepDecision {
  eniId: string;
  remove: boolean;
  reason: string;
}

export interface SweepOutcome {
  kind: "sweep";
  deletedEniIds: string[];
  keptEniIds: string[];
  errors: string[];
}

const GONE_STATES = new Set(["shutting-down", "terminated"]);

/** Pure rule: whether a leftover ENI of this cluster may be deleted now. */
export function sweepDecision(
  eni: NetworkInterface,
  clusterName: string,
  instance: InstanceFacts | undefined,
  now: Date,
  graceMinutes: number,
): SweepDecision {
  const eniId = eni.NetworkInterfaceId ?? "(no id)";
  if (tagValue(eni, CLUSTER_TAG_KEY) !== clusterName)
    return { eniId, remove: false, reason: "not tagged for this cluster" };
  if (eni.Status !== "available" || eni.Attachment?.Status === "attached") {
    return { eniId, remove: false, reason: `status ${eni.Status}` };
  }
  const instanceId = tagValue(eni, INSTANCE_TAG_KEY);
  if (!instanceId) return { eniId, remove: false, reason: "no instance tag, so its age is unknown" };
  if (!instance) return { eniId, remove: true, reason: `instance ${instanceId} no longer exists` };
  if (GONE_STATES.has(instance.state))
    return { eniId, remove: true, reason: `instance ${instanceId} is ${instance.state}` };
  const ageMinutes = instance.launchTime
    ? (now.getTime() - instance.launchTime.getTime()) / 60_000
    : undefined;
  if (ageMinutes !== undefined && ageMinutes > graceMinutes) {
    return {
      eniId,
      remove: true,
      reason: `not attached ${ageMinutes.toFixed(1)} min after ${instanceId} launched (grace ${graceMinutes} min)`,
    };
  }
  return { eniId, remove: false, reason: `instance ${instanceId} launched within the grace period` };
}

export async function handleSweep(deps: LambdaDeps): Promise<SweepOutcome> {
  const { ec2, logger, config } = deps;
  const started = Date.now();
  const candidates = await listEnis(ec2, [
    { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [config.clusterName] },
    { Name: "status", Values: ["available"] },
  ]);
  const instanceIds = candidates
    .map((eni) => tagValue(eni, INSTANCE_TAG_KEY))
    .filter((id): id is string => id !== undefined);
  const instances = await describeInstances(ec2, instanceIds);
  const now = deps.now();
  const decisions = candidates.map((eni) => {
    const instanceId = tagValue(eni, INSTANCE_TAG_KEY);
    return sweepDecision(
      eni,
      config.clusterName,
      instanceId ? instances.get(instanceId) : undefined,
      now,
      config.sweepGraceMinutes,
    );
  });
  const deletedEniIds: string[] = [];
  const errors: string[] = [];
  // One at a time: the sweep is not urgent and should leave the delete bucket to launches.
  for (const decision of decisions.filter((candidate) => candidate.remove)) {
    try {
      await deleteEni(ec2, decision.eniId);
      deletedEniIds.push(decision.eniId);
      logger.info("swept ENI", { eniIds: [decision.eniId], reason: decision.reason });
    } catch (error) {
      errors.push(`${decision.eniId}: ${String(error)}`);
      logger.error("could not sweep ENI", { eniIds: [decision.eniId], error: String(error) });
    }
  }
  const kept = decisions.filter((decision) => !decision.remove);
  logger.info("sweep done", {
    eniIds: deletedEniIds,
    kept: kept.map((decision) => ({ eniId: decision.eniId, reason: decision.reason })),
    durationMs: since(started),
  });
  return { kind: "sweep", deletedEniIds, keptEniIds: kept.map((decision) => decision.eniId), errors };
}
