/**
 * Who reaches the cluster and the Multus networks from outside: the bastion, the EKS API endpoint
 * and the telecom ports' peers. No CIDR list may cover the whole internet (any set whose union is
 * 0.0.0.0/0 or ::/0, not only those exact strings).
 */
import { worldCoveredFamilies } from "../../components/model/world-cover";
import { checkCidrList } from "./cidr-list";
import { Problems } from "./problems";
import { SettingReader } from "./reader";
import type { BastionClusterAccess, BastionSettings, EndpointSettings } from "./settings";

export interface AccessSettings {
  readonly bastion: BastionSettings;
  readonly endpoint: EndpointSettings;
  /** Empty means the VPC CIDR (resolved by the caller, which knows it). */
  readonly telecomIngressCidrs: readonly string[];
}

const BASTION_ACCESS_LEVELS: readonly BastionClusterAccess[] = ["view", "edit", "admin"];
/** Kubernetes namespace names (RFC 1123 labels). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Records a problem when the list's union is the whole IPv4 or IPv6 internet. */
function refuseWorld(problems: Problems, setting: string, cidrs: readonly string[], fix: string): void {
  const families = worldCoveredFamilies(cidrs);
  if (families.length > 0) {
    problems.add(
      setting,
      `covers the whole ${families.join(" and ")} internet (${cidrs.join(", ")}): ${fix}`,
    );
  }
}

function readBastion(read: SettingReader, problems: Problems): BastionSettings {
  const keyName = read.get("bastionKeyName");
  const sshCidrs = read.get("bastionSshCidrs");
  checkCidrList(problems, "bastionSshCidrs", sshCidrs);
  refuseWorld(
    problems,
    "bastionSshCidrs",
    sshCidrs,
    "list only your operators' ranges, or leave it empty and use SSM Session Manager",
  );
  if (sshCidrs.length > 0 && !keyName) {
    problems.add(
      "bastionSshCidrs",
      "opens SSH but bastionKeyName is empty: set bastionKeyName too, or use SSM Session Manager and leave this empty",
    );
  }
  const clusterAccess = read.get("bastionClusterAccess") as BastionClusterAccess;
  if (!BASTION_ACCESS_LEVELS.includes(clusterAccess)) {
    problems.add(
      "bastionClusterAccess",
      `is "${clusterAccess}": use one of ${BASTION_ACCESS_LEVELS.join(", ")} (admin only when the bastion must manage the whole cluster)`,
    );
  }
  const namespaces = read.get("bastionAccessNamespaces");
  namespaces.forEach((namespace, index) => {
    if (!NAMESPACE.test(namespace))
      problems.add(`bastionAccessNamespaces[${index}]`, `"${namespace}" is not a Kubernetes namespace name`);
  });
  if (clusterAccess === "edit" && namespaces.length === 0) {
    problems.add(
      "bastionAccessNamespaces",
      "is empty but bastionClusterAccess is edit: list the namespaces the bastion may change (edit is never cluster-wide; use admin for that)",
    );
  }
  if (clusterAccess === "admin" && namespaces.length > 0) {
    problems.add(
      "bastionAccessNamespaces",
      "is set but bastionClusterAccess is admin, which is always cluster-wide: use edit for namespace-scoped access, or remove the namespaces",
    );
  }
  return {
    enabled: read.get("bastionEnabled"),
    instanceType: read.get("bastionInstanceType"),
    ...(keyName ? { keyName } : {}),
    sshCidrs,
    clusterAccess,
    accessNamespaces: namespaces,
  };
}

function readEndpoint(read: SettingReader, problems: Problems): EndpointSettings {
  const publicAccess = read.get("endpointPublicAccess");
  const privateAccess = read.get("endpointPrivateAccess");
  const publicAccessCidrs = read.get("endpointPublicAccessCidrs");
  checkCidrList(problems, "endpointPublicAccessCidrs", publicAccessCidrs);
  if (!publicAccess && !privateAccess) {
    problems.add(
      "endpointPrivateAccess",
      "and endpointPublicAccess are both false: the cluster API would be unreachable; enable at least one",
    );
  }
  if (!publicAccess && publicAccessCidrs.length > 0) {
    problems.add(
      "endpointPublicAccessCidrs",
      "is set but endpointPublicAccess is false: enable public access or remove the CIDRs",
    );
  }
  if (publicAccess && publicAccessCidrs.length === 0) {
    problems.add(
      "endpointPublicAccessCidrs",
      "is empty but endpointPublicAccess is true: list the CIDRs that may reach the public API endpoint (e.g. your office or CI egress), or keep the endpoint private",
    );
  }
  refuseWorld(
    problems,
    "endpointPublicAccessCidrs",
    publicAccessCidrs,
    "list only the ranges that run kubectl or pulumi, or keep the endpoint private",
  );
  return { publicAccess, privateAccess, publicAccessCidrs: publicAccess ? publicAccessCidrs : [] };
}

export function readAccess(read: SettingReader, problems: Problems): AccessSettings {
  const telecomIngressCidrs = read.get("telecomIngressCidrs");
  checkCidrList(problems, "telecomIngressCidrs", telecomIngressCidrs);
  refuseWorld(
    problems,
    "telecomIngressCidrs",
    telecomIngressCidrs,
    "list the peers' CIDRs that need the telecom ports",
  );
  return {
    bastion: readBastion(read, problems),
    endpoint: readEndpoint(read, problems),
    telecomIngressCidrs,
  };
}
