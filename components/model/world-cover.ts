/**
 * Does a set of CIDRs let the whole internet in? Not only `0.0.0.0/0` and `::/0`: any set whose
 * union is the whole address space (`0.0.0.0/1` + `128.0.0.0/1`, 256 /8 blocks, ...) is as open.
 * Pure, shared by the settings validation and the policy pack.
 */

interface Block {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

const IPV4_BITS = 32n;
const IPV6_BITS = 128n;

function ipv4Value(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255))
    return undefined;
  return parts.reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.length !== 8 || all.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The address range of a CIDR with its family, or undefined when it is not a CIDR. */
function blockOf(cidr: string): { family: 4 | 6; block: Block } | undefined {
  const [address, prefixText, extra] = cidr.trim().split("/");
  if (extra !== undefined || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = BigInt(Number(prefixText));
  const family: 4 | 6 = address.includes(":") ? 6 : 4;
  const bits = family === 4 ? IPV4_BITS : IPV6_BITS;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  if (value === undefined || prefix > bits) return undefined;
  const size = 1n << (bits - prefix);
  const start = value - (value % size); // host bits ignored, as EC2 rejects them anyway
  return { family, block: { start, end: start + size } };
}

function coversSpace(blocks: Block[], bits: bigint): boolean {
  const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let reached = 0n;
  for (const block of sorted) {
    if (block.start > reached) return false;
    if (block.end > reached) reached = block.end;
  }
  return reached >= 1n << bits;
}

/** Which address families (`IPv4`, `IPv6`) the union of `cidrs` covers completely. */
export function worldCoveredFamilies(cidrs: readonly string[]): ("IPv4" | "IPv6")[] {
  const v4: Block[] = [];
  const v6: Block[] = [];
  for (const cidr of cidrs) {
    const parsed = blockOf(cidr);
    if (parsed) (parsed.family === 4 ? v4 : v6).push(parsed.block);
  }
  return [
    ...(coversSpace(v4, IPV4_BITS) ? (["IPv4"] as const) : []),
    ...(coversSpace(v6, IPV6_BITS) ? (["IPv6"] as const) : []),
  ];
}

/** True when the union of `cidrs` is all of IPv4 or all of IPv6: the whole internet may connect. */
export function coversWorld(cidrs: readonly string[]): boolean {
  return worldCoveredFamilies(cidrs).length > 0;
}
