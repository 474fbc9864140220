/**
 * How the node files reach a node: the files (scripts, units, udev rule, IPAM plugins, node config)
 * travel as one S3 object in a bucket of the group, fetched at boot and checked against the digest
 * in the user data, so the user data stays small whatever the networks and plugins. The bucket is
 * private (public access blocked, ACLs disabled), SSE-S3, TLS only, versioned, readable by the node
 * role alone, and only the deployers may take the object away (node-files-iam.ts); forceDestroy so
 * `pulumi destroy` empties and deletes it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { groupInstanceLimits, type MultusNodeGroupArgs } from "./args";
import type { NodeGroupContext } from "./context";
import { nodeBundle } from "./node-bundle";
import { nodeConfig } from "./node-config";
import {
  deployerPrincipalArns,
  nodeFilesBucketPolicy,
  nodeFilesBucketPrefix,
  nodeFilesReadPolicy,
} from "./node-files-iam";

export interface NodeFiles {
  readonly bucket: aws.s3.Bucket;
  /** The object's key and sha256 (the user data names both). */
  readonly key: string;
  readonly sha256: string;
  /** What must exist before a node boots. */
  readonly resources: pulumi.Resource[];
}

function ipv4PerInterface(args: MultusNodeGroupArgs): { ipv4AddressesPerInterface?: number } {
  const limits = groupInstanceLimits(args);
  return limits ? { ipv4AddressesPerInterface: limits.ipv4PerEni } : {};
}

export function createNodeFiles(context: NodeGroupContext, nodeRole: aws.iam.Role): NodeFiles {
  const { name, args, parent, tags } = context;
  const bundle = nodeBundle(
    nodeConfig({
      clusterName: args.clusterName,
      region: args.region,
      availabilityZones: args.availabilityZones,
      networks: args.networks,
      ...ipv4PerInterface(args),
    }),
  );
  // Auto-named (globally unique); its id is the bucket name.
  const bucket = new aws.s3.Bucket(
    `${name}-node-files`,
    { bucketPrefix: nodeFilesBucketPrefix(args.clusterName), forceDestroy: true, tags: tags() },
    parent,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-node-files`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    parent,
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-node-files`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    parent,
  );
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-node-files`,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    parent,
  );
  // Every version is kept: an object deleted or overwritten anyway can be restored.
  const versioning = new aws.s3.BucketVersioning(
    `${name}-node-files`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    parent,
  );
  const deployer = aws.getCallerIdentityOutput({}, parent).arn;
  const policy = new aws.s3.BucketPolicy(
    `${name}-node-files`,
    {
      bucket: bucket.id,
      policy: pulumi
        .all([bucket.id, deployer])
        .apply(([bucketName, callerArn]) =>
          JSON.stringify(
            nodeFilesBucketPolicy(args.partition, bucketName, [
              ...deployerPrincipalArns(callerArn),
              ...(args.nodeFilesAdminArns ?? []),
            ]),
          ),
        ),
    },
    { parent: context.component, dependsOn: [publicAccess, versioning] },
  );
  const object = new aws.s3.BucketObjectv2(
    `${name}-node-files`,
    {
      bucket: bucket.id,
      key: bundle.key,
      contentBase64: bundle.content.toString("base64"),
      contentType: "application/gzip",
      metadata: { sha256: bundle.sha256 },
      tags: tags(),
    },
    { parent: context.component, dependsOn: [encryption, ownership, versioning] },
  );
  const read = new aws.iam.RolePolicy(
    `${name}-node-files`,
    {
      role: nodeRole.name,
      policy: bucket.id.apply((bucketName) =>
        JSON.stringify(nodeFilesReadPolicy(args.partition, bucketName)),
      ),
    },
    parent,
  );
  return {
    bucket,
    key: bundle.key,
    sha256: bundle.sha256,
    resources: [publicAccess, ownership, encryption, versioning, policy, object, read],
  };
}
