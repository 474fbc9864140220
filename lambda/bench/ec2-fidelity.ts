/**
 * Where moto is more lenient than EC2 in ways that matter for idempotency, the chaos proxy answers
 * as EC2 does (see the anchors' list of moto gaps), and it keeps what moto forgets:
 * - CreateNetworkInterface honours ClientToken: a repeat returns the first answer (moto ignores
 *   the token and would create a second ENI);
 * - AttachNetworkInterface refuses an ENI that is already attached (InvalidNetworkInterface.InUse)
 *   and a device index that is taken (InvalidParameterValue); moto overwrites;
 * - ModifyNetworkInterfaceAttribute with Attachment.DeleteOnTermination=true is remembered per
 *   attachment (moto answers OK and keeps false);
 * - the address rules (one holder per address, per-ENI address limits, unassign of an address the
 *   ENI does not hold, nothing auto-assigned from an explicit subnet CIDR reservation) are in
 *   ec2-addresses.ts;
 * - with `describeLag`, DescribeNetworkInterfaces shows an ENI's addresses as they were before a
 *   recent assign or unassign, for a bounded, seeded while (describe-lag.ts);
 * - `holdMs` keeps chosen requests for a while before performing them (a slow or backed-off call,
 *   for tests that must order events precisely).
 */

import { DescribeNetworkInterfacesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { ec2Error, type Reply } from "./aws-replies";
import { DescribeLag, type LagRange } from "./describe-lag";
import { Ec2Addresses, type Ec2AddressOptions, type ForwardParams } from "./ec2-addresses";

export interface Forwarded extends Reply {
  headers: Record<string, string>;
}

export type Forward = () => Promise<Forwarded>;

function signature(params: URLSearchParams, without: string): string {
  return [...params.entries()]
    .filter(([key]) => key !== without)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

const isOk = (reply: Reply): boolean => reply.status >= 200 && reply.status < 300;

export interface Ec2FidelityOptions extends Omit<Ec2AddressOptions, "onAddressChange"> {
  /** Describe lag after assign/unassign; absent: Describe shows EC2's state at once. */
  describeLag?: LagRange;
  /** Milliseconds to hold a request before performing it (0 or undefined: at once). */
  holdMs?: (action: string, params: URLSearchParams) => number | undefined;
  nowMs?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Ec2Fidelity {
  private readonly createsByToken = new Map<string, { signature: string; reply: Promise<Forwarded> }>();
  private readonly attachQueue = new Map<string, Promise<unknown>>();
  /** Attachment IDs whose DeleteOnTermination=true reached moto, by ENI ID. */
  readonly deleteOnTermination = new Map<string, Set<string>>();
  clientTokenReplays = 0;
  attachRefusals = 0;

  readonly addresses: Ec2Addresses;
  readonly describeLag?: DescribeLag;

  constructor(
    private readonly upstreamEc2: EC2Client,
    seed: string | number = 1,
    private readonly options: Ec2FidelityOptions = {},
  ) {
    const { describeLag, holdMs: _holdMs, nowMs, ...addressOptions } = options;
    const lag = describeLag ? new DescribeLag(describeLag, seed, nowMs) : undefined;
    this.describeLag = lag;
    this.addresses = new Ec2Addresses(upstreamEc2, seed, {
      ...addressOptions,
      onAddressChange: lag ? (eniId, address, held) => lag.note(eniId, address, held) : undefined,
    });
  }

  /**
   * Performs an EC2 request through `forward` (which may send rewritten parameters), with EC2's
   * rules where moto lacks them.
   */
  async perform(action: string, params: URLSearchParams, forward: ForwardParams): Promise<Forwarded> {
    const hold = this.options.holdMs?.(action, params) ?? 0;
    if (hold > 0) await sleep(hold);
    const performed: Forward = this.addresses.handles(action)
      ? () => this.addresses.perform(action, params, forward)
      : () => forward();
    if (action === "CreateNetworkInterface" && params.get("ClientToken"))
      return this.create(params, performed);
    if (action === "AttachNetworkInterface") return this.attach(params, performed);
    const reply = await performed();
    if (action === "ModifyNetworkInterfaceAttribute" && isOk(reply)) this.noteModify(params);
    if (action === "DescribeNetworkInterfaces" && isOk(reply) && this.describeLag)
      return { ...reply, body: this.describeLag.rewrite(reply.body) };
    return reply;
  }

  private create(params: URLSearchParams, forward: Forward): Promise<Forwarded> {
    const token = params.get("ClientToken") as string;
    const wanted = signature(params, "ClientToken");
    const earlier = this.createsByToken.get(token);
    if (earlier) {
      if (earlier.signature !== wanted) {
        return Promise.resolve({
          ...ec2Error(
            400,
            "IdempotentParameterMismatch",
            `ClientToken ${token} was used with other parameters`,
          ),
          headers: {},
        });
      }
      this.clientTokenReplays++;
      return earlier.reply;
    }
    const reply = forward().then((answer) => {
      // Only a performed create binds the token; a failed one may be retried afresh.
      if (!isOk(answer)) this.createsByToken.delete(token);
      return answer;
    });
    this.createsByToken.set(token, { signature: wanted, reply });
    return reply;
  }

  private async attach(params: URLSearchParams, forward: Forward): Promise<Forwarded> {
    const instanceId = params.get("InstanceId") ?? "";
    // One attach per instance at a time, so the check and the attach are not interleaved.
    const previous = this.attachQueue.get(instanceId) ?? Promise.resolve();
    const turn = previous.then(() => this.checkedAttach(instanceId, params, forward));
    const settled = turn.catch(() => undefined);
    this.attachQueue.set(instanceId, settled);
    void settled.then(() => {
      if (this.attachQueue.get(instanceId) === settled) this.attachQueue.delete(instanceId);
    });
    return turn;
  }

  private async checkedAttach(
    instanceId: string,
    params: URLSearchParams,
    forward: Forward,
  ): Promise<Forwarded> {
    const eniId = params.get("NetworkInterfaceId") ?? "";
    const deviceIndex = Number(params.get("DeviceIndex"));
    const [self, onInstance] = await Promise.all([
      this.upstreamEc2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })).then(
        (answer) => answer.NetworkInterfaces?.[0],
        () => undefined, // moto answers NotFound itself on forward
      ),
      this.upstreamEc2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }],
        }),
      ),
    ]);
    const live = (status: string | undefined): boolean => status !== "detached" && status !== "detaching";
    if (self?.Attachment?.InstanceId && live(self.Attachment.Status)) {
      this.attachRefusals++;
      return {
        ...ec2Error(400, "InvalidNetworkInterface.InUse", `Interface: [${eniId}] in use.`),
        headers: {},
      };
    }
    const holder = (onInstance.NetworkInterfaces ?? []).find(
      (eni) => eni.Attachment?.DeviceIndex === deviceIndex && live(eni.Attachment?.Status),
    );
    if (holder) {
      this.attachRefusals++;
      return {
        ...ec2Error(
          400,
          "InvalidParameterValue",
          `Instance '${instanceId}' already has an interface attached at device index '${deviceIndex}'.`,
        ),
        headers: {},
      };
    }
    return forward();
  }

  private noteModify(params: URLSearchParams): void {
    const eniId = params.get("NetworkInterfaceId");
    const attachmentId = params.get("Attachment.AttachmentId");
    if (!eniId || !attachmentId || params.get("Attachment.DeleteOnTermination") !== "true") return;
    const ids = this.deleteOnTermination.get(eniId) ?? new Set<string>();
    ids.add(attachmentId);
    this.deleteOnTermination.set(eniId, ids);
  }

  /** Whether DeleteOnTermination=true reached moto for this ENI's attachment. */
  deletesOnTermination(eniId: string, attachmentId: string | undefined): boolean {
    return attachmentId !== undefined && (this.deleteOnTermination.get(eniId)?.has(attachmentId) ?? false);
  }
}
