/**
 * EC2's address rules that moto 5.2 does not enforce (anchors.md, "EC2 addresses"), applied by the
 * chaos proxy in front of it:
 * - One holder per address in a subnet. CreateNetworkInterface naming an address another ENI holds
 *   fails with InvalidIPAddress.InUse; AssignPrivateIpAddresses naming an address a resource holds
 *   fails with Resource.AlreadyAssigned ("The specified private IP address is already assigned to a
 *   resource. Unassign the private IP first, or use a different private IP address": EC2 API
 *   reference, Error codes) unless AllowReassignment=true, which moves a secondary address of
 *   another ENI to the caller. The ENI's own address counts as assigned too (moto accepts it
 *   silently); `ownAddressAssign: "accept"` answers success instead, as moto does.
 * - An ENI holds at most the instance type's private IPv4 addresses per network interface, its
 *   primary included (EC2 User Guide, "IP addresses per network interface per instance type";
 *   c5.large: 10). Past it: PrivateIpAddressLimitExceeded ("You've reached the limit on the number
 *   of private IP addresses that you can assign to the specified network interface for that type of
 *   instance": Error codes). Only with `instanceType` set (every ENI counts as that type's).
 * - UnassignPrivateIpAddresses naming an address the ENI does not hold fails as a whole with
 *   InvalidParameterValue "Some of the specified addresses are not assigned to interface <eni>"
 *   (moto answers OK): the code and message AWS's own amazon-vpc-resource-controller-k8s tests for.
 * - No auto-assigned address inside an `explicit` subnet CIDR reservation. moto picks at random
 *   anywhere in the subnet (even the five addresses AWS keeps for itself, or one another ENI holds),
 *   so when a request leaves the choice to EC2 the proxy makes it, from the addresses EC2 could
 *   give, and names them to moto explicitly. Explicitly named addresses may lie in a reservation:
 *   EC2 allows that.
 * RunInstances naming a held PrivateIpAddress is refused the same way (moto fails it with an
 * internal error); its own choice for an instance already skips explicit reservations.
 * Reservations are read from moto (GetSubnetCidrReservations), so ones made directly at moto count.
 * Requests on one subnet are handled one at a time, so a check and its change do not interleave.
 * Every performed assign and unassign is reported to `onAddressChange` (the Describe lag).
 */

