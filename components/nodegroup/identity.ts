/**
 * Node identity: the worker role (EC2 trust from the partition), its managed and inline policies,
 * the instance profile, and the EKS access entry that maps the role into the cluster (no aws-auth).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NodeGroupContext } from "./context";
import { nodeManagedPolicyArns, serviceTrustPolicy, vpcIpNodePolicyDocument } from "./node-iam";
import { nodeRolePolicies } from "./node-role-policy";

export interface NodeIdentity {
  readonly role: aws.iam.Role;
  readonly instanceProfile: aws.iam.InstanceProfile;
  readonly accessEntry: aws.eks.AccessEntry;
  /** Every policy of the role: the group waits for them, a destroy keeps them until the nodes go. */
  readonly policies: pulumi.CustomResource[];
}

export function createNodeIdentity(context: NodeGroupContext): NodeIdentity {
  const { name, args, parent, tags } = context;
  const role = new aws.iam.Role(
    `${name}-node`,
    { assumeRolePolicy: JSON.stringify(serviceTrustPolicy(args.partition, "ec2")), tags: tags() },
    parent,
  );
  const policies: pulumi.CustomResource[] = nodeManagedPolicyArns(args.partition).map(
    (policyArn) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-node-${policyArn.split("/").pop()}`,
        { role: role.name, policyArn },
        parent,
      ),
  );
  // vpc-ip networks: the node's IPAM plugin assigns pod addresses on the node's own Multus ENIs.
  if (args.networks.some((network) => network.ipam === "vpc-ip")) {
    policies.push(
      new aws.iam.RolePolicy(
        `${name}-node-vpc-ip`,
        {
          role: role.name,
          policy: aws.getCallerIdentityOutput({}, parent).accountId.apply((accountId) =>
            JSON.stringify(
              vpcIpNodePolicyDocument({
                partition: args.partition,
                region: args.region,
                accountId,
                clusterName: args.clusterName,
              }),
            ),
          ),
        },
        parent,
      ),
    );
  }
  // The node scripts' own API calls (none today), scoped like the Lambda's.
  policies.push(
    ...nodeRolePolicies(name, role, { ...args, autoScalingGroupName: context.groupName }, parent),
  );
  const instanceProfile = new aws.iam.InstanceProfile(
    `${name}-node`,
    { role: role.name, tags: tags() },
    parent,
  );
  const accessEntry = new aws.eks.AccessEntry(
    `${name}-node`,
    { clusterName: args.clusterName, principalArn: role.arn, type: "EC2_LINUX", tags: tags() },
    { parent: context.component, dependsOn: args.clusterDependencies ?? [] },
  );
  return { role, instanceProfile, accessEntry, policies };
}
