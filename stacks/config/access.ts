/**
 * Who reaches the cluster and the Multus networks from outside: the bastion, the EKS API endpoint
 * and the telecom ports' peers. No CIDR list may cover the whole internet (any set whose union is
 * 0.0.0.0/0 or ::/0, not only those exact strings).
 */
import { worldCoveredFamilies } from "../../components/model/world-cover";
import { checkCidrList } from "./cidr-list";
import { Problems } from "./problems";
import { settingKey } from "./schema";
import { SettingReader } from "./reader";
import type { ConfigProblem } from "./problems";
import type { BastionClusterAccess, BastionSettings, DeployFrom, EndpointSettings } from "./settings";

export interface AccessSettings {
  readonly bastion: BastionSettings;
  readonly endpoint: EndpointSettings;
  /** Consistent settings that `pulumi up` must still refuse (see StackSettings.deployBlockers). */
  readonly deployBlockers: readonly ConfigProblem[];
  /** Empty means the VPC CIDR (resolved by the caller, which knows it). */
  readonly telecomIngressCidrs: readonly string[];
}

const DEPLOY_FROM: readonly DeployFrom[] = ["", "vpc"];

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
  const deployFrom = read.get("deployFrom") as DeployFrom;
  if (!DEPLOY_FROM.includes(deployFrom)) {
    problems.add(
      "deployFrom",
      `is "${deployFrom}": use "vpc" when pulumi up runs from a network that reaches the VPC, or leave it empty and open the public endpoint (endpointPublicAccess)`,
    );
  } else if (deployFrom === "vpc" && !privateAccess) {
    problems.add(
      "deployFrom",
      'is "vpc" but endpointPrivateAccess is false: the VPC cannot reach the API; enable endpointPrivateAccess',
    );
  }
  return {
    publicAccess,
    privateAccess,
    publicAccessCidrs: publicAccess ? publicAccessCidrs : [],
    deployFrom: DEPLOY_FROM.includes(deployFrom) ? deployFrom : "",
  };
}

/**
 * `pulumi up` creates Kubernetes objects through the cluster's API endpoint after the VPC, the
 * cluster and the nodes exist: with a private-only endpoint and no word on where the deployment
 * runs, it would wait on an unreachable endpoint until it timed out, half-way through.
 */
export function endpointReachabilityBlockers(endpoint: EndpointSettings): ConfigProblem[] {
  if (endpoint.publicAccess || endpoint.deployFrom === "vpc" || !endpoint.privateAccess) return [];
  return [
    {
      setting: settingKey("deployFrom"),
      message:
        "is not set and the EKS API endpoint is private (endpointPublicAccess is false, the default). " +
        "pulumi up creates Multus, the NADs and the samples through that endpoint, so from outside the VPC it would stop " +
        "after the VPC, the cluster and the nodes exist. Choose one: " +
        "(1) deploying from a laptop or a runner on the internet: open the public endpoint to your address only, " +
        "`pulumi config set multus-eks:endpointPublicAccess true` and " +
        "`pulumi config set --path 'multus-eks:endpointPublicAccessCidrs[0]' <your-ip>/32`; " +
        "(2) deploying from a network that reaches the VPC (a runner in a peered VPC, a VPN or Direct Connect): " +
        "`pulumi config set multus-eks:deployFrom vpc`",
    },
  ];
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
  const endpoint = readEndpoint(read, problems);
  return {
    bastion: readBastion(read, problems),
    endpoint,
    deployBlockers: endpointReachabilityBlockers(endpoint),
    telecomIngressCidrs,
  };
}
