/**
 * Runs policies outside the Pulumi CLI, the way @pulumi/policy's analyzer server does: resource
 * policies once per resource with ResourceValidationArgs, stack policies once with
 * StackValidationArgs (resources linked to their parent, dependencies and property dependencies),
 * enforcement levels from the policy, its config or the pack default, `notApplicable` and unknown
 * values handled as the server handles them. The offline gate feeds it the mock engine's records.
 */
import type {
  EnforcementLevel,
  Policies,
  Policy,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** One resource as the engine describes it to a policy pack. */
export interface ResourceRecord {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly parentUrn?: string;
  readonly dependencies: readonly string[];
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  readonly provider?: PolicyProviderResource;
  /** Top-level properties whose value a preview would not know yet. */
  readonly unknownProperties?: ReadonlySet<string>;
}

export interface Violation {
  readonly policyName: string;
  readonly description: string;
  readonly enforcementLevel: "advisory" | "mandatory";
  readonly message: string;
  readonly urn?: string;
  readonly resourceType?: string;
  readonly resourceName?: string;
}

export interface Evaluation {
  readonly violations: Violation[];
  readonly notApplicable: { policyName: string; reason: string }[];
}

export interface EvaluateOptions {
  readonly config?: PolicyPackConfig;
  readonly packEnforcementLevel?: EnforcementLevel;
}

/** Thrown on reading an unknown value; named like the SDK's so policies treat both alike. */
export class UnknownValueError extends Error {
  constructor(readonly path: string) {
    super(`value at .${path} can't be known during preview`);
  }
}

class NotApplicableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason ?? "");
}