import {
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  GetSubnetCidrReservationsCommand,
  UnassignPrivateIpAddressesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { Netmask, long2ip } from "netmask";
import { instanceNetworkLimits } from "../../components/nodegroup/max-pods";
import { ec2Error } from "./aws-replies";
import type { Forwarded } from "./ec2-fidelity";
import { SeededRandom } from "./seeded-random";

/** Forwards the request to moto, with rewritten parameters when given. */
export type ForwardParams = (params?: URLSearchParams) => Promise<Forwarded>;

/** EC2 keeps the first four addresses and the last one of every subnet. */
const AWS_RESERVED_AT_START = 4;

/**
 * The addresses EC2 may auto-assign in a subnet: not kept by AWS, not inside an explicit
 * reservation, not held by an ENI. Pure; addresses as dotted strings, in ascending order.
 */
export function autoAssignable(
  subnetCidr: string,
  explicitReservations: readonly string[],
  held: ReadonlySet<string>,
): string[] {
  const subnet = new Netmask(subnetCidr);
  const reserved = explicitReservations.map((cidr) => new Netmask(cidr));
  const first = subnet.netLong + AWS_RESERVED_AT_START;
  const last = subnet.netLong + subnet.size - 2;
  const free: string[] = [];
  for (let long = first; long <= last; long++) {
    const address = long2ip(long);
    if (held.has(address) || reserved.some((block) => block.contains(address))) continue;
    free.push(address);
  }
  return free;
}

/** The explicit addresses a request names, by action (query-protocol parameter names). */
export function namedAddresses(action: string, params: URLSearchParams): string[] {
  return [...params.entries()]
    .filter(([key]) =>
      action === "AssignPrivateIpAddresses" || action === "UnassignPrivateIpAddresses"
        ? /^PrivateIpAddress\.\d+$/.test(key)
        : key === "PrivateIpAddress" || /^PrivateIpAddresses\.\d+\.PrivateIpAddress$/.test(key),
    )
    .map(([, value]) => value);
}

const refusal = (code: string, message: string): Forwarded => ({
  ...ec2Error(400, code, message),
  headers: {},
});

const isOk = (reply: Forwarded): boolean => reply.status >= 200 && reply.status < 300;

export interface Ec2AddressOptions {
  /** Code of a refused AssignPrivateIpAddresses collision (default Resource.AlreadyAssigned). */
  collisionCode?: string;
  /** Assigning an address the same ENI already holds: "refuse" (default) or "accept" (as moto). */
  ownAddressAssign?: "refuse" | "accept";
  /** Instance type of every node: enforces its private IPv4 addresses per ENI. */
  instanceType?: string;
  /** Called for every address an assign or unassign changed on an ENI. */
  onAddressChange?: (eniId: string, address: string, held: boolean) => void;
}

export class Ec2Addresses {
  private readonly subnetQueue = new Map<string, Promise<unknown>>();
  private readonly subnetCidrs = new Map<string, string>();
  private readonly random: SeededRandom;
  /** Requests refused because another ENI holds a named address. */
  inUseRefusals = 0;
  /** Addresses the proxy chose where moto would have picked at random. */
  addressesChosen = 0;
  /** Secondary addresses moved by AllowReassignment. */
  reassigned = 0;
  /** Assigns refused because the ENI would pass its instance type's address limit. */
  limitRefusals = 0;
  /** Unassigns refused because the ENI did not hold a named address. */
  notAssignedRefusals = 0;

  constructor(
    private readonly upstreamEc2: EC2Client,
    seed: string | number = 1,
    private readonly options: Ec2AddressOptions = {},
  ) {
    this.random = new SeededRandom(`${seed}:addresses`);
    if (options.instanceType && !instanceNetworkLimits(options.instanceType)) {
      throw new Error(`fidelity: no per-ENI address limit known for instance type ${options.instanceType}`);
    }
  }

  handles(action: string): boolean {
    return (
      action === "CreateNetworkInterface" ||
      action === "AssignPrivateIpAddresses" ||
      action === "UnassignPrivateIpAddresses" ||
      action === "RunInstances"
    );
  }

  async perform(action: string, params: URLSearchParams, forward: ForwardParams): Promise<Forwarded> {
    if (action === "RunInstances") {
      const subnetId = params.get("SubnetId");
      if (!subnetId || !params.get("PrivateIpAddress")) return forward();
      return this.inTurn(subnetId, () => this.runInstance(subnetId, params, forward));
    }
    const subnetId =
      action === "CreateNetworkInterface"
        ? params.get("SubnetId")
        : await this.subnetOfEni(params.get("NetworkInterfaceId") ?? "");
    // Unknown subnet or ENI: moto gives the right NotFound error itself.
    if (!subnetId) return forward();
    return this.inTurn(subnetId, () =>
      action === "CreateNetworkInterface"
        ? this.create(subnetId, params, forward)
        : action === "AssignPrivateIpAddresses"
          ? this.assign(subnetId, params, forward)
          : this.unassign(subnetId, params, forward),
    );
  }

  private inTurn<T>(subnetId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.subnetQueue.get(subnetId) ?? Promise.resolve();
    const turn = previous.then(work);
    const settled = turn.catch(() => undefined);
    this.subnetQueue.set(subnetId, settled);
    void settled.then(() => {
      if (this.subnetQueue.get(subnetId) === settled) this.subnetQueue.delete(subnetId);
    });
    return turn;
  }

  private async subnetOfEni(eniId: string): Promise<string | undefined> {
    const answer = await this.upstreamEc2
      .send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }))
      .catch(() => undefined);
    return answer?.NetworkInterfaces?.[0]?.SubnetId;
  }

  private async subnetCidr(subnetId: string): Promise<string | undefined> {
    const known = this.subnetCidrs.get(subnetId);
    if (known) return known;
    const answer = await this.upstreamEc2
      .send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))
      .catch(() => undefined);
    const cidr = answer?.Subnets?.[0]?.CidrBlock;
    if (cidr) this.subnetCidrs.set(subnetId, cidr);
    return cidr;
  }

  /** Address → holding ENI, over every ENI in the subnet. */
  private async holders(subnetId: string): Promise<Map<string, { eniId: string; primary: boolean }>> {
    const answer = await this.upstreamEc2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [subnetId] }] }),
    );
    const held = new Map<string, { eniId: string; primary: boolean }>();
    for (const eni of answer.NetworkInterfaces ?? []) {
      for (const entry of eni.PrivateIpAddresses ?? []) {
        if (entry.PrivateIpAddress) {
          held.set(entry.PrivateIpAddress, {
            eniId: eni.NetworkInterfaceId as string,
            primary: entry.Primary === true,
          });
        }
      }
    }
    return held;
  }

  private async explicitReservations(subnetId: string): Promise<string[]> {
    const answer = await this.upstreamEc2.send(
      new GetSubnetCidrReservationsCommand({
        SubnetId: subnetId,
        Filters: [{ Name: "reservationType", Values: ["explicit"] }],
      }),
    );
    // Filtered again here in case the emulator ignores the filter.
    return (answer.SubnetIpv4CidrReservations ?? [])
      .filter((reservation) => reservation.ReservationType === "explicit")
      .map((reservation) => reservation.Cidr as string);
  }

  /** `count` addresses EC2 could auto-assign, chosen at random (reproducibly) as EC2 does. */
  private async choose(subnetId: string, held: ReadonlySet<string>, count: number): Promise<string[]> {
    const cidr = await this.subnetCidr(subnetId);
    if (!cidr) return [];
    const free = autoAssignable(cidr, await this.explicitReservations(subnetId), held);
    const chosen: string[] = [];
    while (chosen.length < count && free.length > 0) {
      chosen.push(free.splice(this.random.int(0, free.length - 1), 1)[0]);
    }
    this.addressesChosen += chosen.length;
    return chosen;
  }

  private async create(
    subnetId: string,
    params: URLSearchParams,
    forward: ForwardParams,
  ): Promise<Forwarded> {
    const held = await this.holders(subnetId);
    const named = namedAddresses("CreateNetworkInterface", params);
    const taken = named.find((address) => held.has(address));
    if (taken) {
      this.inUseRefusals++;
      return refusal("InvalidIPAddress.InUse", `Address ${taken} is in use.`);
    }
    const secondaries = Number(params.get("SecondaryPrivateIpAddressCount") ?? 0);
    const needsPrimary = named.length === 0;
    const wanted = (needsPrimary ? 1 : 0) + secondaries;
    if (wanted === 0) return forward();
    const chosen = await this.choose(subnetId, new Set(held.keys()), wanted);
    if (chosen.length < wanted) {
      return refusal(
        "InsufficientFreeAddressesInSubnet",
        `The specified subnet ${subnetId} does not have enough free addresses to satisfy the request.`,
      );
    }
    // One list names every address, the primary first, so moto assigns exactly these.
    const primary = params.get("PrivateIpAddress");
    const listed = [...params.keys()].filter((key) =>
      /^PrivateIpAddresses\.\d+\.PrivateIpAddress$/.test(key),
    );
    const entries: { address: string; primary: boolean }[] = [];
    if (needsPrimary) entries.push({ address: chosen.shift() as string, primary: true });
    else if (primary) entries.push({ address: primary, primary: true });
    for (const key of listed) {
      const index = key.split(".")[1];
      entries.push({
        address: params.get(key) as string,
        primary: params.get(`PrivateIpAddresses.${index}.Primary`) === "true" && !primary,
      });
    }
    for (const address of chosen) entries.push({ address, primary: false });
    const rewritten = new URLSearchParams(
      [...params.entries()].filter(
        ([key]) =>
          key !== "PrivateIpAddress" &&
          key !== "SecondaryPrivateIpAddressCount" &&
          !key.startsWith("PrivateIpAddresses."),
      ),
    );
    entries.forEach((entry, i) => {
      rewritten.set(`PrivateIpAddresses.${i + 1}.PrivateIpAddress`, entry.address);
      rewritten.set(`PrivateIpAddresses.${i + 1}.Primary`, String(entry.primary));
    });
    return forward(rewritten);
  }

  private async runInstance(
    subnetId: string,
    params: URLSearchParams,
    forward: ForwardParams,
  ): Promise<Forwarded> {
    const named = params.get("PrivateIpAddress") as string;
    if (!(await this.holders(subnetId)).has(named)) return forward();
    this.inUseRefusals++;
    return refusal("InvalidIPAddress.InUse", `Address ${named} is in use.`);
  }

  private async assign(
    subnetId: string,
    params: URLSearchParams,
    forward: ForwardParams,
  ): Promise<Forwarded> {
    const eniId = params.get("NetworkInterfaceId") as string;
    const held = await this.holders(subnetId);
    const named = namedAddresses("AssignPrivateIpAddresses", params);
    const reassign = params.get("AllowReassignment") === "true";
    const unmovable = named.find((address) => {
      const holder = held.get(address);
      if (holder === undefined) return false;
      if (holder.eniId === eniId) return this.options.ownAddressAssign !== "accept";
      return !reassign || holder.primary;
    });
    if (unmovable) {
      this.inUseRefusals++;
      return refusal(
        this.options.collisionCode ?? "Resource.AlreadyAssigned",
        `Address ${unmovable} is already assigned to ${held.get(unmovable)?.eniId}.`,
      );
    }
    const count = Number(params.get("SecondaryPrivateIpAddressCount") ?? 0);
    const fresh = named.filter((address) => held.get(address)?.eniId !== eniId);
    const limit = this.options.instanceType
      ? instanceNetworkLimits(this.options.instanceType)?.ipv4PerEni
      : undefined;
    if (limit !== undefined) {
      const own = [...held.values()].filter((holder) => holder.eniId === eniId).length;
      if (own + fresh.length + count > limit) {
        this.limitRefusals++;
        return refusal(
          "PrivateIpAddressLimitExceeded",
          `Number of private addresses will exceed limit: ${eniId} holds ${own} of the ${limit} a ${this.options.instanceType} allows per network interface.`,
        );
      }
    }
    const elsewhere = fresh.filter((address) => held.has(address));
    for (const address of elsewhere) {
      const from = held.get(address)?.eniId as string;
      await this.upstreamEc2.send(
        new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: from, PrivateIpAddresses: [address] }),
      );
      this.options.onAddressChange?.(from, address, false);
      this.reassigned++;
    }
    let rewritten: URLSearchParams | undefined;
    let chosen: string[] = [];
    if (count > 0) {
      chosen = await this.choose(subnetId, new Set(held.keys()), count);
      if (chosen.length < count) {
        return refusal(
          "InsufficientFreeAddressesInSubnet",
          `The specified subnet ${subnetId} does not have enough free addresses to satisfy the request.`,
        );
      }
      rewritten = new URLSearchParams(
        [...params.entries()].filter(([key]) => key !== "SecondaryPrivateIpAddressCount"),
      );
      chosen.forEach((address, i) => rewritten!.set(`PrivateIpAddress.${named.length + i + 1}`, address));
    }
    const reply = await forward(rewritten);
    if (isOk(reply))
      for (const address of [...fresh, ...chosen]) this.options.onAddressChange?.(eniId, address, true);
    return reply;
  }

  private async unassign(
    subnetId: string,
    params: URLSearchParams,
    forward: ForwardParams,
  ): Promise<Forwarded> {
    const eniId = params.get("NetworkInterfaceId") as string;
    const held = await this.holders(subnetId);
    const named = namedAddresses("UnassignPrivateIpAddresses", params);
    const primary = named.find((address) => held.get(address)?.eniId === eniId && held.get(address)?.primary);
    if (primary) {
      return refusal(
        "InvalidParameterValue",
        `Value (${primary}) for parameter privateIpAddress is invalid. The primary IP address of an interface cannot be unassigned.`,
      );
    }
    if (named.some((address) => held.get(address)?.eniId !== eniId)) {
      this.notAssignedRefusals++;
      return refusal(
        "InvalidParameterValue",
        `Some of the specified addresses are not assigned to interface ${eniId}`,
      );
    }
    const reply = await forward();
    if (isOk(reply)) for (const address of named) this.options.onAddressChange?.(eniId, address, false);
    return reply;
  }
}

/** Whether an address lies inside any of the CIDR blocks (for tests and end-state checks). */
export function insideAny(address: string, cidrs: readonly string[]): boolean {
  return cidrs.some((cidr) => new Netmask(cidr).contains(address));
}
