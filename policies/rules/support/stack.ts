/**
 * Views of a stack for stack policies: known-value snapshots of each resource's properties, and
 * links between resources through the engine's dependency data. In a real preview the IDs of new
 * resources are unknown, so a subnet is tied to its VPC (an ENI to its subnet) by the property's
 * dependencies (`propertyDependencies.vpcId`), never by comparing IDs.
 */
import type { PolicyResource } from "@pulumi/policy";
import { snapshot } from "./known";

export class StackView {
  private readonly snapshots = new Map<PolicyResource, Record<string, unknown>>();

  constructor(readonly resources: readonly PolicyResource[]) {}

  ofType(type: string): PolicyResource[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  /** The resource's properties with unknown values as UNKNOWN (cached). */
  props(resource: PolicyResource): Record<string, unknown> {
    let copy = this.snapshots.get(resource);
    if (!copy) {
      copy = (snapshot(resource.props) ?? {}) as Record<string, unknown>;
      this.snapshots.set(resource, copy);
    }
    return copy;
  }
}

/**
 * Resources of `type` that `resource`'s `property` was computed from. Falls back to the resource's
 * plain dependencies only when the engine sent no property dependencies at all and exactly one
 * dependency has the type, so the link is never a guess between candidates.
 */
export function linkedThrough(resource: PolicyResource, property: string, type: string): PolicyResource[] {
  const byProperty = resource.propertyDependencies ?? {};
  const direct = (byProperty[property] ?? []).filter((candidate) => candidate.type === type);
  if (direct.length > 0 || Object.keys(byProperty).length > 0) return unique(direct);
  const fromAll = (resource.dependencies ?? []).filter((candidate) => candidate.type === type);
  return fromAll.length === 1 ? fromAll : [];
}

function unique(resources: PolicyResource[]): PolicyResource[] {
  return [...new Set(resources)];
}

/** `type::name`, how violations name a resource. */
export function label(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}
