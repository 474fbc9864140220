/**
 * The Multus security groups as a pure plan: one group per Multus network that lets in all traffic
 * only from that network's own subnets, and from the telecom peers exactly the telecom ports (as in
 * the reference sample) plus ICMP echo for connectivity checks.
 */
import type { SubnetLayout } from "./plan";

/** IANA protocol number of SCTP: security group rules name it by number. */
export const SCTP_PROTOCOL = "132";

export interface TelecomPort {
  readonly name: string;
  readonly protocol: "udp" | typeof SCTP_PROTOCOL;
  readonly port: number;
  readonly description: string;
}

export const TELECOM_PORTS: readonly TelecomPort[] = [
  { name: "gtpc", protocol: "udp", port: 2123, description: "GTP-C (GTPv2 control plane)" },
  { name: "gtpu", protocol: "udp", port: 2152, description: "GTP-U (user plane)" },
  { name: "pfcp", protocol: "udp", port: 8805, description: "PFCP (N4, SMF to UPF)" },
  { name: "diameter", protocol: SCTP_PROTOCOL, port: 3868, description: "Diameter over SCTP" },
  { name: "s1ap", protocol: SCTP_PROTOCOL, port: 36412, description: "S1AP over SCTP" },
];

/** ICMP echo request (type 8, code 0): what `ping` from a peer needs; replies pass statefully. */
export const ICMP_ECHO_REQUEST = { type: 8, code: 0 } as const;

export interface IngressRulePlan {
  /** Unique within the group; part of the resource name. */
  readonly name: string;
  /** "-1" (all), "udp", "icmp" or "132" (SCTP). */
  readonly protocol: string;
  /** Port (or ICMP type) range; absent for all traffic. */
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidr: string;
  readonly description: string;
}

export interface MultusSecurityGroupPlan {
  readonly network: string;
  readonly ingress: readonly IngressRulePlan[];
}

export function planMultusSecurityGroups(
  layout: SubnetLayout,
  telecomIngressCidrs: readonly string[],
): MultusSecurityGroupPlan[] {
  const networks = [
    ...new Set(layout.subnets.filter((subnet) => subnet.role === "multus").map((subnet) => subnet.network!)),
  ];
  return networks.map((network) => {
    const own = layout.subnets.filter((subnet) => subnet.role === "multus" && subnet.network === network);
    const sameNetwork: IngressRulePlan[] = own.map((subnet) => ({
      name: `same-network-${subnet.availabilityZone.slice(-1)}`,
      protocol: "-1",
      cidr: subnet.cidr,
      description: `All traffic within Multus network ${network} (${subnet.availabilityZone})`,
    }));
    const fromPeers: IngressRulePlan[] = telecomIngressCidrs.flatMap((cidr, peer) => [
      ...TELECOM_PORTS.map((port) => ({
        name: `${port.name}-${peer}`,
        protocol: port.protocol,
        fromPort: port.port,
        toPort: port.port,
        cidr,
        description: port.description,
      })),
      {
        name: `icmp-echo-${peer}`,
        protocol: "icmp",
        fromPort: ICMP_ECHO_REQUEST.type,
        toPort: ICMP_ECHO_REQUEST.code,
        cidr,
        description: "ICMP echo (ping) for connectivity checks",
      },
    ]);
    return { network, ingress: [...sameNetwork, ...fromPeers] };
  });
}
