/** Envelope encryption of Kubernetes secrets with a customer key: the user's, or one with rotation. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  clusterRoleSecretsKeyPolicy,
  KEY_DELETION_WINDOW_DAYS,
  KEY_ROTATION,
} from "../../components/security/kms";
import type { ClusterContext } from "./context";
import type { ControlPlaneRole } from "./control-plane-role";

export interface SecretsEncryption {
  readonly keyArn: pulumi.Output<string>;
  /** The control plane's grant on the key: the cluster must not be created before it. */
  readonly keyPolicy: aws.iam.RolePolicy;
}

export function secretsEncryption(
  { name, settings, tags }: ClusterContext,
  controlPlane: ControlPlaneRole,
): SecretsEncryption {
  const { secretsKmsKeyArn } = settings.dataProtection;
  const keyArn: pulumi.Output<string> = secretsKmsKeyArn
    ? pulumi.output(secretsKmsKeyArn)
    : new aws.kms.Key(`${name}-secrets`, {
        description: `EKS secrets encryption of cluster ${name}`,
        enableKeyRotation: KEY_ROTATION,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        tags,
      }).arn;
  const keyPolicy = new aws.iam.RolePolicy(`${name}-control-plane-secrets-key`, {
    role: controlPlane.role.name,
    policy: keyArn.apply((arn) => JSON.stringify(clusterRoleSecretsKeyPolicy(arn))),
  });
  return { keyArn, keyPolicy };
}
