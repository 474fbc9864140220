/**
 * Two EC2 address rules that moto 5.2 does not enforce (anchors.md, "EC2 addresses"), applied by
 * the chaos proxy in front of it:
 * - One holder per address in a subnet. CreateNetworkInterface naming an address another ENI holds
 *   fails with InvalidIPAddress.InUse; AssignPrivateIpAddresses naming one fails with
 *   Resource.AlreadyAssigned (the code EC2's API error list gives for "private IP address is already
 *   assigned"), unless AllowReassignment=true, which moves a secondary address to the caller.
 * - No auto-assigned address inside an `explicit` subnet CIDR reservation. moto picks at random
 *   anywhere in the subnet (even the five addresses AWS keeps for itself, or one another ENI holds),
 *   so when a request leaves the choice to EC2 the proxy makes it, from the addresses EC2 could
 *   give, and names them to moto explicitly. Explicitly named addresses may lie in a reservation:
 *   EC2 allows that.
 * RunInstances naming a held PrivateIpAddress is refused the same way (moto fails it with an
 * internal error); its own choice for an instance already skips explicit reservations.
 * Reservations are read from moto (GetSubnetCidrReservations), so ones made directly at moto count.
 * Requests on one subnet are handled one at a time, so a check and its create do not interleave.
 */

import {
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  GetSubnetCidrReservationsCommand,
  UnassignPrivateIpAddressesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { Netmask, long2ip } from "netmask";
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
      action === "AssignPrivateIpAddresses"
        ? /^PrivateIpAddress\.\d+$/.test(key)
        : key === "PrivateIpAddress" || /^PrivateIpAddresses\.\d+\.PrivateIpAddress$/.test(key),
    )
    .map(([, value]) => value);
}

const refusal = (code: string, message: string): Forwarded => ({
  ...ec2Error(400, code, message),
  headers: {},
});

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

  constructor(
    private readonly upstreamEc2: EC2Client,
    seed: string | number = 1,
  ) {
    this.random = new SeededRandom(`${seed}:addresses`);
  }

  handles(action: string): boolean {
    return (
      action === "CreateNetworkInterface" ||
      action === "AssignPrivateIpAddresses" ||
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
        : this.assign(subnetId, params, forward),
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
    const elsewhere = named.filter((address) => {
      const holder = held.get(address);
      return holder !== undefined && holder.eniId !== eniId;
    });
    const reassign = params.get("AllowReassignment") === "true";
    const unmovable = elsewhere.find((address) => !reassign || held.get(address)?.primary);
    if (unmovable) {
      this.inUseRefusals++;
      return refusal(
        "Resource.AlreadyAssigned",
        `Address ${unmovable} is already assigned to ${held.get(unmovable)?.eniId}.`,
      );
    }
    for (const address of elsewhere) {
      await this.upstreamEc2.send(
        new UnassignPrivateIpAddressesCommand({
          NetworkInterfaceId: held.get(address)?.eniId,
          PrivateIpAddresses: [address],
        }),
      );
      this.reassigned++;
    }
    const count = Number(params.get("SecondaryPrivateIpAddressCount") ?? 0);
    if (count === 0) return forward();
    const chosen = await this.choose(subnetId, new Set(held.keys()), count);
    if (chosen.length < count) {
      return refusal(
        "InsufficientFreeAddressesInSubnet",
        `The specified subnet ${subnetId} does not have enough free addresses to satisfy the request.`,
      );
    }
    const rewritten = new URLSearchParams(
      [...params.entries()].filter(([key]) => key !== "SecondaryPrivateIpAddressCount"),
    );
    chosen.forEach((address, i) => rewritten.set(`PrivateIpAddress.${named.length + i + 1}`, address));
    return forward(rewritten);
  }
}

/** Whether an address lies inside any of the CIDR blocks (for tests and end-state checks). */
export function insideAny(address: string, cidrs: readonly string[]): boolean {
  return cidrs.some((cidr) => new Netmask(cidr).contains(address));
}
