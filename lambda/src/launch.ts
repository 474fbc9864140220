/**
 * Launch lifecycle action: give the instance one ENI per Multus network, in its own AZ, at the
 * network's device index, then CONTINUE. On any failure, delete what is not attached and ABANDON
 * (Auto Scaling then replaces the instance).
 *
 * The networks' slots run concurrently, each its own chain: create -> attach -> DeleteOnTermination
 * (-> source/dest check in host-local); then one wait for all attachments (attachment-wait.ts).
 *
 * Calls on the happy path (call-budget.ts), counted by EC2's throttling buckets:
 * - mutating, which bound a burst: per ENI a create, an attach and DeleteOnTermination (the Amazon
 *   VPC CNI makes the same three per ENI), a 4th (the source/dest check) in host-local only; per
 *   launch CompleteLifecycleAction (Auto Scaling). That is 3 x networks + 1, plus one per host-local
 *   network: ModifyNetworkInterfaceAttribute sets one attribute per call, and neither
 *   CreateNetworkInterface nor AttachNetworkInterface takes either attribute;
 * - non-mutating (Describe, a bucket of its own): the attachment checks, and DescribeInstances in a
 *   group of several AZs.
 *
 * Idempotency across redelivered (or duplicate, concurrent) events, without a Describe on the
 * happy path: DescribeInstances shows what is already at each device index; an ENI there that
 * carries this slot's tags is adopted (one Describe by ID, only then). An empty index gets a
 * create whose ClientToken comes from the lifecycle action token and the index, so a repeated
 * create returns the first delivery's ENI, and a second attach of it answers
 * InvalidNetworkInterface.InUse, which is checked and taken as attached.
 *
 * When every network has its subnets in one AZ only (a node group in one AZ, as in the blog), the
 * AZ is known and DescribeInstances is skipped. The instance is then described only if an attach
 * finds the device index taken (a warm-pool instance coming into service, whose new action token
 * made a new ENI): the ENI there is adopted if it is this slot's, and the new one deleted.
 *
 * A group in several AZs pays one DescribeInstances per launch, which nothing else can replace: the
 * lifecycle event names the instance but not its AZ or subnet, and CreateNetworkInterface needs the
 * subnet (hence the AZ) before anything else. One node group per AZ (nodeGroups[].availabilityZones)
 * gives each group's Lambda a one-AZ configuration and no DescribeInstances.
 */

import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { waitUntilAllAttached } from "./attachment-wait";
import { AuthorizationRefusedError } from "./authorization";
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
  waitUntilAvailable,
  type InstanceFacts,
} from "./ec2-ops";
import {
  UnrecoverableLaunchError,
  eniAtIndex,
  isAttachedTo,
  isSlotEni,
  planSlots,
  singleAvailabilityZone,
  type EniSlot,
} from "./eni-plan";
import type { LifecycleAction } from "./events";
import { finishLifecycleAction, type LifecycleResult } from "./lifecycle";
import { since } from "./logging";
import { logOutcome, outcomeOf, type Outcome } from "./outcome-log";

export interface LaunchOutcome {
  kind: "launch";
  instanceId: string;
  /** What this delivery sent. */
  result: LifecycleResult;
  /** What came of it (ALREADY_COMPLETED: the action was no longer open). */
  outcome: Outcome;
  availabilityZone?: string;
  /** ENI per device index once the launch succeeded. */
  eniIds: string[];
  createdEniIds: string[];
  deletedEniIds: string[];
  error?: string;
  /** Calls that IAM refused, with the resources they named. */
  refused?: { action: string; resources: string[] }[];
}

/** What the slots did so far, for the clean-up after a failure. */
interface Progress {
  created: Set<string>;
  attached: Set<string>;
  /** Attachment ID by ENI, so the clean-up can set DeleteOnTermination even when Describe fails. */
  attachments: Map<string, string>;
  /**
   * ENIs whose attach THIS delivery saw accepted. Only these may be detached by the clean-up: an
   * ENI that another delivery attached may belong to an instance whose CONTINUE was accepted.
   */
  attachedHere: Set<string>;
  /**
   * ENIs whose attach EC2 answered InvalidNetworkInterface.InUse: attached (by an earlier or a
   * concurrent delivery, whose CONTINUE may stand) even if this delivery could not confirm where.
   * The clean-up never deletes them.
   */
  inUse: Set<string>;
}

interface SlotDone {
  eniId: string;
  /** When its attach was accepted, if it may still be `attaching`. */
  attachingSince?: number;
}

function eniId(eni: NetworkInterface): string {
  return eni.NetworkInterfaceId ?? "(no id)";
}

