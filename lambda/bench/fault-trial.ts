/**
 * Randomized fault trial: many launch events, each with one fault in one of the handler's API
 * calls (random operation, occurrence and mode), followed by a redelivery of the same event (same
 * LifecycleActionToken), as Lambda's async retry or a duplicate EventBridge delivery would do.
 * Each trial ends:
 *   A  complete: every ENI attached at its index (ready, DeleteOnTermination) and CONTINUE accepted;
 *   B  abandoned cleanly: ABANDON accepted and, when it was, no ENI tagged for the instance was
 *      left unattached and every attached one had DeleteOnTermination=true reach EC2 (so nothing
 *      outlives the instance that Auto Scaling then terminates);
 *   bad: anything else, including a delivery that returned normally (so Lambda would not retry)
 *      while the state was not yet A or B, or both CONTINUE and ABANDON, or no completion at all.
 *
 *   npm run bench:faults -- [--trials 500] [--seed 20240607] [--concurrency 25] [--zones 2]
 * --zones 1 gives the networks subnets in one AZ only (the blog's node group), where the Lambda
 * does not describe the instance on the happy path.
 */

import {
  DeleteNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { LambdaConfig } from "../src/config";
import { listEnis } from "../src/ec2-ops";
import { createHandler } from "../src/handler";
import type { LaunchOutcome } from "../src/launch";
import {
  AZ_A,
  AZ_B,
  buildWorld,
  configFor,
  ec2For,
  launchEvent,
  launchInstance,
  type World,
} from "../../tests/lambda/fixture";
import { startMoto, type MotoServer } from "../../tests/support/moto";
import { chaosDeps, INVOCATION_TIME_MS } from "./chaos-clients";
import { startChaosProxy, type ChaosProxy } from "./chaos-proxy";
import { judge, snapshotEnis, type Judged } from "./end-state";
import { FAULT_MODES, TRANSIENT_FAULT_MODES, type FaultMode, type TargetedFault } from "./fault-injector";
import { cliOption, markdownTable, positiveIntegers } from "./report-format";
import { SeededRandom } from "./seeded-random";

/** The operations the launch handler calls (DeleteNetworkInterface only while cleaning up). */
export const FAULT_OPERATIONS = [
  "DescribeInstances",
  "DescribeNetworkInterfaces",
  "CreateNetworkInterface",
  "AttachNetworkInterface",
  "ModifyNetworkInterfaceAttribute",
  "DeleteNetworkInterface",
  "CompleteLifecycleAction",
] as const;

/** Longest throttle storm (the SDK's 20 attempts per call absorb it). */
const MAX_STORM = 10;

/**
 * Operations a "refused" fault may hit. A refused DeleteNetworkInterface would leave the clean-up
 * nothing to do but leave ENIs to the sweeper, and a refused CompleteLifecycleAction leaves the hook
 * to its default result (ABANDON) after the heartbeat: neither can end in A or B by design.
 */
const REFUSABLE_OPERATIONS: ReadonlySet<string> = new Set([
  "DescribeInstances",
  "DescribeNetworkInterfaces",
  "CreateNetworkInterface",
  "AttachNetworkInterface",
  "ModifyNetworkInterfaceAttribute",
]);

export type Outcome = "A complete" | "B abandoned clean" | "bad";

export interface TrialRecord {
  index: number;
  fault: TargetedFault;
  fired: boolean;
  deliveries: string[];
  outcome: Outcome;
  problems: string[];
}

interface Workspace {
  moto: MotoServer;
  direct: EC2Client;
  world: World;
  config: LambdaConfig;
}

async function deliver(
  proxy: ChaosProxy,
  config: LambdaConfig,
  instanceId: string,
): Promise<{ summary: string; returned: boolean }> {
  const container = chaosDeps(proxy.endpoint, config);
  try {
    const outcome = (await createHandler(container.deps)(
      launchEvent(instanceId),
      INVOCATION_TIME_MS,
    )) as LaunchOutcome;
    return { summary: outcome.result, returned: true };
  } catch (error) {
    return { summary: `threw ${error instanceof Error ? error.name : "error"}`, returned: false };
  } finally {
    container.destroy();
  }
}

/**
 * What EC2 does when Auto Scaling terminates the instance after ABANDON, done in moto directly
 * (moto leaves API-created ENIs behind and forgets DeleteOnTermination): attached ENIs marked
 * DeleteOnTermination are deleted, the others are detached and stay `available`.
 */
async function terminateLikeEc2(workspace: Workspace, proxy: ChaosProxy, instanceId: string): Promise<void> {
  const { direct } = workspace;
  const attached = await listEnis(direct, [{ Name: "attachment.instance-id", Values: [instanceId] }]);
  for (const eni of attached) {
    const attachmentId = eni.Attachment?.AttachmentId;
    if (!attachmentId || eni.Attachment?.DeviceIndex === 0) continue;
    await direct.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId, Force: true }));
    if (proxy.fidelity.deletesOnTermination(eni.NetworkInterfaceId as string, attachmentId)) {
      await direct.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
    }
  }
  await direct.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
}

