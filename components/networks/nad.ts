/**
 * NetworkAttachmentDefinition planning (pure: no Pulumi). One NAD per network when the nodes sit
 * in one AZ (the blog's case), so the NAD keeps the network's own name. When the nodes span several
 * AZs, a host-local network's subnet differs per AZ, so it gets one NAD per AZ, named
 * `<network>-<zone suffix>` (cn-northwest-1a → `ipvlan-conf-1-a`). An eni-prefix network needs no
 * per-AZ copy: its IPAM plugin reads the ENI's subnet and prefix from the instance metadata of
 * whatever node the pod lands on, so one NAD serves every AZ.
 */
import { vpcIpResourceName } from "../model/vpc-ip-capacity";
import type { MultusNetwork, MultusSubnet } from "../model/network";
import { isRoutable, subnetInZone } from "../model/network";
import { eniPrefixIpamConfig, EniPrefixIpamConfig, vpcIpIpamConfig, VpcIpIpamConfig } from "./ipam";

export const CNI_VERSION = "0.3.1";
/** Kubernetes object names of NADs are DNS-1123 labels. */
export const MAX_NAD_NAME_LENGTH = 63;

export interface HostLocalIpamConfig {
  type: "host-local";
  subnet: string;
  rangeStart: string;
  rangeEnd: string;
  gateway: string;
  routes?: { dst: string; gw: string }[];
}

export interface CniConfig {
  cniVersion: string;
  type: MultusNetwork["cni"];
  master: string;
  mode: MultusNetwork["mode"];
  /** Lets a pod ask for fixed addresses (`ips` in its network selection); host-local honours them. */
  capabilities?: { ips: boolean };
  ipam: HostLocalIpamConfig | EniPrefixIpamConfig | VpcIpIpamConfig;
}

/** A CNI configuration list: the main plugin, then chained ones (sbr). */
export interface CniConfigList {
  cniVersion: string;
  name: string;
  plugins: (Omit<CniConfig, "cniVersion"> | { type: "sbr" })[];
}

export interface NetworkAttachmentPlan {
  /** NAD (object) name. */
  readonly name: string;
  readonly network: MultusNetwork;
  /** Set when the NAD serves one AZ only (host-local networks on multi-AZ node groups). */
  readonly availabilityZone?: string;
  readonly cniConfig: CniConfig;
  /** Node interface the CNI plugin hangs pod interfaces off. */
  readonly master: string;
}

/** `cn-northwest-1a` → `a`; also copes with local-zone names such as `us-west-2-lax-1a` → `lax-1a`. */
export function zoneSuffix(availabilityZone: string): string {
  const match = /^[a-z]+-[a-z]+-\d+-?(.+)$/.exec(availabilityZone.toLowerCase());
  const raw = match ? match[1] : availabilityZone.toLowerCase();
  const suffix = raw.replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
  if (!suffix) throw new Error(`Cannot derive a name suffix from availability zone "${availabilityZone}"`);
  return suffix;
}

/** Name of a network's NAD for one AZ (multi-AZ node groups) or for all (single AZ, eni-prefix). */
export function nadName(network: MultusNetwork, availabilityZone: string | undefined): string {
  return availabilityZone === undefined ? network.name : `${network.name}-${zoneSuffix(availabilityZone)}`;
}

/** True when the network needs one NAD per node AZ (routable modes read the subnet on the node). */
export function needsZoneCopies(network: MultusNetwork, nodeZones: readonly string[]): boolean {
  return !isRoutable(network.ipam) && nodeZones.length > 1;
}

/**
 * The NAD's `spec.config`: the plugin's config, or, with `sbr`, a conflist that chains the standard
 * sbr plugin after it, so that traffic from the pod's Multus address leaves through the Multus
 * interface (its own routing table) instead of the pod's default route.
 */
export function nadConfigDocument(plan: NetworkAttachmentPlan): CniConfig | CniConfigList {
  if (!plan.network.sbr) return plan.cniConfig;
  const { cniVersion, ...main } = plan.cniConfig;
  return { cniVersion, name: plan.name, plugins: [main, { type: "sbr" }] };
}

