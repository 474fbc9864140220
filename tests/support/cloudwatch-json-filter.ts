/**
 * CloudWatch Logs JSON filter patterns of the form `{ $.a.b = "value" }` / `{ $.a != "value" }`,
 * evaluated as the CloudWatch Logs user guide documents them ("Using filter patterns to match
 * terms in JSON log events"): the event must be a JSON object; the selector names a property path
 * from the root; a string value matches exactly, or with `*` as a wildcard; a property that is
 * absent, or not a string, does not match `=`. Neither moto nor any package here implements these
 * patterns (moto treats them as unsupported), so tests evaluate them with this reading of the docs.
 */

const PATTERN = /^\{\s*\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(=|!=)\s*"([^"]*)"\s*\}$/;

function wildcard(value: string): RegExp {
  return new RegExp(
    `^${value
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
}

/** Whether a log event's message matches a JSON filter pattern; throws on a pattern this does not cover. */
export function jsonFilterMatches(pattern: string, message: string): boolean {
  const match = PATTERN.exec(pattern.trim());
  if (!match) throw new Error(`unsupported filter pattern for this test helper: ${pattern}`);
  const [, path, operator, value] = match;
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    return false;
  }
  let node: unknown = event;
  for (const key of path.slice(1).split(".")) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node !== "string") return false;
  const equal = wildcard(value).test(node);
  return operator === "=" ? equal : !equal;
}
