/**
 * The AWS role the PR pipeline's `pulumi preview` assumes through GitHub's OIDC provider: trusted
 * only by jobs of one repository that run in one GitHub Environment (whose required reviewers
 * approve each run), with read-only permissions. Pure documents, every ARN from the partition.
 *
 * GitHub's OIDC token names the environment in its subject when the job references one:
 * `repo:<owner>/<repo>:environment:<name>` (GitHub docs, "About security hardening with OpenID
 * Connect", example subject claims); a job without it gets `repo:<owner>/<repo>:pull_request` or
 * `...:ref:refs/heads/<branch>`, which this trust refuses.
 */
import { managedPolicyArn, PartitionInfo } from "../../components/model/partition";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The environment the workflow's preview job runs in (.github/workflows/pr.yml). */
export const PREVIEW_ENVIRONMENT = "china-preview";

export interface PreviewRoleArgs {
  readonly partition: PartitionInfo;
  readonly accountId: string;
  /** `<owner>/<repo>` of the repository whose workflow runs the preview. */
  readonly repository: string;
  readonly environment?: string;
}

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export function previewRoleTrustPolicy(args: PreviewRoleArgs): object {
  if (!REPOSITORY.test(args.repository)) {
    throw new Error(`"${args.repository}" is not a GitHub repository as <owner>/<repo>`);
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubPreviewEnvironmentOnly",
        Effect: "Allow",
        Principal: {
          Federated: `arn:${args.partition.partition}:iam::${args.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            // The audience configure-aws-credentials asks for: STS's host in the partition
            // (sts.amazonaws.com.cn in China, the action's README, "OIDC Audience").
            [`${GITHUB_OIDC_HOST}:aud`]: `sts.${args.partition.dnsSuffix}`,
            [`${GITHUB_OIDC_HOST}:sub`]: `repo:${args.repository}:environment:${args.environment ?? PREVIEW_ENVIRONMENT}`,
          },
        },
      },
    ],
  };
}

/** Read-only: `pulumi preview` and the preflight only read the account. */
export function previewRoleManagedPolicyArns(partition: PartitionInfo): string[] {
  return [managedPolicyArn(partition, "ReadOnlyAccess")];
}
