/**
 * subnets-no-overlap: no two subnets of one VPC overlap, and each lies inside one of its VPC's CIDR
 * blocks (the primary block or a secondary VpcIpv4CidrBlockAssociation). Subnets are tied to their
 * VPC by dependencies, so the check works in a preview where new VPC IDs are unknown; subnets of a
 * VPC outside the stack are grouped by their (then known) literal vpcId.
 */
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  cidrContains,
  cidrsOverlap,
  nthSubBlock,
  parseCidr,
  prefixLength,
  subBlockCount,
} from "../../components/model/cidr";
import { StackView, label, linkedThrough } from "./support/stack";

export const SUBNETS_NO_OVERLAP = "subnets-no-overlap";

export const VPC_TYPE = "aws:ec2/vpc:Vpc";
export const SUBNET_TYPE = "aws:ec2/subnet:Subnet";
export const CIDR_ASSOCIATION_TYPE = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation";

export interface VpcGroup {
  /** How violations name the VPC. */
  readonly title: string;
  /** Known CIDR blocks; undefined when the VPC is outside the stack (containment is not checked). */
  readonly blocks?: string[];
  /** True when some block is unknown in this preview (containment is not checked). */
  blocksIncomplete: boolean;
  readonly subnets: { resource: PolicyResource; cidr: string }[];
}

function knownCidr(value: unknown): string | undefined {
  return typeof value === "string" && parseCidr(value) ? value : undefined;
}

/** The first block of the subnet's size inside the VPC that overlaps no other subnet: a concrete fix. */
function freeBlock(group: VpcGroup, size: number, others: string[]): string | undefined {
  for (const block of group.blocks ?? []) {
    if (size < prefixLength(block)) continue;
    const count = Math.min(subBlockCount(block, size), 4096);
    for (let index = 0; index < count; index += 1) {
      const candidate = nthSubBlock(block, size, index);
      if (!others.some((other) => cidrsOverlap(other, candidate))) return candidate;
    }
  }
  return undefined;
}

export function groupSubnetsByVpc(view: StackView): VpcGroup[] {
  const groups = new Map<string, VpcGroup>();
  for (const vpc of view.ofType(VPC_TYPE)) {
    const cidr = view.props(vpc).cidrBlock;
    groups.set(vpc.urn, {
      title: label(vpc),
      blocks: knownCidr(cidr) ? [cidr as string] : [],
      blocksIncomplete: !knownCidr(cidr),
      subnets: [],
    });
  }
  for (const association of view.ofType(CIDR_ASSOCIATION_TYPE)) {
    const cidr = view.props(association).cidrBlock;
    for (const vpc of linkedThrough(association, "vpcId", VPC_TYPE)) {
      const group = groups.get(vpc.urn)!;
      if (knownCidr(cidr)) group.blocks!.push(cidr as string);
      else group.blocksIncomplete = true;
    }
  }
  for (const subnet of view.ofType(SUBNET_TYPE)) {
    const props = view.props(subnet);
    const cidr = knownCidr(props.cidrBlock);
    if (!cidr) continue;
    const vpcs = linkedThrough(subnet, "vpcId", VPC_TYPE);
    let group = vpcs.length === 1 ? groups.get(vpcs[0].urn) : undefined;
    if (!group && typeof props.vpcId === "string") {
      const key = `existing:${props.vpcId}`;
      group = groups.get(key) ?? { title: `VPC ${props.vpcId}`, blocksIncomplete: true, subnets: [] };
      groups.set(key, group);
    }
    group?.subnets.push({ resource: subnet, cidr });
  }
  return [...groups.values()];
}

function checkSubnets(args: StackValidationArgs, report: ReportViolation): void {
  const view = new StackView(args.resources);
  for (const group of groupSubnetsByVpc(view)) {
    const cidrs = group.subnets.map((subnet) => subnet.cidr);
    group.subnets.forEach(({ resource, cidr }, index) => {
      const others = cidrs.filter((_, other) => other !== index);
      const suggestion = (): string => {
        const free = freeBlock(group, prefixLength(cidr), others);
        return free ? ` A free block of the same size is ${free}.` : "";
      };
      if (
        group.blocks &&
        !group.blocksIncomplete &&
        !group.blocks.some((block) => cidrContains(block, cidr))
      ) {
        report(
          `Subnet ${resource.name} (${label(resource)}) has CIDR ${cidr}, which is outside every CIDR block of ` +
            `${group.title} (${group.blocks.join(", ")}). Give it a CIDR inside the VPC, or add a secondary ` +
            `block with a VpcIpv4CidrBlockAssociation.${suggestion()}`,
          resource.urn,
        );
      }
      for (const earlier of group.subnets.slice(0, index)) {
        if (!cidrsOverlap(earlier.cidr, cidr)) continue;
        report(
          `Subnet ${resource.name} (${label(resource)}, ${cidr}) overlaps subnet ${earlier.resource.name} ` +
            `(${earlier.cidr}) in ${group.title}: EC2 rejects overlapping subnets. Change the CIDR of one of ` +
            `them (the subnet layout settings, or publicSubnetCidrs/privateSubnetCidrs/networks[].cidrs).${suggestion()}`,
          resource.urn,
        );
      }
    });
  }
}

export const subnetsNoOverlap: StackValidationPolicy = {
  name: SUBNETS_NO_OVERLAP,
  description:
    "Subnets of one VPC do not overlap and lie inside the VPC's CIDR blocks (primary or secondary).",
  enforcementLevel: "mandatory",
  validateStack: checkSubnets,
};
