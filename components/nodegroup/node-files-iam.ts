/**
 * Who may read the node files object (pure policy documents, every ARN from the partition).
 * The node role is the only identity this stack grants s3:GetObject on it; the bucket policy
 * refuses any request that is not over TLS.
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

/** Bucket policy: TLS only. */
export function nodeFilesBucketPolicy(partition: PartitionInfo, bucket: string): object {
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
    ],
  };
}
