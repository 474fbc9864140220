/**
 * Waiting for a launch's attachments to reach `attached`, the way EC2 behaves: a first check shortly
 * after the attaches were accepted, then backoff with jitter, tight while EC2 usually completes an
 * attachment and looser past it, until the invocation's work deadline (see retry-settings.ts for
 * the figures and their sources). One filtered Describe per check covers every ENI of the launch.
 */

import {
  paginateDescribeNetworkInterfaces,
  type EC2Client,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import type { InvocationDeadline } from "./deadline";
import {
  ATTACH_CHECK_BASE_MS,
  ATTACH_CHECK_CAP_MS,
  ATTACH_CHECK_MULTIPLIER,
  ATTACH_CHECK_TAIL_CAP_MS,
  ATTACH_FIRST_CHECK_MS,
  CLEANUP_RESERVE_MS,
  EC2_ATTACH_TIME_MS,
  ENI_LAMBDA_TIMEOUT_SECONDS,
} from "./retry-settings";
import { pollUntil } from "./waiting";

export interface AttachCheckSchedule {
  /** Pause between the first accepted attach and the first check (which never precedes the last). */
  firstCheckMs: number;
  /** Nominal pause after the first check; multiplied by `multiplier` after each later one. */
  baseMs: number;
  multiplier: number;
  /** Largest nominal pause while the wait is within `usualAttachMs` of the last attach. */
  capMs: number;
  /** How long EC2 usually takes to attach; past it the pauses grow on towards `tailCapMs`. */
  usualAttachMs: number;
  tailCapMs: number;
}

export const ATTACH_CHECKS: AttachCheckSchedule = {
  firstCheckMs: ATTACH_FIRST_CHECK_MS,
  baseMs: ATTACH_CHECK_BASE_MS,
  multiplier: ATTACH_CHECK_MULTIPLIER,
  capMs: ATTACH_CHECK_CAP_MS,
  usualAttachMs: EC2_ATTACH_TIME_MS.max,
  tailCapMs: ATTACH_CHECK_TAIL_CAP_MS,
};

/** Without a running invocation deadline (tests, tools), a wait may last as long as the launch work could. */
const FALLBACK_WAIT_MS = ENI_LAMBDA_TIMEOUT_SECONDS * 1000 - CLEANUP_RESERVE_MS;

/**
 * The nominal pause after the `checks`-th check, `sinceAttachMs` after the last attach: the base
 * pause doubled per check, capped at `capMs` within the usual attach time; past it the cap doubles
 * for every `capMs` waited beyond, up to `tailCapMs`. Each check EC2 pushed back on (throttled, or
 * failed and retried by the SDK: `pushedBack`) doubles the cap too, so launches that share a busy
 * Describe bucket leave it room.
 */
export function nominalAttachCheckMs(
  schedule: AttachCheckSchedule,
  checks: number,
  sinceAttachMs: number,
  pushedBack = 0,
): number {
  const beyond = Math.max(0, sinceAttachMs - schedule.usualAttachMs);
  const doublings = Math.floor(beyond / schedule.capMs) + pushedBack;
  const cap = Math.min(schedule.tailCapMs, schedule.capMs * schedule.multiplier ** doublings);
  return Math.min(cap, schedule.baseMs * schedule.multiplier ** Math.max(0, checks - 1 + pushedBack));
}

/** Equal jitter: half the nominal pause fixed, half random, so concurrent launches spread their checks. */
export function attachCheckDelayMs(
  schedule: AttachCheckSchedule,
  checks: number,
  sinceAttachMs: number,
  random: () => number = Math.random,
  pushedBack = 0,
): number {
  const nominal = nominalAttachCheckMs(schedule, checks, sinceAttachMs, pushedBack);
  return nominal / 2 + random() * (nominal / 2);
}

export interface AttachWaitOptions {
  deadline?: InvocationDeadline;
  schedule?: Partial<AttachCheckSchedule>;
}

/**
 * Waits until every ENI in `pending` (ENI ID -> epoch ms its attach was accepted; 0 for one found
 * attached earlier, checked at once) is `attached` to the instance.
 */
export async function waitUntilAllAttached(
  ec2: EC2Client,
  instanceId: string,
  pending: ReadonlyMap<string, number>,
  options: AttachWaitOptions = {},
): Promise<void> {
  if (pending.size === 0) return;
  const schedule = { ...ATTACH_CHECKS, ...options.schedule };
  const waitStarted = Date.now();
  const accepted = [...pending.values()].filter((at) => at > 0);
  // Only ENIs found attached earlier (0): check at once, and time the schedule from now.
  const lastAttachAt = accepted.length ? Math.max(...accepted) : 0;
  const anchor = lastAttachAt || waitStarted;
  // The first check looks for attachments EC2 completed early: firstCheckMs after the first attach
  // was accepted (EC2 works on a launch's attachments at once), but not before the last one was.
  const firstCheckAt = accepted.length
    ? Math.max(Math.min(...accepted) + schedule.firstCheckMs, lastAttachAt)
    : waitStarted;
  const waiting = new Set(pending.keys());
  let pushedBack = 0;
  const remainingMs = (): number => {
    const untilDeadline = options.deadline?.workRemainingMs();
    return untilDeadline !== undefined && Number.isFinite(untilDeadline)
      ? untilDeadline
      : waitStarted + FALLBACK_WAIT_MS - Date.now();
  };
  await pollUntil(
    `${[...waiting].join(", ")} to be attached to ${instanceId}`,
    async () => {
      const enis: NetworkInterface[] = [];
      const pages = paginateDescribeNetworkInterfaces(
        { client: ec2 },
        { Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }] },
      );
      for await (const page of pages) {
        enis.push(...(page.NetworkInterfaces ?? []));
        if ((page.$metadata.attempts ?? 1) > 1) pushedBack++;
      }
      for (const eni of enis) {
        const id = eni.NetworkInterfaceId ?? "";
        if (waiting.has(id) && eni.Attachment?.Status === "attached") waiting.delete(id);
      }
      if (waiting.size === 0) return { done: true, value: undefined };
      const seen = [...waiting].map((id) => {
        const eni = enis.find((candidate) => candidate.NetworkInterfaceId === id);
        return `${id} ${eni?.Attachment?.Status ?? "not yet listed"}`;
      });
      return { done: false, seen: seen.join(", ") };
    },
    {
      firstDelayMs: Math.max(0, firstCheckAt - waitStarted),
      nextDelayMs: (checks) =>
        attachCheckDelayMs(schedule, checks, Date.now() - anchor, Math.random, pushedBack),
      remainingMs,
    },
  );
}
