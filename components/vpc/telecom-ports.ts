/** The telecom ports the Multus security group opens to configured peers (as in the reference sample). */

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
