/**
 * The CIDR plan: a pure function from settings to subnets. With the defaults it reproduces the
 * blog's layout exactly: public .0/.1, private .2/.3, Multus network 1 at .4/.5, network 2 at .6/.7.
 */
import { cidrContains, cidrsOverlap, nthSubBlock, prefixLength, subBlockCount } from "../model/cidr";

export type SubnetRole = "public" | "private" | "multus";

export interface SubnetLayoutInput {
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  /** Size of planned subnets. */
  readonly subnetPrefixLength: number;
  /** Explicit CIDRs per AZ (in AZ order); absent or empty means planned. */
  readonly publicCidrs?: readonly string[];
  readonly privateCidrs?: readonly string[];
  readonly networks: readonly { readonly name: string; readonly cidrs?: readonly string[] }[];
}

export interface PlannedSubnet {
  readonly role: SubnetRole;
  readonly availabilityZone: string;
  readonly cidr: string;
  /** The Multus network, for role "multus". */
  readonly network?: string;
  /** Where this subnet's CIDR came from. */
  readonly source: "planned" | "explicit";
}

export interface SubnetLayout {
  readonly vpcCidr: string;
  readonly subnets: readonly PlannedSubnet[];
}

export const MIN_PREFIX = 16;
export const MAX_PREFIX = 28;

interface Request {
  readonly role: SubnetRole;
  readonly availabilityZone: string;
  readonly network?: string;
  readonly explicit?: string;
}

function requests(input: SubnetLayoutInput): Request[] {
  const perZone = (role: SubnetRole, explicit: readonly string[] | undefined, network?: string): Request[] =>
    input.availabilityZones.map((availabilityZone, index) => ({
      role,
      availabilityZone,
      network,
      explicit: explicit && explicit.length > 0 ? explicit[index] : undefined,
    }));
  return [
    ...perZone("public", input.publicCidrs),
    ...perZone("private", input.privateCidrs),
    ...input.networks.flatMap((network) => perZone("multus", network.cidrs, network.name)),
  ];
}

/**
 * Lays out every subnet. Explicit CIDRs are kept as given; the others take, in order, the next
 * /`subnetPrefixLength` block of the VPC that overlaps nothing explicit or already taken.
 * Throws when the VPC has no room left; `subnetLayoutProblems` reports everything else.
 */
export function planSubnetLayout(input: SubnetLayoutInput): SubnetLayout {
  const wanted = requests(input);
  const taken: string[] = wanted.flatMap((request) => (request.explicit ? [request.explicit] : []));
  const capacity = subBlockCount(input.vpcCidr, input.subnetPrefixLength);
  let cursor = 0;

  const nextFreeBlock = (): string => {
    while (cursor < capacity) {
      const candidate = nthSubBlock(input.vpcCidr, input.subnetPrefixLength, cursor);
      cursor += 1;
      if (!taken.some((used) => cidrsOverlap(used, candidate))) {
        taken.push(candidate);
        return candidate;
      }
    }
    throw new Error(
      `VPC ${input.vpcCidr} has no free /${input.subnetPrefixLength} left for ${wanted.length} subnets: ` +
        `use a larger vpcCidr or a longer subnetPrefixLength`,
    );
  };

  const subnets = wanted.map((request): PlannedSubnet => ({
    role: request.role,
    availabilityZone: request.availabilityZone,
    ...(request.network === undefined ? {} : { network: request.network }),
    cidr: request.explicit ?? nextFreeBlock(),
    source: request.explicit ? "explicit" : "planned",
  }));
  return { vpcCidr: input.vpcCidr, subnets };
}

export function describeSubnet(subnet: PlannedSubnet): string {
  const what = subnet.role === "multus" ? `Multus network "${subnet.network}"` : `${subnet.role} subnet`;
  return `${what} in ${subnet.availabilityZone} (${subnet.cidr})`;
}

export interface SubnetLayoutIssue {
  /** The subnet at fault; for an overlap, the later of the two in layout order. */
  readonly subnet: PlannedSubnet;
  readonly message: string;
}

/** Everything wrong with a layout: prefix bounds, containment in the VPC, overlaps. */
export function subnetLayoutIssues(layout: SubnetLayout): SubnetLayoutIssue[] {
  const issues: SubnetLayoutIssue[] = [];
  for (const subnet of layout.subnets) {
    const length = prefixLength(subnet.cidr);
    if (length < MIN_PREFIX || length > MAX_PREFIX) {
      issues.push({
        subnet,
        message: `${describeSubnet(subnet)} is a /${length}: AWS subnets are /${MIN_PREFIX} to /${MAX_PREFIX}`,
      });
    }
    if (!cidrContains(layout.vpcCidr, subnet.cidr)) {
      issues.push({ subnet, message: `${describeSubnet(subnet)} is not inside the VPC ${layout.vpcCidr}` });
    }
  }
  layout.subnets.forEach((subnet, index) => {
    for (const other of layout.subnets.slice(index + 1)) {
      if (cidrsOverlap(subnet.cidr, other.cidr)) {
        issues.push({
          subnet: other,
          message: `${describeSubnet(other)} overlaps ${describeSubnet(subnet)}`,
        });
      }
    }
  });
  return issues;
}

export function subnetLayoutProblems(layout: SubnetLayout): string[] {
  return subnetLayoutIssues(layout).map((issue) => issue.message);
}

export function subnetsOf(layout: SubnetLayout, role: SubnetRole, network?: string): PlannedSubnet[] {
  return layout.subnets.filter((subnet) => subnet.role === role && subnet.network === network);
}
