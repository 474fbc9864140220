/**
 * Node interface naming. On AL2023 the kernel names ENIs by PCI slot (ens6, enp39s0, ...), so a
 * NetworkAttachmentDefinition cannot name its `master` reliably. The node's user data renames each
 * Multus ENI after its ENI device index instead: device index N becomes `multusN` unless the
 * network sets its own name. The NADs read the same function, so both always agree.
 */

export const DEFAULT_INTERFACE_PREFIX = "multus";

/** Linux IFNAMSIZ is 16 including the terminator. */
export const MAX_INTERFACE_NAME_LENGTH = 15;

const INTERFACE_NAME = /^[a-z][a-z0-9_-]*$/;

export function defaultInterfaceName(deviceIndex: number): string {
  return `${DEFAULT_INTERFACE_PREFIX}${deviceIndex}`;
}

/** Returns a reason when `name` cannot be a node interface name, undefined when it can. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_INTERFACE_NAME_LENGTH) {
    return `must be 1 to ${MAX_INTERFACE_NAME_LENGTH} characters long (Linux IFNAMSIZ)`;
  }
  if (!INTERFACE_NAME.test(name)) {
    return "must start with a lower-case letter and use only a-z, 0-9, '_' and '-'";
  }
  if (/^(eth|ens|enp|eno|lo$)/.test(name)) {
    return "must not use a kernel or udev name prefix (eth, ens, enp, eno, lo): the OS may hand it to another device";
  }
  return undefined;
}
