/**
 * The control-plane log group EKS writes to, created before the cluster so that retention (and the
 * KMS key, when logsKmsEnabled) apply from the first line.
 */
import * as aws from "@pulumi/aws";
import { KEY_DELETION_WINDOW_DAYS, KEY_ROTATION, logsKeyPolicy } from "../../components/security/kms";
import type { ClusterContext } from "./context";

export interface ControlPlaneLogs {
  readonly logGroup: aws.cloudwatch.LogGroup;
  /** Undefined when logsKmsEnabled is false. */
  readonly key?: aws.kms.Key;
}

export function controlPlaneLogs({ name, partition, settings, tags }: ClusterContext): ControlPlaneLogs {
  const { logsKmsEnabled, logRetentionDays } = settings.dataProtection;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const key = logsKmsEnabled
    ? new aws.kms.Key(`${name}-logs`, {
        description: `CloudWatch Logs encryption of cluster ${name}`,
        enableKeyRotation: KEY_ROTATION,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: accountId.apply((account) =>
          JSON.stringify(logsKeyPolicy({ partition, region: partition.name, accountId: account })),
        ),
        tags,
      })
    : undefined;
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
    name: `/aws/eks/${name}/cluster`,
    retentionInDays: logRetentionDays,
    ...(key ? { kmsKeyId: key.arn } : {}),
    tags,
  });
  return { logGroup, ...(key ? { key } : {}) };
}