/**
 * Attaches, treating InvalidNetworkInterface.InUse as success when the ENI is in fact attached to
 * this instance at this index: EC2 performed an earlier attempt whose reply was lost, or another
 * delivery of the same event attached it first. Only an accepted attach counts as `here`.
 */
async function attachOrConfirm(
  ec2: LambdaDeps["ec2"],
  id: string,
  instanceId: string,
  deviceIndex: number,
  progress: Progress,
): Promise<{ attachmentId: string; here: boolean }> {
  try {
    return { attachmentId: await attachEni(ec2, id, instanceId, deviceIndex), here: true };
  } catch (error) {
    if (errorName(error) !== "InvalidNetworkInterface.InUse") throw error;
    progress.inUse.add(id);
    const current = await describeEni(ec2, id);
    const attachmentId = current?.Attachment?.AttachmentId;
    if (!current || !isAttachedTo(current, instanceId, deviceIndex) || !attachmentId) throw error;
    return { attachmentId, here: false };
  }
}

/** The slot's index is taken: adopt the ENI if it is this slot's own (an earlier delivery's). */
async function adoptSlot(
  deps: LambdaDeps,
  instanceId: string,
  slot: EniSlot,
  holderId: string,
  progress: Progress,
): Promise<SlotDone> {
  const eni = await describeEni(deps.ec2, holderId);
  if (!eni || !isSlotEni(eni, deps.config.clusterName, instanceId, slot.deviceIndex)) {
    throw new UnrecoverableLaunchError(
      `device index ${slot.deviceIndex} of ${instanceId} is taken by ${holderId}, which this Lambda did not create; ` +
        `remove extra interfaces from the launch template or give network ${slot.network} another device index`,
    );
  }
  const attachment = eni.Attachment;
  progress.attached.add(holderId);
  if (attachment?.AttachmentId) progress.attachments.set(holderId, attachment.AttachmentId);
  deps.logger.info("found ENI from an earlier delivery", {
    instanceId,
    network: slot.network,
    eniIds: [holderId],
    attachment: attachment?.Status,
  });
  if (!attachment?.AttachmentId) throw new Error(`${holderId} is attached but EC2 reports no attachment ID`);
  if (attachment.DeleteOnTermination !== true)
    await setDeleteOnTermination(deps.ec2, holderId, attachment.AttachmentId);
  if (slot.disableSourceDestCheck && eni.SourceDestCheck !== false)
    await disableSourceDestCheck(deps.ec2, holderId);
  // Attached by an earlier delivery a while ago: if still attaching, check at once.
  return { eniId: holderId, ...(attachment.Status === "attached" ? {} : { attachingSince: 0 }) };
}

/**
 * The instance was not described (known AZ) and the attach found the index taken: describe it now
 * and adopt what is at the index if it is this slot's ENI; the ENI just created is then surplus.
 */
async function adoptInstead(
  deps: LambdaDeps,
  instanceId: string,
  slot: EniSlot,
  createdId: string,
  attachError: unknown,
  progress: Progress,
): Promise<SlotDone> {
  const instance = await describeLaunchingInstance(deps.ec2, instanceId);
  const holder = eniAtIndex(instance.enis, slot.deviceIndex)?.networkInterfaceId;
  if (!holder || holder === createdId) throw attachError;
  const adopted = await adoptSlot(deps, instanceId, slot, holder, progress);
  await deleteEni(deps.ec2, createdId);
  deps.logger.info("deleted the surplus ENI of a slot already held by an earlier ENI", {
    instanceId,
    network: slot.network,
    eniIds: [createdId],
  });
  return adopted;
}

