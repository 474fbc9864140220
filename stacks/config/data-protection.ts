/**
 * Encryption and retention of what the stack stores: EKS secrets (KMS envelope encryption) and the
 * control-plane and ENI Lambda log groups.
 */
import type { RegionInfo } from "../regions";
import { Problems } from "./problems";
import { SettingReader } from "./reader";
import type { DataProtectionSettings } from "./settings";

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy); 0 (never expire) is refused. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const KMS_KEY_ARN = /^arn:([a-z-]+):kms:([a-z0-9-]+):(\d{12}):key\/[0-9a-zA-Z-]+$/;
/** aws:PrincipalArn forms: an IAM role or user (with its path), or the account root. */
const PRINCIPAL_ARN = /^arn:([a-z-]+):iam::\d{12}:(root|(role|user)\/[\w+=,.@/-]+)$/;

export function readDataProtection(
  read: SettingReader,
  problems: Problems,
  region: RegionInfo | undefined,
): DataProtectionSettings {
  const keyArn = read.get("secretsKmsKeyArn");
  if (keyArn) {
    const match = KMS_KEY_ARN.exec(keyArn);
    if (!match) {
      problems.add(
        "secretsKmsKeyArn",
        `"${keyArn}" is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>; an alias is not accepted by EKS): give the key's ARN, or leave it empty to have the stack create one`,
      );
    } else if (region && (match[1] !== region.partition || match[2] !== region.name)) {
      problems.add(
        "secretsKmsKeyArn",
        `names a key in ${match[1]}/${match[2]}, but the stack runs in ${region.partition}/${region.name}: EKS needs a key of the cluster's own region`,
      );
    }
  }
  const logRetentionDays = read.get("logRetentionDays");
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problems.add(
      "logRetentionDays",
      `${logRetentionDays} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  const nodeFilesAdminArns = read.get("nodeFilesAdminArns");
  nodeFilesAdminArns.forEach((principal, index) => {
    const match = PRINCIPAL_ARN.exec(principal);
    if (!match) {
      problems.add(
        `nodeFilesAdminArns[${index}]`,
        `"${principal}" is not an IAM role or user ARN such as arn:${region?.partition ?? "aws-cn"}:iam::123456789012:role/deployer (a role session's sts ARN is not what S3 compares)`,
      );
    } else if (region && match[1] !== region.partition) {
      problems.add(
        `nodeFilesAdminArns[${index}]`,
        `"${principal}" is in partition ${match[1]}, but the stack runs in ${region.partition}`,
      );
    }
  });
  return {
    ...(keyArn ? { secretsKmsKeyArn: keyArn } : {}),
    logRetentionDays,
    logsKmsEnabled: read.get("logsKmsEnabled"),
    nodeFilesAdminArns,
  };
}
