/**
 * Who may read the node files object (pure policy documents, every ARN from the partition).
 * The node role is the only identity this stack grants s3:GetObject on it; the bucket policy
 * refuses any request that is not over TLS.
 */
import { PartitionInfo } from "../model/partition";
import { NODE_FILES_KEY_PREFIX } from "./node-bundle";

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
