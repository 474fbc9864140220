/**
 * Who may read and change the node files object (pure policy documents, every ARN from the
 * partition). The node role is the only identity this stack grants s3:GetObject on it. The bucket
 * policy refuses any request that is not over TLS, and lets no one but the deploying identity (and
 * the admins the stack names) delete or overwrite the objects or change the bucket's policy,
 * versioning or lifecycle: every later node (scale-out, refresh, replacement) needs the object.
 */
import { PartitionInfo } from "../model/partition";
import { NODE_FILES_KEY_PREFIX } from "./node-bundle";

/** S3 allows bucketPrefix up to 37 characters of [a-z0-9.-]; the provider appends a unique suffix. */
const MAX_BUCKET_PREFIX = 37;

/**
 * The node files bucket's name prefix, from the cluster name. EKS cluster names may hold upper-case
 * letters and underscores, which S3 refuses: lower-case them and turn anything else into "-".
 */
export function nodeFilesBucketPrefix(clusterName: string): string {
  const suffix = "-node-files-";
  const stem = clusterName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, MAX_BUCKET_PREFIX - suffix.length)
    .replace(/-+$/, "");
  return `${stem || "multus"}${suffix}`;
}

export function bucketArn(partition: PartitionInfo, bucket: string): string {
  return `arn:${partition.partition}:s3:::${bucket}`;
}

/** Inline policy of the node role: read the node files objects, nothing else in the bucket. */
export function nodeFilesReadPolicy(partition: PartitionInfo, bucket: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadMultusNodeFiles",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`${bucketArn(partition, bucket)}/${NODE_FILES_KEY_PREFIX}*`],
      },
    ],
  };
}

/** What could take the object away from later nodes: only the stack's deployers may do it. */
export const NODE_FILES_GUARDED_ACTIONS = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObject",
  "s3:DeleteBucket",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
] as const;

/**
 * The `aws:PrincipalArn` values of the identity that runs `pulumi up`, from its STS caller ARN.
 * For a role session IAM sets aws:PrincipalArn to the role's ARN (IAM user guide, global condition
 * keys), which may carry a path the session ARN lacks: both forms are listed.
 */
export function deployerPrincipalArns(callerArn: string): string[] {
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  if (session) {
    const [, partition, account, role] = session;
    return [
      `arn:${partition}:iam::${account}:role/${role}`,
      `arn:${partition}:iam::${account}:role/*/${role}`,
    ];
  }
  return [callerArn];
}

/**
 * Bucket policy: TLS only; the guarded actions for the deployers only (their own identity policy
 * must still allow them). The account's root user can always delete a bucket policy that locks
 * everyone else out (S3 user guide, bucket policies).
 */
export function nodeFilesBucketPolicy(
  partition: PartitionInfo,
  bucket: string,
  deployerArns: readonly string[],
): object {
  const arn = bucketArn(partition, bucket);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "OnlyDeployersChangeNodeFiles",
        Effect: "Deny",
        Principal: "*",
        Action: [...NODE_FILES_GUARDED_ACTIONS],
        Resource: [arn, `${arn}/*`],
        Condition: { ArnNotLike: { "aws:PrincipalArn": [...deployerArns] } },
      },
    ],
  };
}
