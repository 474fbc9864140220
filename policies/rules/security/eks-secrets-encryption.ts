/**
 * eks-secrets-encryption: EKS clusters envelope-encrypt Kubernetes secrets with a customer KMS key
 * (@pulumi/eks: `encryptionConfigKeyArn`; aws.eks.Cluster: `encryptionConfig` with resources
 * ["secrets"] and a provider key ARN).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isRecord } from "../support/known";
import { EKS_CLUSTER_TYPES } from "./eks-control-plane-logging";

export const EKS_SECRETS_ENCRYPTION = "eks-secrets-encryption";

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: EKS_SECRETS_ENCRYPTION,
  description: "EKS clusters encrypt Kubernetes secrets with a customer KMS key.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!EKS_CLUSTER_TYPES.includes(args.type)) return;
    const props = args.props as Record<string, unknown>;
    if (args.type === "eks:index:Cluster") {
      const keyArn = props.encryptionConfigKeyArn;
      if (typeof keyArn !== "string" || !/^arn:[^:]+:kms:/.test(keyArn)) {
        report(
          `EKS cluster ${args.name} does not encrypt secrets with a KMS key (encryptionConfigKeyArn is ` +
            `${JSON.stringify(keyArn ?? "not set")}). Set it to a KMS key ARN (secretsKmsKeyArn, or let the stack create one).`,
        );
      }
      return;
    }
    const config = isRecord(props.encryptionConfig) ? props.encryptionConfig : undefined;
    const resources = Array.isArray(config?.resources) ? config.resources : [];
    const keyArn = isRecord(config?.provider) ? config.provider.keyArn : undefined;
    if (!resources.includes("secrets") || typeof keyArn !== "string" || keyArn.length === 0) {
      report(
        `EKS cluster ${args.name} does not encrypt secrets with a KMS key: set encryptionConfig ` +
          `{ resources: ["secrets"], provider: { keyArn } }.`,
      );
    }
  },
};
