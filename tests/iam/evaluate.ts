/**
 * A small IAM evaluator for identity policies with Allow statements: a request (action + every
 * resource it involves, each with the condition context EC2 or Auto Scaling would send) is allowed
 * when, for every resource, some statement names the action, matches the resource ARN and satisfies
 * its conditions. A condition key absent from the context fails (as IAM's StringEquals does), so a
 * statement that conditions on a key the resource type does not support can never match. Policy
 * variables in condition values take the context's values (conditionHolds also serves trust policies).
 */
import type { PolicyDocument, PolicyStatement } from "../../components/nodegroup/iam-scope";

export interface RequestedResource {
  readonly type: string;
  readonly arn: string;
  /** Condition keys and their values for this resource (and the request). */
  readonly context: Readonly<Record<string, string>>;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

const OPERATORS: Record<string, (actual: string, expected: string) => boolean> = {
  StringEquals: (actual, expected) => actual === expected,
  StringLike: (actual, expected) => globToRegExp(expected).test(actual),
  ArnEquals: (actual, expected) => actual === expected,
  ArnLike: (actual, expected) => globToRegExp(expected).test(actual),
};

/**
 * A condition value with its policy variables (`${key}`) replaced by the request's values; undefined
 * when one names a key the request lacks, which IAM documents as making the statement not apply.
 */
function resolveVariables(value: string, context: Readonly<Record<string, string>>): string | undefined {
  let missing = false;
  const resolved = value.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
    const found = context[key];
    if (found === undefined) missing = true;
    return found ?? "";
  });
  return missing ? undefined : resolved;
}

export function conditionHolds(
  statement: Pick<PolicyStatement, "Condition">,
  context: Readonly<Record<string, string>>,
): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    const compare = OPERATORS[operator];
    if (!compare) throw new Error(`evaluator does not know condition operator ${operator}`);
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      const values = list(expected).map((value) => resolveVariables(value, context));
      if (actual === undefined || !values.some((value) => value !== undefined && compare(actual, value))) {
        return false;
      }
    }
  }
  return true;
}

/** The policy's statements that allow `action` on this one resource. */
export function allowingStatements(
  policy: PolicyDocument,
  action: string,
  resource: RequestedResource,
): PolicyStatement[] {
  return policy.Statement.filter(
    (statement) =>
      statement.Effect === "Allow" &&
      statement.Action.some((granted) => globToRegExp(granted).test(action)) &&
      list(statement.Resource).some((pattern) => globToRegExp(pattern).test(resource.arn)) &&
      conditionHolds(statement, resource.context),
  );
}

export function isAllowed(policy: PolicyDocument, action: string, resources: RequestedResource[]): boolean {
  return resources.every((resource) => allowingStatements(policy, action, resource).length > 0);
}

/** `ec2:ResourceTag/multus-eks/cluster` → `ec2:ResourceTag/${TagKey}`, as the reference names keys. */
export function referenceKeyName(key: string): string {
  return key.replace(/^((?:aws|ec2|autoscaling):(?:Resource|Request)Tag)\/.+$/, "$1/${TagKey}");
}