function outcomeOf(judged: Judged): Outcome {
  if (judged.outcome === "complete") return "A complete";
  if (judged.outcome === "abandoned-clean") return "B abandoned clean";
  return "bad";
}

export function randomFault(random: SeededRandom, occurrences: Record<string, number>): TargetedFault {
  const action = random.pick(FAULT_OPERATIONS);
  const mode: FaultMode = random.pick(REFUSABLE_OPERATIONS.has(action) ? FAULT_MODES : TRANSIENT_FAULT_MODES);
  return {
    action,
    occurrence: random.int(1, Math.max(1, occurrences[action] ?? 1)),
    mode,
    ...(mode === "throttle-storm" ? { stormLength: random.int(1, MAX_STORM) } : {}),
  };
}

export async function runTrial(
  workspace: Workspace,
  index: number,
  fault: TargetedFault,
  az: string,
  seed: string,
): Promise<TrialRecord & { requests: Record<string, number> }> {
  const { direct, world, config } = workspace;
  const instanceId = await launchInstance(direct, world, az);
  const proxy = await startChaosProxy({ upstream: workspace.moto.endpoint, seed, faults: [fault] });
  const context = { config, ledger: proxy.ledger, fidelity: proxy.fidelity };
  const check = async (): Promise<Judged> =>
    judge(context, await snapshotEnis(direct, config.clusterName, [instanceId]), instanceId, az);
  const problems: string[] = [];
  const deliveries: string[] = [];
  let terminated = false;
  const afterDelivery = async (returned: boolean, which: string): Promise<void> => {
    const abandoned = proxy.ledger
      .acceptedFor(instanceId)
      .some((completion) => completion.result === "ABANDON");
    if (returned || (abandoned && !terminated)) {
      // Lambda does not retry a delivery that returned, and Auto Scaling acts on an ABANDON at once.
      const judged = await check();
      if (judged.outcome === "bad")
        problems.push(...judged.problems.map((problem) => `after ${which} delivery: ${problem}`));
    }
    if (abandoned && !terminated) {
      await terminateLikeEc2(workspace, proxy, instanceId);
      terminated = true;
    }
  };
  try {
    const first = await deliver(proxy, config, instanceId);
    deliveries.push(first.summary);
    await afterDelivery(first.returned, "first");
    const second = await deliver(proxy, config, instanceId);
    deliveries.push(second.summary);
    await afterDelivery(false, "second");
    const final = await check();
    problems.push(...final.problems.map((problem) => `at the end: ${problem}`));
    const requests = Object.fromEntries(
      [...proxy.stats.entries()].map(([action, stats]) => [action, stats.requests]),
    );
    return {
      index,
      fault,
      fired: proxy.faults.fired.length > 0,
      deliveries,
      outcome: problems.length === 0 ? outcomeOf(final) : "bad",
      problems,
      requests,
    };
  } finally {
    await proxy.stop();
  }
}

export interface TrialSummary {
  seed: string;
  records: TrialRecord[];
  occurrences: Record<string, number>;
  wallMs: number;
}

/**
 * moto slows down as instances and ENIs pile up (its filters scan everything, on one Python thread):
 * the trials run in epochs, with a moto reset and fresh worlds before each.
 */
const EPOCH_TRIALS = 100;

/** The fixture's networks, with subnets in one AZ (AZ a) or in both. */
function configIn(world: World, zones: 1 | 2): LambdaConfig {
  if (zones === 2) return configFor(world);
  return configFor(world, {
    networks: world.networks.map((network) => ({
      ...network,
      subnetIdsByAz: { [AZ_A]: network.subnetIdsByAz[AZ_A] },
    })),
  });
}

async function freshWorkspaces(
  moto: MotoServer,
  direct: EC2Client,
  count: number,
  zones: 1 | 2,
): Promise<Workspace[]> {
  await moto.reset();
  const workspaces: Workspace[] = [];
  // One world (VPC, subnets) per worker, so no subnet runs out of addresses.
  for (let w = 0; w < count; w++) {
    const world = await buildWorld(direct, 2);
    workspaces.push({ moto, direct, world, config: configIn(world, zones) });
  }
  return workspaces;
}

