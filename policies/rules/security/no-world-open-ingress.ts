/**
 * no-world-open-ingress: no security group lets the whole internet reach every protocol, every TCP
 * or UDP port, any protocol whose ports EC2 cannot restrict (SCTP...), a sensitive TCP port (SSH,
 * RDP, the Kubernetes API) or a telecom port (GTP-C/U, PFCP, Diameter, S1AP).
 *
 * EC2's rule semantics (EC2 API reference, IpPermission): IpProtocol is a name (tcp, udp, icmp,
 * icmpv6) or an IANA protocol number, -1 means every protocol; ports apply to TCP and UDP only
 * (ICMP uses them for type and code), and "if you specify a protocol other than tcp, udp, icmp, or
 * icmpv6, traffic on all ports is allowed, regardless of any ports you specify". "The whole internet" is any set of sources whose union is all of
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
import { SCTP_PROTOCOL, TELECOM_PORTS } from "../../../components/vpc/telecom-ports";
import { configWithDefaults } from "../support/config";
import { isRecord } from "../support/known";
import { StackView, label, linkedThrough } from "../support/stack";

export const NO_WORLD_OPEN_INGRESS = "no-world-open-ingress";

export interface IngressConfig {
  /** TCP ports that must never be open to the world. */
  sensitivePorts: number[];
}

/** SSH, RDP and the Kubernetes API server's port. */
const DEFAULTS: IngressConfig = { sensitivePorts: [22, 3389, 6443] };

const TCP_PORT_NAMES: Readonly<Record<number, string>> = { 22: "SSH", 3389: "RDP", 6443: "Kubernetes API" };

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

/** IANA numbers of the protocols EC2 also accepts by name. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  "6": "tcp",
  "17": "udp",
  "1": "icmp",
  "58": "icmpv6",
};

/** "all", a protocol name (tcp, udp, icmp, icmpv6), or the IANA number of any other protocol. */
function normalizedProtocol(protocol: unknown): string {
  const text = String(protocol ?? "")
    .trim()
    .toLowerCase();
  if (text === "-1" || text === "all") return "all";
  return PROTOCOL_NAMES[text] ?? text;
}

/** Protocols whose rules EC2 restricts by port; any other opens all its traffic. */
const PORTED = new Set(["tcp", "udp"]);
const NOT_PORTS = new Set(["icmp", "icmpv6"]);

function describeProtocol(protocol: string): string {
  return protocol === SCTP_PROTOCOL
    ? "SCTP (protocol 132)"
    : PORTED.has(protocol)
      ? protocol.toUpperCase()
      : `protocol ${protocol}`;
}

/** Whether the permission lets `protocol` traffic to `port` in (every port when undefined). */
function opens(permission: IngressPermission, protocol: string, port?: number): boolean {
  const own = normalizedProtocol(permission.protocol);
  if (own === "all") return true;
  if (own !== protocol) return false;
  if (!PORTED.has(own)) return true;
  const from = permission.fromPort ?? 0;
  const to = permission.toPort ?? 65535;
  // Port 0 is reserved for TCP and UDP: 1-65535 is every port.
  return port === undefined ? from <= 1 && to >= 65535 : from <= port && port <= to;
}

interface Exposure {
  readonly what: string;
  readonly matches: (permission: IngressPermission) => boolean;
}

/** What a world-reachable permission must never expose, most severe first. */
function exposures(config: IngressConfig): Exposure[] {
  const all = (permission: IngressPermission): boolean => normalizedProtocol(permission.protocol) === "all";
  return [
    { what: "every protocol and port", matches: all },
    { what: "every TCP port", matches: (p) => opens(p, "tcp") },
    { what: "every UDP port", matches: (p) => opens(p, "udp") },
    // Any other protocol but ICMP is open on every port, whatever the rule's ports say.
    {
      what: "every port of a protocol EC2 cannot restrict by port",
      matches: (p) => {
        const own = normalizedProtocol(p.protocol);
        return own !== "all" && !PORTED.has(own) && !NOT_PORTS.has(own);
      },
    },
    ...TELECOM_PORTS.map((telecom) => ({
      what: `${describeProtocol(telecom.protocol)} port ${telecom.port} (${telecom.description})`,
      matches: (p: IngressPermission) => opens(p, telecom.protocol, telecom.port),
    })),
    ...config.sensitivePorts.map((port) => ({
      what: `TCP port ${port}${TCP_PORT_NAMES[port] ? ` (${TCP_PORT_NAMES[port]})` : ""}`,
      matches: (p: IngressPermission) => opens(p, "tcp", port),
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
    "Security groups do not open all protocols, all TCP/UDP ports, port-less protocols such as SCTP, sensitive TCP ports (SSH, RDP, Kubernetes API) or the telecom ports to sources covering the whole internet.",
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
