/**
 * Reading resource properties that may be unknown. In a `pulumi preview`, a property computed from
 * another resource that does not exist yet is unknown, and the policy SDK's property proxy throws an
 * UnknownValueError when a policy reads it. Stack policies read through `snapshot`, which turns each
 * unknown leaf into the UNKNOWN marker, so one unknown value never hides every other check.
 */

export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** Matches the SDK's UnknownValueError (and the offline gate's) by name: each may come from another copy. */
export function isUnknownValueError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/** `read()`'s value, or UNKNOWN when it touches an unknown property. */
export function readKnown<T>(read: () => T): T | Unknown {
  try {
    return read();
  } catch (error) {
    if (isUnknownValueError(error)) return UNKNOWN;
    throw error;
  }
}

/** A plain copy of `value` in which every unknown leaf is UNKNOWN. */
export function snapshot(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > 64) return value;
  if (Array.isArray(value)) {
    const length = readKnown(() => value.length);
    if (isUnknown(length)) return UNKNOWN;
    return Array.from({ length }, (_, index) =>
      snapshot(
        readKnown(() => value[index]),
        depth + 1,
      ),
    );
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    copy[key] = snapshot(
      readKnown(() => (value as Record<string, unknown>)[key]),
      depth + 1,
    );
  }
  return copy;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string property, or undefined when absent or not a string (UNKNOWN passes through). */
export function stringAt(record: unknown, key: string): string | Unknown | undefined {
  if (!isRecord(record)) return undefined;
  const value = record[key];
  return typeof value === "string" || isUnknown(value) ? value : undefined;
}

/** Tags of an AWS resource (`tags` input), or UNKNOWN. */
export function tagsOf(props: unknown): Record<string, unknown> | Unknown {
  if (!isRecord(props)) return {};
  const tags = props.tags;
  if (isUnknown(tags)) return UNKNOWN;
  return isRecord(tags) ? tags : {};
}

/** Parses a JSON string; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
