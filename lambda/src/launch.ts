/**
 * Launch lifecycle action: give the instance one ENI per Multus network, in its own AZ, at the
 * network's device index, then CONTINUE. On any failure, delete what is not attached and ABANDON
 * (Auto Scaling then replaces the instance).
 *
 * Idempotency across redelivered events: the ENIs are found by their tags first; the ClientToken
 * derived from the lifecycle action token is the second line (it covers a create whose tags are
 * not yet visible to Describe).
 */

import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { DEVICE_INDEX_TAG_KEY } from "../../components/model/tags";
import type { LambdaDeps } from "./deps";
import {
  attachEni,
  createEni,
  deleteEni,
  describeEni,
  describeLaunchingInstance,
  detachEni,
  disableSourceDestCheck,
  errorName,
  listInstanceEnis,
  setDeleteOnTermination,
  waitUntilAttached,
  waitUntilAvailable,
  type InstanceFacts,
} from "./ec2-ops";
import {
  UnrecoverableLaunchError,
  chooseExisting,
  foreignEniAtIndex,
  isAttachedTo,
  planSlots,
  tagValue,
  type EniSlot,
} from "./eni-plan";
import type { LifecycleAction } from "./events";
import { completeLifecycleAction, type LifecycleResult } from "./lifecycle";
import { since } from "./logging";

export interface LaunchOutcome {
  kind: "launch";
  instanceId: string;
  result: LifecycleResult;
  availabilityZone?: string;
  /** ENI per device index once the launch succeeded. */
  eniIds: string[];
  createdEniIds: string[];
  deletedEniIds: string[];
  error?: string;
}

/** What the slots did so far, for the clean-up after a failure. */
interface Progress {
  created: Set<string>;
  attached: Set<string>;
  /** Attachment ID by ENI, so the clean-up can set DeleteOnTermination even when Describe fails. */
  attachments: Map<string, string>;
  /**
   * ENIs this delivery attached. Only these may be detached by the clean-up: an ENI that an earlier
   * delivery attached may belong to an instance whose CONTINUE was already accepted.
   */
  attachedHere: Set<string>;
}

function eniId(eni: NetworkInterface): string {
  return eni.NetworkInterfaceId ?? "(no id)";
}

async function deleteSurplus(
  deps: LambdaDeps,
  slot: EniSlot,
  surplus: NetworkInterface[],
  instanceId: string,
): Promise<void> {
  for (const eni of surplus.filter((candidate) => candidate.Status === "available")) {
    await deleteEni(deps.ec2, eniId(eni));
    deps.logger.info("deleted duplicate ENI", { instanceId, network: slot.network, eniIds: [eniId(eni)] });
  }
}

/**
 * Attaches, treating InvalidNetworkInterface.InUse as success when the ENI is in fact attached to
 * this instance at this index: EC2 performed an earlier attempt whose reply was lost, and the SDK's
 * retry then found the ENI in use.
 */
async function attachOrConfirm(
  ec2: LambdaDeps["ec2"],
  id: string,
  instanceId: string,
  deviceIndex: number,
): Promise<string | undefined> {
  try {
    return await attachEni(ec2, id, instanceId, deviceIndex);
  } catch (error) {
    if (errorName(error) !== "InvalidNetworkInterface.InUse") throw error;
    const current = await describeEni(ec2, id);
    if (!current || !isAttachedTo(current, instanceId, deviceIndex)) throw error;
    return current.Attachment?.AttachmentId;
  }
}

