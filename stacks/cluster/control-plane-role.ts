/** The EKS control plane's service role, with a trust principal from the stack's partition. */
import * as aws from "@pulumi/aws";
import { managedPolicyArn, servicePrincipal } from "../../components/model/partition";
import type { ClusterContext } from "./context";

export interface ControlPlaneRole {
  readonly role: aws.iam.Role;
  /** AmazonEKSClusterPolicy: the cluster must not be created before the role carries it. */
  readonly policy: aws.iam.RolePolicyAttachment;
}

export function controlPlaneRole({ name, partition, tags }: ClusterContext): ControlPlaneRole {
  const role = new aws.iam.Role(`${name}-control-plane`, {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: servicePrincipal(partition, "eks") },
          Action: ["sts:AssumeRole", "sts:TagSession"],
        },
      ],
    }),
    tags,
  });
  const policy = new aws.iam.RolePolicyAttachment(`${name}-control-plane`, {
    role: role.name,
    policyArn: managedPolicyArn(partition, "AmazonEKSClusterPolicy"),
  });
  return { role, policy };
}
