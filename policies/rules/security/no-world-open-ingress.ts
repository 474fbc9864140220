/**
 * no-world-open-ingress: no security group lets the whole internet reach SSH (or another sensitive
 * port) or every port/protocol. Covers standalone rules (aws.vpc.SecurityGroupIngressRule,
 * aws.ec2.SecurityGroupRule of type ingress) and inline `ingress` blocks of aws.ec2.SecurityGroup.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults, stringListSchema } from "../support/config";

export const NO_WORLD_OPEN_INGRESS = "no-world-open-ingress";

export interface IngressConfig {
  /** TCP ports that must never be open to the world. */
  sensitivePorts: number[];
  /** Sources that count as "the world". */
  worldCidrs: string[];
}

const DEFAULTS: IngressConfig = { sensitivePorts: [22, 3389], worldCidrs: ["0.0.0.0/0", "::/0"] };

/** One ingress permission, whatever resource declared it. */
export interface IngressPermission {
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

/** What is wrong with a world-open permission, or undefined when it is acceptable. */
export function ingressProblem(permission: IngressPermission, config: IngressConfig): string | undefined {
  const protocol = normalizedProtocol(permission.protocol);
  if (protocol === "all") return "every protocol and port";
  const from = permission.fromPort ?? 0;
  const to = permission.toPort ?? 65535;
  if ((protocol === "tcp" || protocol === "udp") && from <= 0 && to >= 65535)
    return `every ${protocol.toUpperCase()} port`;
  if (protocol === "tcp") {
    const exposed = config.sensitivePorts.filter((port) => from <= port && port <= to);
    if (exposed.length > 0) return `TCP port ${exposed.join(", ")}${exposed.includes(22) ? " (SSH)" : ""}`;
  }
  return undefined;
}

function asList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function permissionsOf(args: ResourceValidationArgs): IngressPermission[] {
  const props = args.props as Record<string, unknown>;
  switch (args.type) {
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
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
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      if (props.type !== "ingress") return [];
      return [
        {
          protocol: String(props.protocol),
          fromPort: props.fromPort as number | undefined,
          toPort: props.toPort as number | undefined,
          sources: [...asList(props.cidrBlocks), ...asList(props.ipv6CidrBlocks)],
        },
      ];
    case "aws:ec2/securityGroup:SecurityGroup":
      return (Array.isArray(props.ingress) ? props.ingress : []).map((rule: Record<string, unknown>) => ({
        protocol: String(rule.protocol),
        fromPort: rule.fromPort as number | undefined,
        toPort: rule.toPort as number | undefined,
        sources: [...asList(rule.cidrBlocks), ...asList(rule.ipv6CidrBlocks)],
      }));
    default:
      return [];
  }
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
  const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<IngressConfig>>());
  for (const permission of permissionsOf(args)) {
    const world = permission.sources.filter((source) => config.worldCidrs.includes(source));
    if (world.length === 0) continue;
    const problem = ingressProblem(permission, config);
    if (!problem) continue;
    report(
      `${args.type.split(":").pop()} ${args.name} opens ${problem} to ${world.join(", ")}. Allow only the peers that ` +
        `need it (e.g. bastionSshCidrs / telecomIngressCidrs), or use SSM Session Manager instead of SSH.`,
    );
  }
}

export const noWorldOpenIngress: ResourceValidationPolicy = {
  name: NO_WORLD_OPEN_INGRESS,
  description:
    "Security groups do not open SSH (or other sensitive ports) or all ports/protocols to 0.0.0.0/0 or ::/0.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      sensitivePorts: {
        type: "array",
        items: { type: "integer", minimum: 0, maximum: 65535 },
        default: DEFAULTS.sensitivePorts,
        description: "TCP ports never open to the world.",
      },
      worldCidrs: stringListSchema("Sources that count as the whole internet.", DEFAULTS.worldCidrs),
    },
  },
  validateResource: validate,
};
