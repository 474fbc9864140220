/**
 * StartupUntaint: the cluster side of the node startup taint (see startup-taint.ts): the IAM role
 * the nodes' `multus-eks-untaint` service assumes, its EKS access entry (a Kubernetes group, no
 * access policy), the RBAC grant and the ValidatingAdmissionPolicy that narrows it. One per
 * cluster, shared by every node group.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PartitionInfo } from "../model/partition";
import {
  UNTAINT_GROUP,
  untaintAdmissionPolicy,
  untaintAdmissionPolicyBinding,
  untaintClusterRole,
  untaintClusterRoleBinding,
  untaintRoleName,
  untaintTrustPolicy,
} from "./startup-taint";

export const STARTUP_UNTAINT_TYPE = "multus-eks:nodegroup:StartupUntaint";

export interface StartupUntaintArgs {
  /** Region and cluster name fix the role's name, which the nodes derive the same way. */
  readonly region: string;
  /** Partition of the nodes' instance ARNs, which the trust policy names. */
  readonly partition: PartitionInfo;
  readonly clusterName: string;
  /** Roles of every node group: only they may assume the remover role. */
  readonly nodeRoleArns: readonly pulumi.Input<string>[];
  /** Kubernetes provider of the cluster. */
  readonly provider: k8s.Provider;
  /** The EKS cluster: the access entry needs it. */
  readonly clusterDependencies?: pulumi.Resource[];
  readonly tags?: Readonly<Record<string, string>>;
}

export class StartupUntaint extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly roleName: string;

  constructor(name: string, args: StartupUntaintArgs, opts?: pulumi.ComponentResourceOptions) {
    super(STARTUP_UNTAINT_TYPE, name, {}, opts);
    this.roleName = untaintRoleName(args.region, args.clusterName);
    const role = this.removerRole(name, args);
    const accessEntry = this.accessEntry(name, args, role);
    this.grantInKubernetes(name, args, accessEntry);
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
  }

  /** The IAM role a node assumes, with its instance ID as session name, to remove its taint. */
  private removerRole(name: string, args: StartupUntaintArgs): aws.iam.Role {
    const parent = { parent: this };
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    return new aws.iam.Role(
      `${name}-untaint`,
      {
        name: this.roleName,
        description: `Removes the Multus startup taint from nodes of EKS cluster ${args.clusterName}`,
        assumeRolePolicy: pulumi
          .all([accountId, pulumi.all([...args.nodeRoleArns])])
          .apply(([account, arns]) =>
            JSON.stringify(
              untaintTrustPolicy(arns, {
                partition: args.partition.partition,
                region: args.region,
                accountId: account,
              }),
            ),
          ),
        // The service asks for 15-minute sessions; nothing needs more.
        maxSessionDuration: 3600,
        tags: { ...args.tags },
      },
      parent,
    );
  }

  /** The role's access entry: its sessions are the remover group in Kubernetes. */
  private accessEntry(name: string, args: StartupUntaintArgs, role: aws.iam.Role): aws.eks.AccessEntry {
    return new aws.eks.AccessEntry(
      `${name}-untaint`,
      {
        clusterName: args.clusterName,
        principalArn: role.arn,
        type: "STANDARD",
        kubernetesGroups: [UNTAINT_GROUP],
        tags: { ...args.tags },
      },
      { parent: this, dependsOn: args.clusterDependencies ?? [] },
    );
  }

  /** The admission policy that narrows the grant to one taint, then the grant itself. */
  private grantInKubernetes(name: string, args: StartupUntaintArgs, accessEntry: aws.eks.AccessEntry): void {
    const k8sOpts = { parent: this, provider: args.provider, dependsOn: args.clusterDependencies ?? [] };
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-untaint`,
      untaintAdmissionPolicy() as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs,
      k8sOpts,
    );
    const policyBinding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-untaint`,
      untaintAdmissionPolicyBinding() as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs,
      { ...k8sOpts, dependsOn: [policy] },
    );
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-untaint`,
      untaintClusterRole() as unknown as k8s.rbac.v1.ClusterRoleArgs,
      { ...k8sOpts, dependsOn: [policyBinding] },
    );
    // The grant comes last, once the policy that narrows it is in force.
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-untaint`,
      untaintClusterRoleBinding() as unknown as k8s.rbac.v1.ClusterRoleBindingArgs,
      { ...k8sOpts, dependsOn: [clusterRole, policyBinding, accessEntry] },
    );
  }
}
