/**
 * Reads raw configuration values (typed values from YAML, or strings from the Pulumi engine) as
 * the kinds the schema declares, recording a problem instead of throwing.
 */
import { distance } from "fastest-levenshtein";
import { Problems } from "./problems";
import { SETTINGS, SettingName } from "./schema";

/** Raw values by setting name (project namespace stripped) plus `aws:region`. */
export type RawConfig = Readonly<Record<string, unknown>>;

export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N]["kind"] extends "integer"
  ? number
  : (typeof SETTINGS)[N]["kind"] extends "boolean"
    ? boolean
    : (typeof SETTINGS)[N]["kind"] extends "array"
      ? string[]
      : (typeof SETTINGS)[N]["kind"] extends "object"
        ? unknown
        : string;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class SettingReader {
  constructor(
    private readonly raw: RawConfig,
    private readonly problems: Problems,
  ) {}

  /** The setting's value, or its default when unset or of the wrong kind (the problem is recorded). */
  get<N extends SettingName>(name: N): SettingValue<N> {
    const spec = SETTINGS[name];
    const value = this.raw[name];
    if (value === undefined || value === null) return spec.default as SettingValue<N>;
    const coerced = this.coerce(name, spec.kind, value);
    return (coerced === undefined ? spec.default : coerced) as SettingValue<N>;
  }

  private coerce(name: string, kind: string, value: unknown): unknown {
    switch (kind) {
      case "string":
        if (typeof value === "string") return value.trim();
        if (typeof value === "number") return String(value);
        break;
      case "integer": {
        const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
        if (typeof number === "number" && Number.isInteger(number)) return number;
        this.problems.add(name, `must be a whole number, got ${JSON.stringify(value)}`);
        return undefined;
      }
      case "boolean":
        if (typeof value === "boolean") return value;
        if (value === "true" || value === "false") return value === "true";
        this.problems.add(name, `must be true or false, got ${JSON.stringify(value)}`);
        return undefined;
      case "array": {
        const list = typeof value === "string" ? parseJson(value) : value;
        if (Array.isArray(list) && list.every((item) => typeof item === "string")) {
          return list.map((item: string) => item.trim());
        }
        this.problems.add(name, `must be a list of strings, e.g. ["a", "b"], got ${JSON.stringify(value)}`);
        return undefined;
      }
      case "object": {
        const parsed = typeof value === "string" ? parseJson(value) : value;
        if (parsed !== undefined) return parsed;
        break;
      }
    }
    this.problems.add(name, `must be a ${kind}, got ${JSON.stringify(value)}`);
    return undefined;
  }
}

export function closestSetting(name: string): string | undefined {
  const lower = name.toLowerCase();
  const ranked = Object.keys(SETTINGS)
    .map((candidate) => ({ candidate, score: distance(lower, candidate.toLowerCase()) }))
    .sort((x, y) => x.score - y.score);
  return ranked[0] && ranked[0].score <= Math.max(2, Math.floor(name.length / 4))
    ? ranked[0].candidate
    : undefined;
}
