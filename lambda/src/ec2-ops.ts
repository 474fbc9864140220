/**
 * The EC2 calls the Lambda makes, one small function each. Describe calls are always filtered
 * (unfiltered ones draw on a smaller throttling bucket) and use only filters that real EC2 and the
 * moto emulator both support: tag:KEY, attachment.instance-id, status, subnet-id, instance-id.
 */

import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  paginateDescribeInstances,
  paginateDescribeNetworkInterfaces,
  type EC2Client,
  type Filter,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY } from "../../components/model/tags";
import { UnrecoverableLaunchError, type EniSlot } from "./eni-plan";
import { waitFor } from "./waiting";

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}

const isEniNotFound = (error: unknown): boolean => errorName(error) === "InvalidNetworkInterfaceID.NotFound";

/** An ENI as DescribeInstances reports it on the instance (no tags). */
export interface InstanceEni {
  networkInterfaceId?: string;
  deviceIndex?: number;
  networkCardIndex?: number;
  attachmentId?: string;
  attachmentStatus?: string;
  deleteOnTermination?: boolean;
  sourceDestCheck?: boolean;
}

export interface InstanceFacts {
  instanceId: string;
  state: string;
  availabilityZone?: string;
  launchTime?: Date;
  enis: InstanceEni[];
  /** False when the facts were not asked from EC2 (the AZ known from the configuration). */
  described?: boolean;
}

/** Instances by ID; unknown IDs are simply absent (a filter, unlike InstanceIds, does not fail on them). */
export async function describeInstances(
  ec2: EC2Client,
  instanceIds: string[],
): Promise<Map<string, InstanceFacts>> {
  const facts = new Map<string, InstanceFacts>();
  if (instanceIds.length === 0) return facts;
  const pages = paginateDescribeInstances(
    { client: ec2 },
    { Filters: [{ Name: "instance-id", Values: [...new Set(instanceIds)] }] },
  );
  for await (const page of pages) {
    for (const instance of (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? [])) {
      if (!instance.InstanceId) continue;
      facts.set(instance.InstanceId, {
        instanceId: instance.InstanceId,
        state: instance.State?.Name ?? "unknown",
        availabilityZone: instance.Placement?.AvailabilityZone,
        launchTime: instance.LaunchTime,
        enis: (instance.NetworkInterfaces ?? []).map((eni) => ({
          networkInterfaceId: eni.NetworkInterfaceId,
          deviceIndex: eni.Attachment?.DeviceIndex,
          networkCardIndex: eni.Attachment?.NetworkCardIndex,
          attachmentId: eni.Attachment?.AttachmentId,
          attachmentStatus: eni.Attachment?.Status,
          deleteOnTermination: eni.Attachment?.DeleteOnTermination,
          sourceDestCheck: eni.SourceDestCheck,
        })),
      });
    }
  }
  return facts;
}

export async function describeLaunchingInstance(ec2: EC2Client, instanceId: string): Promise<InstanceFacts> {
  const instance = (await describeInstances(ec2, [instanceId])).get(instanceId);
  if (!instance) throw new UnrecoverableLaunchError(`instance ${instanceId} not found`);
  if (instance.state === "shutting-down" || instance.state === "terminated") {
    throw new UnrecoverableLaunchError(`instance ${instanceId} is ${instance.state}`);
  }
  if (!instance.availabilityZone) {
    throw new UnrecoverableLaunchError(`instance ${instanceId} reports no Placement.AvailabilityZone`);
  }
  return instance;
}

export async function listEnis(ec2: EC2Client, filters: Filter[]): Promise<NetworkInterface[]> {
  const enis: NetworkInterface[] = [];
  for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: filters })) {
    enis.push(...(page.NetworkInterfaces ?? []));
  }
  return enis;
}

/** Every ENI this cluster's Lambda created for the instance, whatever its state. */
export function listInstanceEnis(
  ec2: EC2Client,
  clusterName: string,
  instanceId: string,
): Promise<NetworkInterface[]> {
  return listEnis(ec2, [
    { Name: `tag:${CLUSTER_TAG_KEY}`, Values: [clusterName] },
    { Name: `tag:${INSTANCE_TAG_KEY}`, Values: [instanceId] },
  ]);
}

export async function createEni(ec2: EC2Client, slot: EniSlot): Promise<NetworkInterface> {
  const response = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: slot.subnetId,
      Groups: slot.securityGroupIds,
      Description: `Multus ${slot.network} (device index ${slot.deviceIndex})`,
      ClientToken: slot.clientToken,
      // Tag at creation, in ONE specification: the VPC CNI must see no_manage before the attach.
      TagSpecifications: [{ ResourceType: "network-interface", Tags: slot.tags }],
      ...(slot.prefixDelegation ? { Ipv4PrefixCount: 1 } : {}),
    }),
  );
  if (!response.NetworkInterface?.NetworkInterfaceId) {
    throw new Error(`CreateNetworkInterface in ${slot.subnetId} returned no network interface`);
  }
  return response.NetworkInterface;
}

export async function describeEni(ec2: EC2Client, eniId: string): Promise<NetworkInterface | undefined> {
  const response = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
  return response.NetworkInterfaces?.[0];
}

export function waitUntilAvailable(ec2: EC2Client, eniId: string): Promise<NetworkInterface> {
  return waitFor(
    `${eniId} to become available`,
    async () => {
      const eni = await describeEni(ec2, eniId);
      return eni?.Status === "available"
        ? { done: true, value: eni }
        : { done: false, seen: `status ${eni?.Status}` };
    },
    isEniNotFound,
  );
}

export async function attachEni(
  ec2: EC2Client,
  eniId: string,
  instanceId: string,
  deviceIndex: number,
): Promise<string> {
  const response = await ec2.send(
    new AttachNetworkInterfaceCommand({
      NetworkInterfaceId: eniId,
      InstanceId: instanceId,
      DeviceIndex: deviceIndex,
      NetworkCardIndex: 0,
    }),
  );
  if (!response.AttachmentId) throw new Error(`AttachNetworkInterface of ${eniId} returned no attachment ID`);
  return response.AttachmentId;
}

/** host-local pods use addresses the VPC does not know: EC2 must not drop their traffic. */
export async function disableSourceDestCheck(ec2: EC2Client, eniId: string): Promise<void> {
  await ec2.send(
    new ModifyNetworkInterfaceAttributeCommand({
      NetworkInterfaceId: eniId,
      SourceDestCheck: { Value: false },
    }),
  );
}

/** One attribute per ModifyNetworkInterfaceAttribute call, as EC2 requires. */
export async function setDeleteOnTermination(
  ec2: EC2Client,
  eniId: string,
  attachmentId: string,
): Promise<void> {
  await ec2.send(
    new ModifyNetworkInterfaceAttributeCommand({
      NetworkInterfaceId: eniId,
      Attachment: { AttachmentId: attachmentId, DeleteOnTermination: true },
    }),
  );
}

/** Forces an ENI off its instance (only on an instance that is being abandoned). */
export async function detachEni(ec2: EC2Client, attachmentId: string): Promise<void> {
  await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId, Force: true }));
}

/** Deletes an ENI; one that is already gone counts as deleted. */
export async function deleteEni(ec2: EC2Client, eniId: string): Promise<void> {
  try {
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));
  } catch (error) {
    if (!isEniNotFound(error)) throw error;
  }
}
