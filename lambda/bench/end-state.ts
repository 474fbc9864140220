/**
 * Reads moto's state directly (not through the proxy) after a burst or a fault trial and judges
 * each instance: complete (every ENI at its device index, CONTINUE accepted), abandoned cleanly
 * (ABANDON accepted, nothing left that would outlive the instance) or bad. What moto does not keep
 * (DeleteOnTermination) comes from the proxy's record of what reached moto.
 */

import type { EC2Client, NetworkInterface } from "@aws-sdk/client-ec2";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY, NETWORK_TAG_KEY } from "../../components/model/tags";
import type { LambdaConfig } from "../src/config";
import { listEnis } from "../src/ec2-ops";
import { tagValue } from "../src/eni-plan";
import type { Ec2Fidelity } from "./ec2-fidelity";
import type { LifecycleLedger } from "./lifecycle-ledger";

export interface EniSnapshot {
  /** Every ENI tagged for the cluster and one of the instances. */
  tagged: NetworkInterface[];
  /** Every ENI attached to one of the instances (primary ENIs included). */
  attached: NetworkInterface[];
}

const ATTACH_FILTER_CHUNK = 50;

export async function snapshotEnis(
  ec2: EC2Client,
  clusterName: string,
  instanceIds: string[],
): Promise<EniSnapshot> {
  const wanted = new Set(instanceIds);
  const tagFilters = [{ Name: `tag:${CLUSTER_TAG_KEY}`, Values: [clusterName] }];
  if (instanceIds.length === 1) tagFilters.push({ Name: `tag:${INSTANCE_TAG_KEY}`, Values: instanceIds });
  const tagged = (await listEnis(ec2, tagFilters)).filter((eni) =>
    wanted.has(tagValue(eni, INSTANCE_TAG_KEY) ?? ""),
  );
  const attached: NetworkInterface[] = [];
  for (let i = 0; i < instanceIds.length; i += ATTACH_FILTER_CHUNK) {
    const chunk = instanceIds.slice(i, i + ATTACH_FILTER_CHUNK);
    attached.push(...(await listEnis(ec2, [{ Name: "attachment.instance-id", Values: chunk }])));
  }
  return { tagged, attached };
}

export interface Judged {
  outcome: "complete" | "abandoned-clean" | "bad";
  problems: string[];
}

export interface JudgeContext {
  config: LambdaConfig;
  ledger: LifecycleLedger;
  fidelity: Ec2Fidelity;
}

const id = (eni: NetworkInterface): string => eni.NetworkInterfaceId ?? "(no id)";
const isLive = (eni: NetworkInterface): boolean =>
  eni.Attachment?.Status !== "detached" && eni.Attachment?.Status !== "detaching";

function attachedTo(snapshot: EniSnapshot, instanceId: string): NetworkInterface[] {
  return snapshot.attached.filter((eni) => eni.Attachment?.InstanceId === instanceId && isLive(eni));
}

function duplicateIndexes(attached: NetworkInterface[]): string[] {
  const byIndex = new Map<number, string[]>();
  for (const eni of attached) {
    const index = eni.Attachment?.DeviceIndex ?? -1;
    byIndex.set(index, [...(byIndex.get(index) ?? []), id(eni)]);
  }
  return [...byIndex.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([index, ids]) => `two or more ENIs at device index ${index}: ${ids.join(", ")}`);
}

function completionProblems(ledger: LifecycleLedger, instanceId: string, wanted: string): string[] {
  const accepted = ledger.acceptedFor(instanceId).map((completion) => completion.result);
  if (accepted.length === 0) return ["no CompleteLifecycleAction was accepted"];
  if (accepted.length > 1 || accepted[0] !== wanted) return [`completions accepted: ${accepted.join(", ")}`];
  return [];
}

/** Every network's ENI attached at its index, in the instance's AZ, ready; CONTINUE accepted. */
export function judgeComplete(
  context: JudgeContext,
  snapshot: EniSnapshot,
  instanceId: string,
  az: string,
): string[] {
  const problems = completionProblems(context.ledger, instanceId, "CONTINUE");
  const attached = attachedTo(snapshot, instanceId);
  problems.push(...duplicateIndexes(attached));
  for (const network of context.config.networks) {
    const enis = attached.filter((eni) => tagValue(eni, NETWORK_TAG_KEY) === network.name);
    if (enis.length !== 1) {
      problems.push(`network ${network.name}: ${enis.length} ENIs attached (${enis.map(id).join(", ")})`);
      continue;
    }
    const eni = enis[0];
    if (eni.Attachment?.DeviceIndex !== network.deviceIndex)
      problems.push(`${id(eni)} at device index ${eni.Attachment?.DeviceIndex}, not ${network.deviceIndex}`);
    if (eni.SubnetId !== network.subnetIdsByAz[az])
      problems.push(`${id(eni)} in ${eni.SubnetId}, not the ${az} subnet of ${network.name}`);
    // Only host-local pods use addresses that are not the ENI's (see EniSlot.disableSourceDestCheck).
    if (network.ipam === "host-local" && eni.SourceDestCheck !== false)
      problems.push(`${id(eni)} still checks source/destination`);
    if (!context.fidelity.deletesOnTermination(id(eni), eni.Attachment?.AttachmentId))
      problems.push(`${id(eni)}: DeleteOnTermination=true never reached EC2`);
  }
  const attachedIds = new Set(attached.map(id));
  for (const eni of snapshot.tagged) {
    if (tagValue(eni, INSTANCE_TAG_KEY) === instanceId && !attachedIds.has(id(eni)))
      problems.push(`${id(eni)} left ${eni.Status}`);
  }
  return problems;
}

/**
 * ABANDON accepted and nothing would outlive the instance once Auto Scaling terminates it: no ENI
 * tagged for it that is not attached, and every attached one set to DeleteOnTermination.
 */
export function judgeAbandoned(context: JudgeContext, snapshot: EniSnapshot, instanceId: string): string[] {
  const problems = completionProblems(context.ledger, instanceId, "ABANDON");
  const attached = attachedTo(snapshot, instanceId);
  problems.push(...duplicateIndexes(attached));
  const attachedIds = new Set(attached.map(id));
  for (const eni of snapshot.tagged) {
    if (tagValue(eni, INSTANCE_TAG_KEY) !== instanceId) continue;
    if (!attachedIds.has(id(eni))) problems.push(`${id(eni)} left ${eni.Status}`);
    else if (!context.fidelity.deletesOnTermination(id(eni), eni.Attachment?.AttachmentId))
      problems.push(`${id(eni)} attached without DeleteOnTermination: it would outlive the instance`);
  }
  return problems;
}

/** Complete if it is, else abandoned-clean if that holds, else bad with the complete check's problems. */
export function judge(context: JudgeContext, snapshot: EniSnapshot, instanceId: string, az: string): Judged {
  const accepted = context.ledger.acceptedFor(instanceId).map((completion) => completion.result);
  if (accepted.length === 1 && accepted[0] === "ABANDON") {
    const problems = judgeAbandoned(context, snapshot, instanceId);
    return { outcome: problems.length === 0 ? "abandoned-clean" : "bad", problems };
  }
  const problems = judgeComplete(context, snapshot, instanceId, az);
  return { outcome: problems.length === 0 ? "complete" : "bad", problems };
}

/** ENIs of the cluster left `available` anywhere (the leak the sweeper would have to find). */
export async function availableClusterEnis(ec2: EC2Client, clusterName: string): Promise<NetworkInterface[]> {
  return listEnis(ec2, [
    { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [clusterName] },
    { Name: "status", Values: ["available"] },
  ]);
}
