/**
 * Builds the records a policy sees (type, props, URN, dependencies) and runs one policy on them
 * through the same adapter as the offline gate.
 */
import type { Policy, PolicyPack } from "@pulumi/policy";
import { ResourceRecord, Violation, evaluatePolicies } from "../../policies/runner/evaluate";
import { policies } from "../../policies/rules";

type PolicyConfig = ConstructorParameters<typeof PolicyPack>[2];

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::multus-eks::${type}::${name}`;
}

export interface Links {
  /** Property → resources (records) its value came from. */
  readonly from?: Record<string, ResourceRecord[]>;
  readonly region?: string;
  readonly unknown?: string[];
}

export function record(
  type: string,
  name: string,
  props: Record<string, unknown>,
  links: Links = {},
): ResourceRecord {
  const propertyDependencies = Object.fromEntries(
    Object.entries(links.from ?? {}).map(([key, sources]) => [key, sources.map((source) => source.urn)]),
  );
  return {
    urn: urnOf(type, name),
    type,
    name,
    props,
    dependencies: [...new Set(Object.values(propertyDependencies).flat())],
    propertyDependencies,
    ...(links.region
      ? {
          provider: {
            type: "pulumi:providers:aws",
            name: "default",
            urn: "urn:provider",
            props: { region: links.region },
          },
        }
      : {}),
    ...(links.unknown ? { unknownProperties: new Set(links.unknown) } : {}),
  };
}

export async function violationsOf(
  policyName: string,
  records: ResourceRecord[],
  config: Record<string, unknown> = {},
): Promise<Violation[]> {
  const policy = policies.find((candidate: Policy) => candidate.name === policyName);
  if (!policy) throw new Error(`no policy ${policyName}`);
  const evaluation = await evaluatePolicies(records, [policy], {
    config: { [policyName]: config } as NonNullable<PolicyConfig>,
  });
  return evaluation.violations;
}

/** Messages of the violations, for readable assertion failures. */
export function messages(violations: Violation[]): string[] {
  return violations.map((violation) => violation.message);
}
