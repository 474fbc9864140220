/**
 * The Kubernetes objects a stack renders (its `kubernetes:*` resources under the mock engine), as
 * manifests for kubectl: a `...Patch` resource (server-side apply of some fields of an existing
 * object) becomes its object kind, which `kubectl apply --server-side` patches the same way.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { OfflineRun } from "../../support/offline";
import { REPO_ROOT } from "../../support/moto";
import type { KubeObject } from "./apply";

/** Resource types that are no Kubernetes object (a Helm release is the chart's objects, rendered by Helm). */
const NOT_OBJECTS = new Set(["kubernetes:helm.sh/v3:Release", "pulumi:providers:kubernetes"]);

export interface RenderedObject {
  /** Pulumi's `type name`, for messages. */
  readonly resource: string;
  readonly object: KubeObject;
}

export function renderedObjects(run: OfflineRun): RenderedObject[] {
  return run.resources
    .filter((resource) => resource.type.startsWith("kubernetes:") && !NOT_OBJECTS.has(resource.type))
    .map((resource) => {
      const object = JSON.parse(JSON.stringify(resource.inputs)) as KubeObject;
      if (typeof object.kind === "string" && object.kind.endsWith("Patch"))
        object.kind = object.kind.slice(0, -5);
      return { resource: `${resource.type} ${resource.name}`, object };
    });
}

export function describeObject(object: KubeObject): string {
  const namespace = object.metadata?.namespace ? `${object.metadata.namespace}/` : "";
  return `${object.kind} ${namespace}${object.metadata?.name}`;
}

/** The two China stacks and every example stack (stacks/examples/, examples/), by path. */
export function everyStack(): string[] {
  const examples = (dir: string) =>
    readdirSync(join(REPO_ROOT, dir))
      .filter((file) => /^Pulumi\..+\.yaml$/.test(file))
      .sort()
      .map((file) => `${dir}/${file}`);
  return ["ningxia", "beijing", ...examples("stacks/examples"), ...examples("examples")];
}
