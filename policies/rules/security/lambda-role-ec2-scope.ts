/**
 * lambda-role-ec2-scope: an IAM policy attached to a Lambda's role grants no mutating EC2 action
 * (CreateNetworkInterface, AttachNetworkInterface, ec2:*, ...) on Resource "*". Read-only actions
 * (Describe*, Get*, List*, Search*) on "*" are fine: EC2 has no resource-level scoping for them.
 * Roles count as Lambda roles when a Lambda function uses them or their trust policy names the
 * Lambda service; policies reach them as RolePolicy, Role.inlinePolicies or a RolePolicyAttachment
 * of a Policy in the stack.
 */
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { partitionInfo, servicePrincipal } from "../../../components/model/partition";
import { configWithDefaults } from "../support/config";
import { isRecord, isUnknown } from "../support/known";
import { Statement, statementsOf, trustedServices } from "../support/iam";
import { StackView, label, linkedThrough } from "../support/stack";

export const LAMBDA_ROLE_EC2_SCOPE = "lambda-role-ec2-scope";

export interface LambdaRoleConfig {
  /** A scoping Condition (see scopingConditionKeys) lets a statement use a "*" resource. */
  acceptConditions: boolean;
  /** Action name prefixes (after "ec2:") that only read. */
  readOnlyPrefixes: string[];
  /** Condition keys that name which resources a statement reaches (`*` ends a prefix). */
  scopingConditionKeys: string[];
}

const DEFAULTS: LambdaRoleConfig = {
  acceptConditions: true,
  readOnlyPrefixes: ["Describe", "Get", "List", "Search"],
  scopingConditionKeys: [
    "ec2:ResourceTag/*",
    "aws:ResourceTag/*",
    "aws:RequestTag/*",
    "ec2:Subnet",
    "ec2:Vpc",
    "ec2:CreateAction",
  ],
};

/**
 * Operators that require the key to be present and to match: no `...IfExists` (true when the key
 * is absent), no `Null`, no negations, no `ForAllValues:` (true for an empty set).
 */
const SCOPING_OPERATORS = new Set(["StringEquals", "StringLike", "ArnEquals", "ArnLike"]);

function keyMatches(key: string, patterns: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith("*") ? lower.startsWith(p.slice(0, -1)) && lower.length > p.length - 1 : lower === p;
  });
}

/** Does the statement's Condition really narrow the resources, or only look like it does? */
export function scopesResources(statement: Statement, config: LambdaRoleConfig): boolean {
  return Object.entries(statement.condition).some(
    ([operator, keys]) =>
      SCOPING_OPERATORS.has(operator) &&
      Object.entries(keys).some(([key, value]) => {
        const values = (Array.isArray(value) ? value : [value]).map(String);
        const wildcardOnly = values.length === 0 || values.every((text) => /^[*?]*$/.test(text));
        return keyMatches(key, config.scopingConditionKeys) && !wildcardOnly;
      }),
  );
}

const ROLE = "aws:iam/role:Role";
const LAMBDA_SERVICE = servicePrincipal(partitionInfo("aws"), "lambda");

function isWildcardResource(resource: string): boolean {
  return resource === "*" || /^arn:[^:]+:(ec2|\*):[^:]*:[^:]*:\*$/.test(resource);
}

/** Mutating EC2 actions a statement grants, written as they appear in it. */
export function mutatingEc2Actions(statement: Statement, config: LambdaRoleConfig): string[] {
  if (statement.effect !== "Allow") return [];
  if (statement.notActions.length > 0) return statement.notActions.map((action) => `NotAction ${action}`);
  const readOnly = config.readOnlyPrefixes.map((prefix) => prefix.toLowerCase());
  return statement.actions.filter((action) => {
    const lower = action.toLowerCase();
    if (lower === "*") return true;
    if (!lower.startsWith("ec2:")) return false;
    const name = lower.slice(4);
    return !readOnly.some((prefix) => name.startsWith(prefix));
  });
}

