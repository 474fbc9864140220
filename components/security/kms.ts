/**
 * KMS documents for the stack's keys, as pure functions of plain strings. Every ARN and principal
 * comes from the partition.
 */
import { arn, PartitionInfo, regionalServicePrincipal } from "../model/partition";
import type { PolicyDocument } from "../nodegroup/lambda-iam";

/** Rotation is on for every key the stack creates (yearly, KMS's default period). */
export const KEY_ROTATION = true;
/** The longest KMS waiting period, so a key deleted by mistake can be recovered. */
export const KEY_DELETION_WINDOW_DAYS = 30;

export interface KeyPolicyArgs {
  readonly partition: PartitionInfo;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Key policy of the log groups' key: the account administers it through IAM, and CloudWatch Logs of
 * this region may use it only for log groups of this account (encryption context aws:logs:arn).
 */
export interface KeyPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Record<string, unknown>[];
}

export function logsKeyPolicy(args: KeyPolicyArgs): KeyPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersTheKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${args.partition.partition}:iam::${args.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: regionalServicePrincipal(args.partition, "logs", args.region) },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": arn(
              args.partition,
              "logs",
              args.region,
              args.accountId,
              "log-group:*",
            ),
          },
        },
      },
    ],
  };
}

/** What the EKS cluster role needs on the secrets key (EKS envelope-encrypts secrets with it). */
export function clusterRoleSecretsKeyPolicy(keyArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnvelopeEncryptionOfSecrets",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        Resource: keyArn,
      },
    ],
  };
}
