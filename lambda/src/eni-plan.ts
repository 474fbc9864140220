/**
 * Pure planning: which ENI each Multus network needs on an instance, with which tags and which
 * idempotency token. No AWS calls here, so every rule is testable without an emulator.
 */

import { createHash } from "node:crypto";
import type { NetworkInterface, Tag } from "@aws-sdk/client-ec2";
import {
  CLUSTER_TAG_KEY,
  DEVICE_INDEX_TAG_KEY,
  INSTANCE_TAG_KEY,
  NETWORK_TAG_KEY,
  NO_MANAGE_TAG_KEY,
  NO_MANAGE_TAG_VALUE,
} from "../../components/model/tags";
import type { LambdaConfig, MultusNetworkConfig } from "./config";

/** One ENI the instance must end up with. */
export interface EniSlot {
  network: string;
  deviceIndex: number;
  subnetId: string;
  securityGroupIds: string[];
  prefixDelegation: boolean;
  tags: Tag[];
  clientToken: string;
}

export class UnrecoverableLaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnrecoverableLaunchError";
  }
}

/**
 * EC2 ClientToken (at most 64 ASCII characters): the same lifecycle action and device index always
 * give the same token, so a create retried by a redelivered event returns the first ENI.
 */
export function clientTokenFor(lifecycleActionToken: string, deviceIndex: number): string {
  return createHash("sha256").update(`${lifecycleActionToken}/${deviceIndex}`).digest("hex");
}

export function eniTags(config: LambdaConfig, network: MultusNetworkConfig, instanceId: string): Tag[] {
  const own: Record<string, string> = {
    [NO_MANAGE_TAG_KEY]: NO_MANAGE_TAG_VALUE,
    [CLUSTER_TAG_KEY]: config.clusterName,
    [NETWORK_TAG_KEY]: network.name,
    [INSTANCE_TAG_KEY]: instanceId,
    [DEVICE_INDEX_TAG_KEY]: String(network.deviceIndex),
  };
  return Object.entries({ ...config.tags, ...own }).map(([Key, Value]) => ({ Key, Value }));
}

/** The slots for an instance in `availabilityZone`; throws when a network has no subnet there. */
export function planSlots(
  config: LambdaConfig,
  instanceId: string,
  availabilityZone: string,
  lifecycleActionToken: string,
): EniSlot[] {
  const missing = config.networks.filter((network) => network.subnetIdsByAz[availabilityZone] === undefined);
  if (missing.length > 0) {
    const names = missing.map((network) => network.name).join(", ");
    throw new UnrecoverableLaunchError(
      `instance ${instanceId} is in ${availabilityZone}, where Multus network(s) ${names} have no subnet; ` +
        `add a subnet for ${availabilityZone} to those networks or keep the node group out of that AZ`,
    );
  }
  return config.networks.map((network) => ({
    network: network.name,
    deviceIndex: network.deviceIndex,
    subnetId: network.subnetIdsByAz[availabilityZone],
    securityGroupIds: network.securityGroupIds,
    prefixDelegation: network.prefixDelegation,
    tags: eniTags(config, network, instanceId),
    clientToken: clientTokenFor(lifecycleActionToken, network.deviceIndex),
  }));
}

export function tagValue(eni: NetworkInterface, key: string): string | undefined {
  return eni.TagSet?.find((tag) => tag.Key === key)?.Value;
}

export function isAttachedTo(eni: NetworkInterface, instanceId: string, deviceIndex?: number): boolean {
  const attachment = eni.Attachment;
  if (!attachment || attachment.InstanceId !== instanceId) return false;
  if (attachment.Status === "detaching" || attachment.Status === "detached") return false;
  return deviceIndex === undefined || attachment.DeviceIndex === deviceIndex;
}

/**
 * Among the ENIs already tagged for a slot (normally none or one; more only if two deliveries of the
 * same event raced), prefer the one attached to the instance, then an available one. The rest are
 * surplus: the caller deletes those that are available.
 */
export function chooseExisting(
  tagged: NetworkInterface[],
  instanceId: string,
  deviceIndex: number,
): { chosen?: NetworkInterface; surplus: NetworkInterface[] } {
  const rank = (eni: NetworkInterface): number => {
    if (isAttachedTo(eni, instanceId, deviceIndex)) return 0;
    if (eni.Status === "available") return 1;
    return 2;
  };
  const sorted = [...tagged].sort(
    (a, b) => rank(a) - rank(b) || (a.NetworkInterfaceId ?? "").localeCompare(b.NetworkInterfaceId ?? ""),
  );
  const [chosen, ...surplus] = sorted;
  return { chosen, surplus };
}

/** An ENI we do not own that already holds the slot's device index (EC2 would refuse the attach). */
export function foreignEniAtIndex(
  instanceEnis: { networkInterfaceId?: string; deviceIndex?: number; networkCardIndex?: number }[],
  deviceIndex: number,
  ownEniIds: Set<string>,
): string | undefined {
  const holder = instanceEnis.find(
    (eni) =>
      eni.deviceIndex === deviceIndex &&
      (eni.networkCardIndex ?? 0) === 0 &&
      eni.networkInterfaceId !== undefined &&
      !ownEniIds.has(eni.networkInterfaceId),
  );
  return holder?.networkInterfaceId;
}