function lambdaRoles(view: StackView): Set<PolicyResource> {
  const roles = new Set<PolicyResource>();
  for (const role of view.ofType(ROLE)) {
    if (trustedServices(view.props(role).assumeRolePolicy).includes(LAMBDA_SERVICE)) roles.add(role);
  }
  for (const fn of view.ofType("aws:lambda/function:Function")) {
    for (const role of linkedThrough(fn, "role", ROLE)) roles.add(role);
  }
  return roles;
}

/** Role policies of the stack tied to one of `roles`: by dependency, or by a known role name. */
function attachedTo(
  view: StackView,
  resource: PolicyResource,
  roles: Set<PolicyResource>,
): PolicyResource | undefined {
  const linked = linkedThrough(resource, "role", ROLE).find((role) => roles.has(role));
  if (linked) return linked;
  const name = view.props(resource).role;
  return typeof name === "string" ? [...roles].find((role) => view.props(role).name === name) : undefined;
}

function checkStack(args: StackValidationArgs, report: ReportViolation): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<LambdaRoleConfig>>());
  const view = new StackView(args.resources);
  const roles = lambdaRoles(view);
  if (roles.size === 0) return;
  const documents: { source: PolicyResource; role: PolicyResource; document: unknown; what: string }[] = [];
  for (const role of roles) {
    const inline = view.props(role).inlinePolicies;
    for (const [index, entry] of (Array.isArray(inline) ? inline : []).entries()) {
      if (isRecord(entry))
        documents.push({ source: role, role, document: entry.policy, what: `inlinePolicies[${index}]` });
    }
  }
  for (const rolePolicy of view.ofType("aws:iam/rolePolicy:RolePolicy")) {
    const role = attachedTo(view, rolePolicy, roles);
    if (role)
      documents.push({ source: rolePolicy, role, document: view.props(rolePolicy).policy, what: "policy" });
  }
  for (const attachment of view.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
    const role = attachedTo(view, attachment, roles);
    if (!role) continue;
    for (const policy of linkedThrough(attachment, "policyArn", "aws:iam/policy:Policy")) {
      documents.push({ source: policy, role, document: view.props(policy).policy, what: "policy" });
    }
  }
  for (const { source, role, document, what } of documents) {
    if (isUnknown(document)) continue;
    for (const statement of statementsOf(document) ?? []) {
      const wildcard = statement.resources.filter(isWildcardResource);
      if (wildcard.length === 0 || (config.acceptConditions && scopesResources(statement, config))) continue;
      const actions = mutatingEc2Actions(statement, config);
      if (actions.length === 0) continue;
      report(
        `${label(source)} (${what}${statement.sid ? `, statement ${statement.sid}` : ""}) grants the Lambda role ` +
          `${role.name} ${actions.join(", ")} on Resource ${wildcard.join(", ")}. Name the network interfaces, ` +
          `subnets and security groups by ARN (built from the partition), or add a StringEquals Condition on the ` +
          `cluster tag, subnet or VPC (an IfExists, negated or wildcard-only condition does not count).`,
        source.urn,
      );
    }
  }
}

export const lambdaRoleEc2Scope: StackValidationPolicy = {
  name: LAMBDA_ROLE_EC2_SCOPE,
  description:
    'IAM policies of Lambda roles grant no mutating EC2 action on Resource "*" (Describe* on "*" is fine).',
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      acceptConditions: {
        type: "boolean",
        default: DEFAULTS.acceptConditions,
        description:
          'A statement with a scoping Condition (StringEquals/Like or ArnEquals/Like on a scopingConditionKeys key, not wildcard-only) may use Resource "*".',
      },
      scopingConditionKeys: {
        type: "array",
        items: { type: "string" },
        default: DEFAULTS.scopingConditionKeys,
        description: "Condition keys that narrow the resources a statement reaches (`*` ends a prefix).",
      },
      readOnlyPrefixes: {
        type: "array",
        items: { type: "string" },
        default: DEFAULTS.readOnlyPrefixes,
        description: "EC2 action name prefixes that only read.",
      },
    },
  },
  validateStack: checkStack,
};
