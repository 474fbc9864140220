/**
 * eks-endpoint-access: an EKS API endpoint is either private only, or public from listed CIDRs that
 * do not cover the whole internet. EKS opens a public endpoint to 0.0.0.0/0 when no CIDR list is
 * given, and public access is on unless turned off. Also catches the @pulumi/eks 4.3.0 failure:
 * `publicAccessCidrs` set (even to []) with public access off makes the component throw.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { worldCoveredFamilies } from "../../../components/model/world-cover";
import { isRecord } from "../support/known";
import { EKS_CLUSTER_TYPES } from "./eks-control-plane-logging";

export const EKS_ENDPOINT_ACCESS = "eks-endpoint-access";

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
}

export const eksEndpointAccess: ResourceValidationPolicy = {
  name: EKS_ENDPOINT_ACCESS,
  description:
    "EKS API endpoints are private, or public only from listed CIDRs that do not cover the whole internet.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!EKS_CLUSTER_TYPES.includes(args.type)) return;
    const props = args.props as Record<string, unknown>;
    const component = args.type === "eks:index:Cluster";
    const source = component ? props : isRecord(props.vpcConfig) ? props.vpcConfig : {};
    const publicAccess = source.endpointPublicAccess !== false; // EKS's default is public
    const cidrs = stringList(source.publicAccessCidrs);
    const where = component ? "endpointPublicAccess / publicAccessCidrs" : "vpcConfig";
    if (!publicAccess) {
      if (component && source.publicAccessCidrs !== undefined) {
        report(
          `EKS cluster ${args.name} sets publicAccessCidrs (${JSON.stringify(cidrs ?? source.publicAccessCidrs)}) with endpointPublicAccess false: ` +
            `@pulumi/eks refuses that, even for []. Pass no publicAccessCidrs when the endpoint is private.`,
        );
      }
      return;
    }
    if (!cidrs || cidrs.length === 0) {
      report(
        `EKS cluster ${args.name} has a public API endpoint with no publicAccessCidrs, so EKS opens it to 0.0.0.0/0. ` +
          `List the CIDRs that need it (endpointPublicAccessCidrs), or make the endpoint private (${where}).`,
      );
      return;
    }
    const families = worldCoveredFamilies(cidrs);
    if (families.length > 0) {
      report(
        `EKS cluster ${args.name} opens its public API endpoint to the whole ${families.join(" and ")} internet ` +
          `(${cidrs.join(", ")}). List only the ranges that run kubectl or pulumi, or make the endpoint private.`,
      );
    }
  },
};