export async function runFaultTrials(
  moto: MotoServer,
  trials: number,
  seed: string,
  concurrency: number,
  zones: 1 | 2 = 2,
): Promise<TrialSummary> {
  const started = Date.now();
  const direct = ec2For(moto.endpoint);
  try {
    let workspaces = await freshWorkspaces(moto, direct, concurrency, zones);
    // Calibration: how many requests of each operation a fault-free launch and redelivery make.
    const clean = await runTrial(
      workspaces[0],
      -1,
      { action: "(none)", occurrence: 1, mode: "before" },
      AZ_A,
      `${seed}:calibration`,
    );
    if (clean.outcome !== "A complete")
      throw new Error(`fault-free calibration trial ended ${clean.outcome}: ${clean.problems.join("; ")}`);
    const occurrences = clean.requests;
    const random = new SeededRandom(seed);
    const plans = Array.from({ length: trials }, (_, index) => {
      const trialRandom = random.fork(index);
      return {
        index,
        fault: randomFault(trialRandom, occurrences),
        az: trialRandom.pick(zones === 1 ? [AZ_A] : [AZ_A, AZ_B]),
      };
    });
    const records: TrialRecord[] = [];
    for (let epochStart = 0; epochStart < plans.length; epochStart += EPOCH_TRIALS) {
      if (epochStart > 0) workspaces = await freshWorkspaces(moto, direct, concurrency, zones);
      const epoch = plans.slice(epochStart, epochStart + EPOCH_TRIALS);
      let next = 0;
      await Promise.all(
        workspaces.map(async (workspace) => {
          while (next < epoch.length) {
            const plan = epoch[next++];
            const { requests: _requests, ...record } = await runTrial(
              workspace,
              plan.index,
              plan.fault,
              plan.az,
              `${seed}:${plan.index}`,
            );
            records.push(record);
          }
        }),
      );
    }
    records.sort((a, b) => a.index - b.index);
    return { seed, records, occurrences, wallMs: Date.now() - started };
  } finally {
    direct.destroy();
  }
}

const OUTCOMES: Outcome[] = ["A complete", "B abandoned clean", "bad"];

export function outcomeTable(records: TrialRecord[]): string {
  const count = (filter: (record: TrialRecord) => boolean): number => records.filter(filter).length;
  return markdownTable(
    ["outcome", "trials", "fault fired", "fault never reached"],
    OUTCOMES.map((outcome) => [
      outcome,
      count((r) => r.outcome === outcome),
      count((r) => r.outcome === outcome && r.fired),
      count((r) => r.outcome === outcome && !r.fired),
    ]),
  );
}

export function faultKindTable(records: TrialRecord[]): string {
  const rows: string[][] = [];
  for (const action of FAULT_OPERATIONS) {
    for (const mode of FAULT_MODES) {
      const group = records.filter((r) => r.fault.action === action && r.fault.mode === mode);
      if (group.length === 0) continue;
      rows.push([
        action,
        mode,
        String(group.length),
        String(group.filter((r) => r.fired).length),
        ...OUTCOMES.map((outcome) => String(group.filter((r) => r.outcome === outcome).length)),
      ]);
    }
  }
  return markdownTable(["operation", "mode", "trials", "fired", "A", "B", "bad"], rows);
}

async function main(): Promise<void> {
  const [trials] = positiveIntegers(cliOption("trials", "500"), "trials");
  const [concurrency] = positiveIntegers(cliOption("concurrency", "25"), "concurrency");
  const seed = cliOption("seed", "20240607");
  const moto = await startMoto();
  try {
    const zones = Number(cliOption("zones", "2"));
    if (zones !== 1 && zones !== 2) throw new Error(`--zones must be 1 or 2 (got ${zones})`);
    const summary = await runFaultTrials(moto, trials, seed, concurrency, zones);
    const { records } = summary;
    console.log(
      `\nFault trial: ${records.length} trials, seed ${seed}, ${concurrency} at a time, networks in ${zones} AZ(s), ${(summary.wallMs / 1000).toFixed(0)} s`,
    );
    console.log(
      `requests per operation in a fault-free launch + redelivery: ${JSON.stringify(summary.occurrences)}`,
    );
    console.log("\nOutcomes");
    console.log(outcomeTable(records));
    console.log("\nBy fault kind");
    console.log(faultKindTable(records));
    const bad = records.filter((record) => record.outcome === "bad");
    for (const record of bad.slice(0, 20)) {
      console.log(
        `\nBAD trial ${record.index}: fault ${JSON.stringify(record.fault)}; deliveries ${record.deliveries.join(" -> ")}`,
      );
      for (const problem of record.problems) console.log(`  ${problem}`);
    }
    if (bad.length) process.exitCode = 1;
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
