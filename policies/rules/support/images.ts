/**
 * Container images named by Kubernetes resources: `containers`, `initContainers` and
 * `ephemeralContainers` anywhere in a workload's spec (Pod, Deployment, DaemonSet, Job, CronJob...),
 * `image` values of Helm releases and charts, and `image:` lines of raw YAML given to ConfigGroups.
 */
import { isRecord } from "./known";

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);
const YAML_IMAGE_LINE = /^\s*-?\s*image:\s*["']?([^\s"'#]+)/gm;

export interface ImageUse {
  readonly image: string;
  /** Where in the resource's properties, e.g. spec.template.spec.containers[0].image. */
  readonly path: string;
}

function walkContainers(
  value: unknown,
  path: string,
  found: ImageUse[],
  scanYaml: boolean,
  depth: number,
): void {
  if (depth > 40) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => walkContainers(item, `${path}[${index}]`, found, scanYaml, depth + 1));
    return;
  }
  if (typeof value === "string" && scanYaml) {
    for (const match of value.matchAll(YAML_IMAGE_LINE)) found.push({ image: match[1], path });
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (CONTAINER_LISTS.has(key) && Array.isArray(item)) {
      item.forEach((container, index) => {
        if (isRecord(container) && typeof container.image === "string") {
          found.push({ image: container.image, path: `${itemPath}[${index}].image` });
        }
      });
    } else {
      walkContainers(item, itemPath, found, scanYaml, depth + 1);
    }
  }
}

/** Helm's common conventions: `image: "repo:tag"` or `image: { registry?, repository, tag? }`. */
function walkHelmValues(
  value: unknown,
  path: string,
  found: ImageUse[],
  globalRegistry: string | undefined,
  depth: number,
): void {
  if (depth > 40) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) =>
      walkHelmValues(item, `${path}[${index}]`, found, globalRegistry, depth + 1),
    );
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (key === "image" && typeof item === "string" && item.length > 0) {
      found.push({ image: item, path: itemPath });
    } else if (key === "image" && isRecord(item) && typeof item.repository === "string") {
      const registry = typeof item.registry === "string" && item.registry ? item.registry : globalRegistry;
      const tag = typeof item.tag === "string" && item.tag ? `:${item.tag}` : "";
      found.push({ image: `${registry ? `${registry}/` : ""}${item.repository}${tag}`, path: itemPath });
    } else {
      walkHelmValues(item, itemPath, found, globalRegistry, depth + 1);
    }
  }
}

export function imagesOf(type: string, props: Record<string, unknown>): ImageUse[] {
  if (!type.startsWith("kubernetes:")) return [];
  const found: ImageUse[] = [];
  if (type.startsWith("kubernetes:helm.sh/")) {
    const values = props.values;
    const global = isRecord(values) && isRecord(values.global) ? values.global.imageRegistry : undefined;
    walkHelmValues(values, "values", found, typeof global === "string" && global ? global : undefined, 0);
    return found;
  }
  // Raw manifests (ConfigGroup/ConfigFile `yaml`) are text: read their `image:` lines.
  walkContainers(props, "", found, type.startsWith("kubernetes:yaml/"), 0);
  return found;
}

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** The registry host of an image reference; unqualified names ("busybox", "library/nginx") are Docker Hub. */
export function registryOf(image: string): string {
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  const isHost = first.includes(".") || first.includes(":") || first === "localhost";
  const registry = isHost ? first.toLowerCase() : "docker.io";
  return DOCKER_HUB_ALIASES.has(registry) ? "docker.io" : registry;
}

/** Glob match of a registry host against a pattern where `*` stands for any characters. */
export function registryMatches(registry: string, pattern: string): boolean {
  const expression = pattern
    .toLowerCase()
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${expression}$`).test(registry);
}