async function ensureSlot(
  deps: LambdaDeps,
  instance: InstanceFacts,
  slot: EniSlot,
  progress: Progress,
): Promise<SlotDone> {
  const { ec2, logger } = deps;
  const instanceId = instance.instanceId;
  const started = Date.now();
  const holder = eniAtIndex(instance.enis, slot.deviceIndex);
  if (holder?.networkInterfaceId)
    return adoptSlot(deps, instanceId, slot, holder.networkInterfaceId, progress);

  const eni = await createEni(ec2, slot);
  const id = eniId(eni);
  progress.created.add(id);
  logger.info("created ENI", {
    instanceId,
    network: slot.network,
    subnetId: slot.subnetId,
    eniIds: [id],
    durationMs: since(started),
  });

  let attached: { attachmentId: string; here: boolean };
  try {
    attached = await attachOrConfirm(ec2, id, instanceId, slot.deviceIndex, progress);
  } catch (error) {
    if (instance.described !== false || errorName(error) !== "InvalidParameterValue") throw error;
    return adoptInstead(deps, instanceId, slot, id, error, progress);
  }
  const { attachmentId, here } = attached;
  const attachingSince = Date.now();
  progress.attached.add(id);
  if (here) progress.attachedHere.add(id);
  progress.attachments.set(id, attachmentId);
  // DeleteOnTermination at once, with the attach's own attachment ID (EC2 accepts it while the
  // attachment is `attaching`; the VPC CNI does the same): if the launch then stops, the ENI
  // still goes with the instance that Auto Scaling terminates after ABANDON.
  await setDeleteOnTermination(ec2, id, attachmentId);
  if (slot.disableSourceDestCheck) await disableSourceDestCheck(ec2, id);
  logger.info("attached ENI", {
    instanceId,
    network: slot.network,
    deviceIndex: slot.deviceIndex,
    eniIds: [id],
    durationMs: since(started),
  });
  return { eniId: id, attachingSince };
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
  const unlisted = [...progress.created].filter(
    (id) => !listedIds.has(id) && !progress.attached.has(id) && !progress.inUse.has(id),
  );
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

class SlotsFailed extends Error {
  constructor(
    readonly reasons: unknown[],
    message: string,
  ) {
    super(message);
    this.name = "SlotsFailed";
  }
}

function refusedCalls(error: unknown): LaunchOutcome["refused"] {
  const reasons = error instanceof SlotsFailed ? error.reasons : [error];
  const refused = reasons
    .filter((reason): reason is AuthorizationRefusedError => reason instanceof AuthorizationRefusedError)
    .map((reason) => ({
      action: reason.action,
      resources: reason.resources.map((resource) => `${resource.type} ${resource.id}`),
    }));
  return refused.length ? refused : undefined;
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
    inUse: new Set(),
  };
  let availabilityZone: string | undefined;
  let eniIds: string[];
  try {
    const knownZone = singleAvailabilityZone(config);
    const instance: InstanceFacts = knownZone
      ? { instanceId, state: "unknown", availabilityZone: knownZone, enis: [], described: false }
      : await describeLaunchingInstance(ec2, instanceId);
    availabilityZone = instance.availabilityZone as string;
    const slots = planSlots(config, instanceId, availabilityZone, action.lifecycleActionToken);
    const outcomes = await Promise.allSettled(
      slots.map((slot) => ensureSlot(deps, instance, slot, progress)),
    );
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === "rejected" ? [{ slot: slots[i], reason: outcome.reason as unknown }] : [],
    );
    if (failures.length > 0) {
      throw new SlotsFailed(
        failures.map((failure) => failure.reason),
        describeFailures(failures),
      );
    }
    const done = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<SlotDone>).value);
    const attaching = new Map(
      done.flatMap((slot) => (slot.attachingSince === undefined ? [] : [[slot.eniId, slot.attachingSince]])),
    );
    await waitUntilAllAttached(ec2, instanceId, attaching, {
      deadline: deps.deadline,
      schedule: deps.attachChecks,
    });
    eniIds = done.map((slot) => slot.eniId);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const refused = refusedCalls(error);
    logger.error("launch failed; abandoning", {
      instanceId,
      availabilityZone,
      error: message,
      createdEniIds: [...progress.created],
      ...(refused ? { refused } : {}),
    });
    deps.deadline?.enterFinish();
    const deletedEniIds = await cleanUp(deps, instanceId, progress);
    const outcome = outcomeOf("ABANDON", await finishLifecycleAction(deps, action, "ABANDON"));
    logOutcome(logger, outcome, "ABANDON", message, {
      transition: "launch",
      instanceId,
      availabilityZone,
      deletedEniIds,
      ...(refused ? { refused } : {}),
      durationMs: since(started),
    });
    return {
      kind: "launch",
      instanceId,
      result: "ABANDON",
      outcome,
      availabilityZone,
      eniIds: [],
      createdEniIds: [...progress.created],
      deletedEniIds,
      error: message,
      ...(refused ? { refused } : {}),
    };
  }
  // Outside the try: a failed CONTINUE must not delete attached ENIs. The error fails the
  // invocation, Lambda redelivers, and the redelivery finds all ENIs in place.
  deps.deadline?.enterFinish();
  const outcome = outcomeOf("CONTINUE", await finishLifecycleAction(deps, action, "CONTINUE"));
  logOutcome(logger, outcome, "CONTINUE", undefined, {
    transition: "launch",
    instanceId,
    availabilityZone,
    eniIds,
    durationMs: since(started),
  });
  return {
    kind: "launch",
    instanceId,
    result: "CONTINUE",
    outcome,
    availabilityZone,
    eniIds,
    createdEniIds: [...progress.created],
    deletedEniIds: [],
  };
}