export function cniConfigFor(network: MultusNetwork, subnet: MultusSubnet | undefined): CniConfig {
  const base = {
    cniVersion: CNI_VERSION,
    type: network.cni,
    master: network.interfaceName,
    mode: network.mode,
  };
  if (network.ipam === "vpc-ip") {
    // The plugin reads the node's subnet and the range offsets from the node settings and routes the
    // network's other subnets itself; pinned addresses (`ips`) are claimed in EC2 as asked.
    return { ...base, capabilities: { ips: true }, ipam: vpcIpIpamConfig(network.name, network.routes) };
  }
  if (network.ipam === "eni-prefix") {
    // One NAD serves every AZ, so a pod only knows its own node's subnet: route the network's other
    // subnets through the pod's VPC router (the plugin fills in that gateway and drops the route to
    // the pod's own, connected subnet).
    const destinations = [...new Set([...network.subnets.map((other) => other.cidr), ...network.routes])];
    return {
      ...base,
      ipam: eniPrefixIpamConfig({
        network: network.name,
        routes: destinations.map((dst) => ({ dst })),
      }),
    };
  }
  if (!subnet) throw new Error(`Multus network "${network.name}" (host-local) needs a subnet`);
  return {
    ...base,
    capabilities: { ips: true },
    ipam: {
      type: "host-local",
      subnet: subnet.cidr,
      rangeStart: subnet.rangeStart,
      rangeEnd: subnet.rangeEnd,
      gateway: subnet.gateway,
      ...(network.routes.length
        ? { routes: network.routes.map((dst) => ({ dst, gw: subnet.gateway })) }
        : {}),
    },
  };
}

/** Problems with NAD names for these node AZs, each naming the network; empty when fine. */
export function nadNameProblems(networks: readonly MultusNetwork[], nodeZones: readonly string[]): string[] {
  return networks.flatMap((network) => {
    const zones = needsZoneCopies(network, nodeZones) ? nodeZones : [undefined];
    return zones.flatMap((zone) => {
      const name = nadName(network, zone);
      return name.length > MAX_NAD_NAME_LENGTH
        ? [
            `network "${network.name}": its NAD for ${zone} would be "${name}" (${name.length} characters, ` +
              `more than ${MAX_NAD_NAME_LENGTH}); shorten the network name`,
          ]
        : [];
    });
  });
}

/** Every NAD to create, in network order (then AZ order). */
export function planNetworkAttachments(
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
): NetworkAttachmentPlan[] {
  if (nodeZones.length === 0) throw new Error("planNetworkAttachments: the node group has no AZ");
  const problems = nadNameProblems(networks, nodeZones);
  if (problems.length) throw new Error(problems.join("; "));
  return networks.flatMap((network): NetworkAttachmentPlan[] => {
    if (isRoutable(network.ipam)) {
      return [
        {
          name: nadName(network, undefined),
          network,
          cniConfig: cniConfigFor(network, undefined),
          master: network.interfaceName,
        },
      ];
    }
    if (!needsZoneCopies(network, nodeZones)) {
      return [
        {
          name: nadName(network, undefined),
          network,
          availabilityZone: nodeZones[0],
          cniConfig: cniConfigFor(network, subnetInZone(network, nodeZones[0])),
          master: network.interfaceName,
        },
      ];
    }
    return nodeZones.map((zone) => ({
      name: nadName(network, zone),
      network,
      availabilityZone: zone,
      cniConfig: cniConfigFor(network, subnetInZone(network, zone)),
      master: network.interfaceName,
    }));
  });
}

/** The NAD a pod in `availabilityZone` uses for `network`. */
export function attachmentFor(
  plans: readonly NetworkAttachmentPlan[],
  network: MultusNetwork,
  availabilityZone: string,
): NetworkAttachmentPlan {
  const candidates = plans.filter((candidate) => candidate.network.name === network.name);
  const plan =
    candidates.length === 1
      ? candidates[0]
      : candidates.find((candidate) => candidate.availabilityZone === availabilityZone);
  if (!plan)
    throw new Error(`No NetworkAttachmentDefinition of "${network.name}" serves ${availabilityZone}`);
  return plan;
}

/**
 * The NAD annotation Multus' network-resources-injector reads to add a resource request to every
 * pod that selects the NAD (Multus' "resourceName" convention); set on vpc-ip NADs, whose pods
 * must request the node's vpc-ip resource (vpc-ip-capacity.ts).
 */
export const RESOURCE_NAME_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName";

export function nadMetadata(nad: NetworkAttachmentPlan, namespace: string): Record<string, unknown> {
  return {
    name: nad.name,
    namespace,
    ...(nad.network.ipam === "vpc-ip"
      ? { annotations: { [RESOURCE_NAME_ANNOTATION]: vpcIpResourceName(nad.network.name) } }
      : {}),
  };
}