function withUnknowns(
  props: Record<string, unknown>,
  unknown: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  if (!unknown || unknown.size === 0) return props;
  return new Proxy(props, {
    get(target, key, receiver) {
      if (typeof key === "string" && unknown.has(key)) throw new UnknownValueError(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** The SDK's type test: the class's `__pulumiType` (what validateResourceOfType relies on) or isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const token = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  if (typeof token === "string" && token.length > 0) return token === type;
  const isInstance = (resourceClass as { isInstance?: (value: unknown) => boolean } | undefined)?.isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function isResourcePolicy(policy: Policy): policy is ResourceValidationPolicy {
  const validation = (policy as ResourceValidationPolicy).validateResource;
  return typeof validation === "function" || Array.isArray(validation);
}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
  return typeof (policy as StackValidationPolicy).validateStack === "function";
}

function levelOf(policy: Policy, options: EvaluateOptions): EnforcementLevel {
  const configured = options.config?.[policy.name];
  const fromConfig = typeof configured === "string" ? configured : configured?.enforcementLevel;
  return fromConfig ?? policy.enforcementLevel ?? options.packEnforcementLevel ?? "advisory";
}

function configOf(policy: Policy, options: EvaluateOptions): <T extends object>() => T {
  return <T extends object>(): T => {
    const configured = options.config?.[policy.name];
    if (!configured || typeof configured === "string") return {} as T;
    const { enforcementLevel: _level, ...properties } = configured;
    return properties as T;
  };
}

function resourceOptions(record: ResourceRecord): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(record.parentUrn ? { parent: record.parentUrn } : {}),
  };
}

function resourceArgs(
  record: ResourceRecord,
  policy: Policy,
  options: EvaluateOptions,
): ResourceValidationArgs {
  const props = withUnknowns(record.props, record.unknownProperties);
  return {
    type: record.type,
    props,
    urn: record.urn,
    name: record.name,
    opts: resourceOptions(record),
    ...(record.provider ? { provider: record.provider } : {}),
    stackTags: new Map(),
    isType: (resourceClass: unknown) => isTypeOf(record.type, resourceClass),
    asType: ((resourceClass: unknown) =>
      isTypeOf(record.type, resourceClass) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: configOf(policy, options),
    notApplicable: throwNotApplicable,
  } as ResourceValidationArgs;
}

export function stackResources(records: readonly ResourceRecord[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const resources = records.map((record) => {
    const props = withUnknowns(record.props, record.unknownProperties);
    const resource = {
      type: record.type,
      props,
      urn: record.urn,
      name: record.name,
      opts: resourceOptions(record),
      ...(record.provider ? { provider: record.provider } : {}),
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
      isType: (resourceClass: unknown) => isTypeOf(record.type, resourceClass),
      asType: (resourceClass: unknown) => (isTypeOf(record.type, resourceClass) ? props : undefined),
    } as unknown as PolicyResource;
    byUrn.set(record.urn, resource);
    return resource;
  });
  const resolve = (urns: readonly string[]): PolicyResource[] =>
    urns.map((urn) => byUrn.get(urn)).filter((found): found is PolicyResource => found !== undefined);
  records.forEach((record, index) => {
    const resource = resources[index];
    if (record.parentUrn && byUrn.has(record.parentUrn)) resource.parent = byUrn.get(record.parentUrn);
    resource.dependencies = resolve(record.dependencies);
    for (const [key, urns] of Object.entries(record.propertyDependencies)) {
      resource.propertyDependencies[key] = resolve(urns);
    }
  });
  return resources;
}

function pulumiTypeOf(validation: ResourceValidation): string | undefined {
  const token = (validation as { __pulumiType?: unknown }).__pulumiType;
  return typeof token === "string" && token.length > 0 ? token : undefined;
}

function isUnknownValueError(error: unknown): error is Error {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

export async function evaluatePolicies(
  records: readonly ResourceRecord[],
  policies: Policies,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const violations: Violation[] = [];
  const notApplicable: Evaluation["notApplicable"] = [];
  for (const policy of policies) {
    let level = levelOf(policy, options);
    if (level === "disabled") continue;
    if (level === "remediate") level = "mandatory";
    const enforcementLevel = level;
    const violation = (message: string, record?: { urn: string; type: string; name: string }): Violation => ({
      policyName: policy.name,
      description: policy.description,
      enforcementLevel,
      message,
      ...(record ? { urn: record.urn, resourceType: record.type, resourceName: record.name } : {}),
    });
    const failed = (error: unknown): never => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Policy ${policy.name} failed: ${reason}`, { cause: error });
    };
    const handle = (error: unknown, record?: ResourceRecord): void => {
      if (error instanceof NotApplicableError)
        notApplicable.push({ policyName: policy.name, reason: error.reason });
      else if (isUnknownValueError(error)) {
        violations.push({
          ...violation(`can't run policy ${policy.name} during preview: ${error.message}`, record),
          enforcementLevel: "advisory",
        });
      } else failed(error);
    };

    if (isResourcePolicy(policy) && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const record of records) {
        for (const validation of validations) {
          const only = pulumiTypeOf(validation);
          if (only && only !== record.type) continue;
          try {
            await validation(resourceArgs(record, policy, options), (message) => {
              violations.push(violation(message, record));
            });
          } catch (error) {
            handle(error, record);
          }
        }
      }
    }

    if (isStackPolicy(policy)) {
      const resources = stackResources(records);
      const byUrn = new Map(records.map((record) => [record.urn, record]));
      const args: StackValidationArgs = {
        resources,
        stackTags: new Map(),
        getConfig: configOf(policy, options),
        notApplicable: throwNotApplicable,
      };
      try {
        await policy.validateStack(args, (message, urn) => {
          violations.push(violation(message, urn ? byUrn.get(urn) : undefined));
        });
      } catch (error) {
        handle(error);
      }
    }
  }
  return { violations, notApplicable };
}

/** `pulumi preview`'s layout of policy violations. */
export function renderViolations(
  violations: readonly Violation[],
  pack: { name: string; version: string },
): string {
  if (violations.length === 0) return "Policy Violations: none";
  const order = { mandatory: 0, advisory: 1 };
  const sorted = [...violations].sort((a, b) => order[a.enforcementLevel] - order[b.enforcementLevel]);
  const lines = ["Policy Violations:"];
  for (const item of sorted) {
    const where = item.resourceType ? `  (${item.resourceType}: ${item.resourceName})` : "";
    lines.push(`    [${item.enforcementLevel}]  ${pack.name} v${pack.version}  ${item.policyName}${where}`);
    lines.push(`    ${item.description}`);
    lines.push(`    ${item.message}`);
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}
