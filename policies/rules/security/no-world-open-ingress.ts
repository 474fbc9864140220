/**
 * no-world-open-ingress: no security group lets the whole internet reach SSH (or another sensitive
 * port) or every port/protocol. "The whole internet" is any set of sources whose union is all of
 * IPv4 or IPv6 (0.0.0.0/1 + 128.0.0.0/1 is as open as 0.0.0.0/0), collected over every rule of the
 * same security group: standalone rules (aws.vpc.SecurityGroupIngressRule, aws.ec2.SecurityGroupRule
 * of type ingress, tied to their group through propertyDependencies.securityGroupId or the literal
 * ID) and inline `ingress` blocks of aws.ec2.SecurityGroup.
 */
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { worldCoveredFamilies } from "../../../components/model/world-cover";
import { configWithDefaults } from "../support/config";
import { isRecord } from "../support/known";
import { StackView, label, linkedThrough } from "../support/stack";

export const NO_WORLD_OPEN_INGRESS = "no-world-open-ingress";

export interface IngressConfig {
  /** TCP ports that must never be open to the world. */
  sensitivePorts: number[];
}

const DEFAULTS: IngressConfig = { sensitivePorts: [22, 3389] };

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

/** One ingress permission, whatever resource declared it. */
export interface IngressPermission {
  /** Who declared it (a rule, or a security group's inline ingress). */
  readonly owner?: { readonly type: string; readonly name: string; readonly urn: string };
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly sources: string[];
}

function normalizedProtocol(protocol: unknown): string {
  const text = String(protocol ?? "").toLowerCase();
  if (text === "-1" || text === "all") return "all";
  if (text === "6") return "tcp";
  if (text === "17") return "udp";
  return text;
}

interface Exposure {
  readonly what: string;
  readonly matches: (permission: IngressPermission) => boolean;
}

/** What a world-reachable permission must never expose, most severe first. */
function exposures(config: IngressConfig): Exposure[] {
  const all = (permission: IngressPermission): boolean => normalizedProtocol(permission.protocol) === "all";
  const fullRange = (permission: IngressPermission, protocol: string): boolean =>
    normalizedProtocol(permission.protocol) === protocol &&
    (permission.fromPort ?? 0) <= 0 &&
    (permission.toPort ?? 65535) >= 65535;
  return [
    { what: "every protocol and port", matches: all },
    { what: "every TCP port", matches: (p) => all(p) || fullRange(p, "tcp") },
    { what: "every UDP port", matches: (p) => all(p) || fullRange(p, "udp") },
    ...config.sensitivePorts.map((port) => ({
      what: `TCP port ${port}${port === 22 ? " (SSH)" : ""}`,
      matches: (p: IngressPermission) =>
        all(p) ||
        (normalizedProtocol(p.protocol) === "tcp" &&
          (p.fromPort ?? 0) <= port &&
          port <= (p.toPort ?? 65535)),
    })),
  ];
}

/** The most severe thing the permissions open to the whole internet, or undefined. */
export function worldExposure(
  permissions: readonly IngressPermission[],
  config: IngressConfig = DEFAULTS,
): { what: string; families: string[]; sources: string[]; permissions: IngressPermission[] } | undefined {
  for (const exposure of exposures(config)) {
    const matching = permissions.filter(exposure.matches);
    const sources = matching.flatMap((permission) => permission.sources);
    const families = worldCoveredFamilies(sources);
    if (families.length > 0) return { what: exposure.what, families, sources, permissions: matching };
  }
  return undefined;
}

function asList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function permissionsOf(resource: PolicyResource, props: Record<string, unknown>): IngressPermission[] {
  return declaredPermissions(resource, props).map((permission) => ({ ...permission, owner: resource }));
}

function declaredPermissions(resource: PolicyResource, props: Record<string, unknown>): IngressPermission[] {
  switch (resource.type) {
    case INGRESS_RULE:
      return [
        {
          protocol: String(props.ipProtocol),
          fromPort: props.fromPort as number | undefined,
          toPort: props.toPort as number | undefined,
          sources: [props.cidrIpv4, props.cidrIpv6].filter(
            (item): item is string => typeof item === "string",
          ),
        },
      ];
    case LEGACY_RULE:
      if (props.type !== "ingress") return [];
      return [
        {
          protocol: String(props.protocol),
          fromPort: props.fromPort as number | undefined,
          toPort: props.toPort as number | undefined,
          sources: [...asList(props.cidrBlocks), ...asList(props.ipv6CidrBlocks)],
        },
      ];
    case SG:
      return (Array.isArray(props.ingress) ? props.ingress : []).filter(isRecord).map((rule) => ({
        protocol: String(rule.protocol),
        fromPort: rule.fromPort as number | undefined,
        toPort: rule.toPort as number | undefined,
        sources: [...asList(rule.cidrBlocks), ...asList(rule.ipv6CidrBlocks)],
      }));
    default:
      return [];
  }
}

/** The security group a permission belongs to: its URN, its literal ID, or the rule itself. */
function groupKey(view: StackView, resource: PolicyResource): string {
  if (resource.type === SG) return resource.urn;
  const [group] = linkedThrough(resource, "securityGroupId", SG);
  if (group) return group.urn;
  const literal = view.props(resource).securityGroupId;
  return typeof literal === "string" ? `id:${literal}` : resource.urn;
}

function checkStack(args: StackValidationArgs, report: ReportViolation): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<IngressConfig>>());
  const view = new StackView(args.resources);
  const groups = new Map<string, IngressPermission[]>();
  for (const resource of [...view.ofType(SG), ...view.ofType(INGRESS_RULE), ...view.ofType(LEGACY_RULE)]) {
    const permissions = permissionsOf(resource, view.props(resource));
    if (permissions.length === 0) continue;
    const key = groupKey(view, resource);
    groups.set(key, [...(groups.get(key) ?? []), ...permissions]);
  }
  for (const permissions of groups.values()) {
    const exposure = worldExposure(permissions, config);
    if (!exposure) continue;
    const owners = [...new Set(exposure.permissions.map((permission) => permission.owner!))];
    report(
      `${owners.map(label).join(", ")} open${owners.length === 1 ? "s" : ""} ${exposure.what} to the whole ${exposure.families.join(" and ")} internet ` +
        `(${exposure.sources.join(", ")}). Allow only the peers that need it (e.g. bastionSshCidrs / telecomIngressCidrs), ` +
        `or use SSM Session Manager instead of SSH.`,
      owners[owners.length - 1].urn,
    );
  }
}

export const noWorldOpenIngress: StackValidationPolicy = {
  name: NO_WORLD_OPEN_INGRESS,
  description:
    "Security groups do not open SSH (or other sensitive ports) or all ports/protocols to sources covering the whole internet.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      sensitivePorts: {
        type: "array",
        items: { type: "integer", minimum: 0, maximum: 65535 },
        default: DEFAULTS.sensitivePorts,
        description: "TCP ports never open to the world.",
      },
    },
  },
  validateStack: checkStack,
};