async function ensureSlot(
  deps: LambdaDeps,
  instance: InstanceFacts,
  slot: EniSlot,
  tagged: NetworkInterface[],
  ownEniIds: Set<string>,
  progress: Progress,
): Promise<string> {
  const { ec2, logger } = deps;
  const instanceId = instance.instanceId;
  const started = Date.now();
  const { chosen, surplus } = chooseExisting(tagged, instanceId, slot.deviceIndex);
  if (!chosen || !isAttachedTo(chosen, instanceId, slot.deviceIndex)) {
    const holder = foreignEniAtIndex(instance.enis, slot.deviceIndex, ownEniIds);
    if (holder) {
      throw new UnrecoverableLaunchError(
        `device index ${slot.deviceIndex} of ${instanceId} is taken by ${holder}, which this Lambda did not create; ` +
          `remove extra interfaces from the launch template or give network ${slot.network} another device index`,
      );
    }
  }
  await deleteSurplus(deps, slot, surplus, instanceId);

  let eni = chosen;
  if (!eni) {
    eni = await createEni(ec2, slot);
    progress.created.add(eniId(eni));
    logger.info("created ENI", {
      instanceId,
      network: slot.network,
      subnetId: slot.subnetId,
      eniIds: [eniId(eni)],
      durationMs: since(started),
    });
  } else {
    logger.info("found ENI from an earlier delivery", {
      instanceId,
      network: slot.network,
      eniIds: [eniId(eni)],
      status: eni.Status,
    });
  }

  if (!isAttachedTo(eni, instanceId, slot.deviceIndex)) {
    if (eni.Attachment?.InstanceId && eni.Attachment.Status !== "detached") {
      throw new UnrecoverableLaunchError(
        `${eniId(eni)} (network ${slot.network}) is attached to ${eni.Attachment.InstanceId} at device index ${eni.Attachment.DeviceIndex}, not to ${instanceId} at ${slot.deviceIndex}`,
      );
    }
    if (eni.Status !== "available") eni = await waitUntilAvailable(ec2, eniId(eni));
    const attachStarted = Date.now();
    const attachmentId = await attachOrConfirm(ec2, eniId(eni), instanceId, slot.deviceIndex);
    progress.attached.add(eniId(eni));
    progress.attachedHere.add(eniId(eni));
    if (attachmentId) progress.attachments.set(eniId(eni), attachmentId);
    eni = await waitUntilAttached(ec2, eniId(eni), instanceId);
    logger.info("attached ENI", {
      instanceId,
      network: slot.network,
      deviceIndex: slot.deviceIndex,
      eniIds: [eniId(eni)],
      durationMs: since(attachStarted),
    });
  } else {
    progress.attached.add(eniId(eni));
    if (eni.Attachment?.AttachmentId) progress.attachments.set(eniId(eni), eni.Attachment.AttachmentId);
    if (eni.Attachment?.Status !== "attached") eni = await waitUntilAttached(ec2, eniId(eni), instanceId);
  }

  // DeleteOnTermination first: if throttling then stops this launch, the attached ENI still goes
  // with the instance that Auto Scaling terminates after ABANDON.
  const attachmentId = eni.Attachment?.AttachmentId;
  if (!attachmentId) throw new Error(`${eniId(eni)} is attached but EC2 reports no attachment ID`);
  if (eni.Attachment?.DeleteOnTermination !== true)
    await setDeleteOnTermination(ec2, eniId(eni), attachmentId);
  if (eni.SourceDestCheck !== false) await disableSourceDestCheck(ec2, eniId(eni));
  logger.info("ENI ready", {
    instanceId,
    network: slot.network,
    deviceIndex: slot.deviceIndex,
    eniIds: [eniId(eni)],
    durationMs: since(started),
  });
  return eniId(eni);
}

/**
 * After a failure: delete every ENI of this instance that is not attached (created now or by an
 * earlier delivery), and make sure attached ones go with the instance, which Auto Scaling is about
 * to terminate. What cannot be done here is left to the sweeper.
 */
async function cleanUp(deps: LambdaDeps, instanceId: string, progress: Progress): Promise<string[]> {
  const { ec2, logger, config } = deps;
  const listed = await listInstanceEnis(ec2, config.clusterName, instanceId).catch((error: unknown) => {
    logger.error("could not list the instance's ENIs for clean-up", { instanceId, error: String(error) });
    return [] as NetworkInterface[];
  });
  const listedIds = new Set(listed.map(eniId));
  // A just-created ENI may not show up in a tag query yet (eventual consistency): add it by ID.
  const unlisted = [...progress.created].filter((id) => !listedIds.has(id) && !progress.attached.has(id));
  const toDelete = [...listed.filter((eni) => eni.Status === "available").map(eniId), ...unlisted];
  const attached = new Map(
    listed
      .filter((eni) => isAttachedTo(eni, instanceId) && eni.Attachment?.DeleteOnTermination !== true)
      .map((eni) => [eniId(eni), eni.Attachment?.AttachmentId ?? ""]),
  );
  // Attached by this invocation but not listed (Describe failed or lags): known from the attach.
  for (const [id, attachmentId] of progress.attachments) {
    if (!listedIds.has(id)) attached.set(id, attachmentId);
  }

  const deleted: string[] = [];
  const results = await Promise.allSettled([
    ...toDelete.map(async (id) => {
      await deleteEni(ec2, id);
      deleted.push(id);
    }),
    ...[...attached].map(async ([id, attachmentId]) => {
      if (await releaseWithInstance(deps, instanceId, id, attachmentId, progress.attachedHere.has(id))) {
        deleted.push(id);
      }
    }),
  ]);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
  logger.info("cleaned up after failed launch", {
    instanceId,
    eniIds: deleted,
    attachedLeftWithInstance: [...attached.keys()],
    cleanUpErrors: failures.map((failure) => String(failure.reason)),
  });
  return deleted;
}

