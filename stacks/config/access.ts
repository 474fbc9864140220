/**
 * Who reaches the cluster and the Multus networks from outside: the bastion, the EKS API endpoint
 * and the telecom ports' peers.
 */
import { checkCidrList } from "./cidr-list";
import { Problems } from "./problems";
import { SettingReader } from "./reader";
import type { BastionSettings, EndpointSettings } from "./settings";

export interface AccessSettings {
  readonly bastion: BastionSettings;
  readonly endpoint: EndpointSettings;
  /** Empty means the VPC CIDR (resolved by the caller, which knows it). */
  readonly telecomIngressCidrs: readonly string[];
}

export function readAccess(read: SettingReader, problems: Problems): AccessSettings {
  const telecomIngressCidrs = read.get("telecomIngressCidrs");
  checkCidrList(problems, "telecomIngressCidrs", telecomIngressCidrs);
  if (telecomIngressCidrs.includes("0.0.0.0/0")) {
    problems.add(
      "telecomIngressCidrs",
      "must not contain 0.0.0.0/0: list the peers' CIDRs that need the telecom ports",
    );
  }

  const bastionKeyName = read.get("bastionKeyName");
  const bastionSshCidrs = read.get("bastionSshCidrs");
  checkCidrList(problems, "bastionSshCidrs", bastionSshCidrs);
  if (bastionSshCidrs.length > 0 && !bastionKeyName) {
    problems.add(
      "bastionSshCidrs",
      "opens SSH but bastionKeyName is empty: set bastionKeyName too, or use SSM Session Manager and leave this empty",
    );
  }

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

  return {
    bastion: {
      enabled: read.get("bastionEnabled"),
      instanceType: read.get("bastionInstanceType"),
      ...(bastionKeyName ? { keyName: bastionKeyName } : {}),
      sshCidrs: bastionSshCidrs,
    },
    endpoint: {
      publicAccess,
      privateAccess,
      publicAccessCidrs: publicAccess && publicAccessCidrs.length === 0 ? ["0.0.0.0/0"] : publicAccessCidrs,
    },
    telecomIngressCidrs,
  };
}
