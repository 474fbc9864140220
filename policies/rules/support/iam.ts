/**
 * IAM policy documents as the AWS provider takes them (a JSON string or an object), reduced to
 * their statements.
 */
import { isRecord, parseJson } from "./known";

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly hasCondition: boolean;
  /** Operator → key → value(s), as written. */
  readonly condition: Record<string, Record<string, unknown>>;
  readonly sid?: string;
}

function list(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** Statements of a policy document; undefined when it is not a readable document. */
export function statementsOf(document: unknown): Statement[] | undefined {
  const parsed = typeof document === "string" ? parseJson(document) : document;
  if (!isRecord(parsed)) return undefined;
  const raw = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return raw.filter(isRecord).map((statement) => ({
    effect: String(statement.Effect ?? ""),
    actions: list(statement.Action),
    notActions: list(statement.NotAction),
    resources: list(statement.Resource),
    hasCondition: isRecord(statement.Condition) && Object.keys(statement.Condition).length > 0,
    condition: isRecord(statement.Condition)
      ? Object.fromEntries(
          Object.entries(statement.Condition).filter((entry): entry is [string, Record<string, unknown>] =>
            isRecord(entry[1]),
          ),
        )
      : {},
    ...(typeof statement.Sid === "string" ? { sid: statement.Sid } : {}),
  }));
}

/** Service principals a trust policy lets assume the role. */
export function trustedServices(document: unknown): string[] {
  const statements = typeof document === "string" ? parseJson(document) : document;
  if (!isRecord(statements)) return [];
  const raw = Array.isArray(statements.Statement) ? statements.Statement : [statements.Statement];
  return raw
    .filter(isRecord)
    .flatMap((statement) => (isRecord(statement.Principal) ? list(statement.Principal.Service) : []));
}