/**
 * Makes an attached ENI go when Auto Scaling terminates the abandoned instance: DeleteOnTermination,
 * or, when that cannot be set and this delivery attached it, detach and delete it now. True when
 * the ENI was deleted here.
 */
async function releaseWithInstance(
  deps: LambdaDeps,
  instanceId: string,
  id: string,
  attachmentId: string,
  attachedHere: boolean,
): Promise<boolean> {
  try {
    await setDeleteOnTermination(deps.ec2, id, attachmentId);
    return false;
  } catch (error) {
    if (!attachedHere) throw error;
    deps.logger.warn("could not set DeleteOnTermination; detaching and deleting instead", {
      instanceId,
      eniIds: [id],
      error: String(error),
    });
    await detachEni(deps.ec2, attachmentId);
    await waitUntilAvailable(deps.ec2, id);
    await deleteEni(deps.ec2, id);
    return true;
  }
}

function describeFailures(failures: { slot: EniSlot; reason: unknown }[]): string {
  return failures
    .map(
      ({ slot, reason }) =>
        `network ${slot.network}: ${errorName(reason)}: ${(reason as Error)?.message ?? reason}`,
    )
    .join("; ");
}

export async function handleLaunch(deps: LambdaDeps, action: LifecycleAction): Promise<LaunchOutcome> {
  const { ec2, logger, config } = deps;
  const { instanceId } = action;
  const started = Date.now();
  const progress: Progress = {
    created: new Set(),
    attached: new Set(),
    attachments: new Map(),
    attachedHere: new Set(),
  };
  let availabilityZone: string | undefined;
  let eniIds: string[];
  try {
    const instance = await describeLaunchingInstance(ec2, instanceId);
    availabilityZone = instance.availabilityZone as string;
    const slots = planSlots(config, instanceId, availabilityZone, action.lifecycleActionToken);
    const existing = await listInstanceEnis(ec2, config.clusterName, instanceId);
    const ownEniIds = new Set(existing.map(eniId));
    const outcomes = await Promise.allSettled(
      slots.map((slot) =>
        ensureSlot(
          deps,
          instance,
          slot,
          existing.filter((eni) => tagValue(eni, DEVICE_INDEX_TAG_KEY) === String(slot.deviceIndex)),
          ownEniIds,
          progress,
        ),
      ),
    );
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === "rejected" ? [{ slot: slots[i], reason: outcome.reason }] : [],
    );
    if (failures.length > 0) throw new Error(describeFailures(failures));
    eniIds = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<string>).value);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error("launch failed; abandoning", {
      instanceId,
      availabilityZone,
      error: message,
      createdEniIds: [...progress.created],
    });
    deps.deadline?.enterFinish();
    const deletedEniIds = await cleanUp(deps, instanceId, progress);
    await completeLifecycleAction(deps.autoScaling, action, "ABANDON");
    logger.info("completed lifecycle action", { instanceId, result: "ABANDON", durationMs: since(started) });
    return {
      kind: "launch",
      instanceId,
      result: "ABANDON",
      availabilityZone,
      eniIds: [],
      createdEniIds: [...progress.created],
      deletedEniIds,
      error: message,
    };
  }
  // Outside the try: a failed CONTINUE must not delete attached ENIs. The error fails the
  // invocation, Lambda redelivers, and the redelivery finds all ENIs in place.
  deps.deadline?.enterFinish();
  await completeLifecycleAction(deps.autoScaling, action, "CONTINUE");
  logger.info("completed lifecycle action", {
    instanceId,
    result: "CONTINUE",
    availabilityZone,
    eniIds,
    durationMs: since(started),
  });
  return {
    kind: "launch",
    instanceId,
    result: "CONTINUE",
    availabilityZone,
    eniIds,
    createdEniIds: [...progress.created],
    deletedEniIds: [],
  };
}
