/**
 * IPv4 CIDR helpers on top of the `netmask` library, so no module does its own bit arithmetic.
 */
import { Netmask, ip2long, long2ip } from "netmask";

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;

export function isIpv4Address(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

/** Returns the parsed block, or undefined when `text` is not a canonical IPv4 CIDR (network address, prefix 0-32). */
export function parseCidr(text: string): Netmask | undefined {
  const match = CIDR.exec(text);
  if (!match || !isIpv4Address(match[1]) || Number(match[2]) > 32) return undefined;
  const block = new Netmask(text);
  return block.base === match[1] ? block : undefined;
}

/** Explains why `text` is not a usable CIDR, or undefined when it is. */
export function cidrProblem(text: string): string | undefined {
  const match = CIDR.exec(text);
  if (!match || !isIpv4Address(match[1]) || Number(match[2]) > 32) {
    return `"${text}" is not an IPv4 CIDR such as "10.0.4.0/24"`;
  }
  const block = new Netmask(text);
  if (block.base !== match[1]) {
    return `"${text}" has host bits set: its network address is ${block.base}/${block.bitmask}`;
  }
  return undefined;
}

export function prefixLength(cidr: string): number {
  return new Netmask(cidr).bitmask;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = new Netmask(a);
  const y = new Netmask(b);
  return x.contains(y.base) || y.contains(x.base);
}

export function cidrContains(outer: string, inner: string): boolean {
  const block = new Netmask(outer);
  const part = new Netmask(inner);
  return (
    block.contains(part.base) && block.contains(part.broadcast ?? part.last) && part.bitmask >= block.bitmask
  );
}

export function cidrContainsAddress(cidr: string, address: string): boolean {
  return new Netmask(cidr).contains(address);
}

/** The `index`-th block of size /`length` inside `outer` (like Terraform's cidrsubnet). */
export function nthSubBlock(outer: string, length: number, index: number): string {
  const first = new Netmask(`${new Netmask(outer).base}/${length}`);
  return index === 0 ? first.toString() : first.next(index).toString();
}

/** How many /`length` blocks fit in `outer`. */
export function subBlockCount(outer: string, length: number): number {
  return 2 ** (length - new Netmask(outer).bitmask);
}

/** The address `offset` hosts past the network address (offset 1 is the VPC router in AWS). */
export function addressAt(cidr: string, offset: number): string {
  return long2ip(ip2long(new Netmask(cidr).base) + offset);
}

/** Offset of `address` from the network address of `cidr`. */
export function offsetOf(cidr: string, address: string): number {
  return ip2long(address) - ip2long(new Netmask(cidr).base);
}

export function blockSize(cidr: string): number {
  return new Netmask(cidr).size;
}

/**
 * AWS reserves the first four addresses and the last one of every subnet:
 * network, VPC router, DNS, future use, broadcast.
 */
export function awsUsableOffsets(cidr: string): { first: number; last: number } {
  return { first: 4, last: blockSize(cidr) - 2 };
}

export function addressToNumber(address: string): number {
  return ip2long(address);
}
