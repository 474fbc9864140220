/**
 * Pure planning: which ENI each Multus network needs on an instance, with which tags and which
 * idempotency token. No AWS calls here, so every rule is testable without an emulator.
 */

import { createHash } from "node:crypto";
import type { NetworkInterface, Tag } from "@aws-sdk/client-ec2";
import {
  CLUSTER_TAG_KEY,
  DEVICE_INDEX_TAG_KEY,
  INSTANCE_ARN_TAG_KEY,
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
  /**
   * Turn EC2's source/destination check off: only host-local needs it. There the pod addresses are
   * not the ENI's, so EC2 would drop the pods' traffic. In eni-prefix and vpc-ip they belong to the
   * ENI (its prefix or its secondary addresses), so the check lets them through and the call is
   * skipped (one ModifyNetworkInterfaceAttribute less per ENI, from a 100 + 5/s bucket).
   */
  disableSourceDestCheck: boolean;
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

export function eniTags(
  config: Pick<LambdaConfig, "clusterName" | "instanceArnPrefix" | "tags">,
  network: Pick<MultusNetworkConfig, "name" | "deviceIndex">,
  instanceId: string,
): Tag[] {
  const own: Record<string, string> = {
    [NO_MANAGE_TAG_KEY]: NO_MANAGE_TAG_VALUE,
    [CLUSTER_TAG_KEY]: config.clusterName,
    [NETWORK_TAG_KEY]: network.name,
    [INSTANCE_TAG_KEY]: instanceId,
    [INSTANCE_ARN_TAG_KEY]: `${config.instanceArnPrefix}${instanceId}`,
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
    disableSourceDestCheck: network.ipam === "host-local",
    tags: eniTags(config, network, instanceId),
    clientToken: clientTokenFor(lifecycleActionToken, network.deviceIndex),
  }));
}

/**
 * The AZ every network's subnets are in, when that is exactly one (a node group in one AZ, as in
 * the blog): the Lambda then knows where to create the ENIs without asking EC2 about the instance.
 */
export function singleAvailabilityZone(config: Pick<LambdaConfig, "networks">): string | undefined {
  const zones = new Set(config.networks.flatMap((network) => Object.keys(network.subnetIdsByAz)));
  return zones.size === 1 ? [...zones][0] : undefined;
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

/** This Lambda's ENI for the slot: tagged with the cluster, the instance and the device index. */
export function isSlotEni(
  eni: NetworkInterface,
  clusterName: string,
  instanceId: string,
  deviceIndex: number,
): boolean {
  return (
    tagValue(eni, CLUSTER_TAG_KEY) === clusterName &&
    tagValue(eni, INSTANCE_TAG_KEY) === instanceId &&
    tagValue(eni, DEVICE_INDEX_TAG_KEY) === String(deviceIndex)
  );
}

/** The ENI at a device index of network card 0 (where the Lambda attaches), if it is not leaving. */
export function eniAtIndex<
  T extends { deviceIndex?: number; networkCardIndex?: number; attachmentStatus?: string },
>(instanceEnis: readonly T[], deviceIndex: number): T | undefined {
  return instanceEnis.find(
    (eni) =>
      eni.deviceIndex === deviceIndex &&
      (eni.networkCardIndex ?? 0) === 0 &&
      eni.attachmentStatus !== "detaching" &&
      eni.attachmentStatus !== "detached",
  );
}
