/**
 * eks-control-plane-logging: the EKS control plane sends at least the api, audit and authenticator
 * logs to CloudWatch, so who changed the cluster can be traced.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults, stringListSchema } from "../support/config";

export const EKS_CONTROL_PLANE_LOGGING = "eks-control-plane-logging";

/** @pulumi/eks's component and the plain aws.eks.Cluster both take `enabledClusterLogTypes`. */
export const EKS_CLUSTER_TYPES = ["eks:index:Cluster", "aws:eks/cluster:Cluster"];

export interface EksLoggingConfig {
  requiredLogTypes: string[];
}

const DEFAULTS: EksLoggingConfig = { requiredLogTypes: ["api", "audit", "authenticator"] };

export const eksControlPlaneLogging: ResourceValidationPolicy = {
  name: EKS_CONTROL_PLANE_LOGGING,
  description: "EKS clusters enable control-plane logging (api, audit, authenticator at least).",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      requiredLogTypes: stringListSchema(
        "Control-plane log types every cluster must enable.",
        DEFAULTS.requiredLogTypes,
      ),
    },
  },
  validateResource: (args, report) => {
    if (!EKS_CLUSTER_TYPES.includes(args.type)) return;
    const config = configWithDefaults(DEFAULTS, args.getConfig<Partial<EksLoggingConfig>>());
    const enabled = args.props.enabledClusterLogTypes as unknown;
    const list = Array.isArray(enabled)
      ? enabled.filter((item): item is string => typeof item === "string")
      : [];
    const missing = config.requiredLogTypes.filter((type) => !list.includes(type));
    if (missing.length > 0) {
      report(
        `EKS cluster ${args.name} does not enable control-plane log type(s) ${missing.join(", ")}. Add them to ` +
          `enabledClusterLogTypes (e.g. ${JSON.stringify(config.requiredLogTypes)}).`,
      );
    }
  },
};
