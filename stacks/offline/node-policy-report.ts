/**
 * The node role's inline statements (e.g. vpc-ip's scoped assign/unassign) as the plan shows them:
 * who may do what on which resources, under which condition.
 */
import type { RecordedResource } from "./engine";

interface Statement {
  Sid?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export function renderNodeRoleStatements(resources: readonly RecordedResource[]): string {
  const policies = resources.filter(
    (resource) => resource.type === "aws:iam/rolePolicy:RolePolicy" && /-node-/.test(resource.name),
  );
  if (policies.length === 0) return "";
  const lines = ["Node role inline statements"];
  for (const policy of policies) {
    const document = typeof policy.inputs.policy === "string" ? policy.inputs.policy : undefined;
    const statements = document
      ? ((JSON.parse(document) as { Statement?: Statement[] }).Statement ?? [])
      : [];
    lines.push(`  ${policy.name}${document ? "" : " (policy unknown until deployment)"}`);
    for (const statement of statements) {
      const list = (value: string | string[] | undefined): string => [value ?? []].flat().join(", ");
      const condition = Object.entries(statement.Condition ?? {})
        .flatMap(([operator, pairs]) =>
          Object.entries(pairs).map(([key, value]) => `${key} ${operator} ${JSON.stringify(value)}`),
        )
        .join("; ");
      lines.push(
        `    ${statement.Sid ?? "-"}: ${list(statement.Action)} on ${list(statement.Resource)}` +
          (condition ? ` when ${condition}` : ""),
      );
    }
  }
  return lines.join("\n");
}
