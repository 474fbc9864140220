/**
 * ENI prefix delegation (the eni-prefix IPAM mode) works only on Nitro instances. Every current
 * generation is Nitro; the older Xen families are listed here so a bad choice fails in validation.
 */

const XEN_FAMILIES: ReadonlySet<string> = new Set([
  "t1",
  "t2",
  "m1",
  "m2",
  "m3",
  "m4",
  "c1",
  "c3",
  "c4",
  "r3",
  "r4",
  "x1",
  "x1e",
  "i2",
  "i3",
  "d2",
  "h1",
  "g2",
  "g3",
  "g3s",
  "p2",
  "p3",
  "f1",
  "cc2",
  "cr1",
  "hs1",
]);

/** False for Xen-based types (i3.metal is the one Nitro member of a Xen family). */
export function isNitroInstanceType(instanceType: string): boolean {
  if (instanceType === "i3.metal") return true;
  const family = instanceType.split(".")[0];
  return !XEN_FAMILIES.has(family);
}
