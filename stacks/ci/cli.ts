/**
 * `npm run ci-role -- <owner/repo> <account-id> [region]`: prints the trust policy and the managed
 * policy of the AWS role the PR pipeline's preview assumes (stacks/ci/preview-role.ts), for the
 * region's partition (default cn-northwest-1), ready for `aws iam create-role`.
 */
import { runCommand, UsageError } from "../cli";
import { findRegion } from "../regions";
import { PREVIEW_ENVIRONMENT, previewRoleManagedPolicyArns, previewRoleTrustPolicy } from "./preview-role";

async function main(argv: string[]): Promise<number> {
  const [repository, accountId, regionName = "cn-northwest-1"] = argv;
  const region = findRegion(regionName);
  if (!repository || !/^\d{12}$/.test(accountId ?? "") || !region) {
    throw new UsageError(
      "usage: npm run ci-role -- <owner/repo> <12-digit account ID> [region, default cn-northwest-1]",
    );
  }
  let trust: object;
  try {
    trust = previewRoleTrustPolicy({ partition: region, accountId, repository });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  console.log(`# Trust policy (GitHub Environment "${PREVIEW_ENVIRONMENT}" of ${repository} only):`);
  console.log(JSON.stringify(trust, null, 2));
  console.log("# Managed policies to attach:");
  for (const policy of previewRoleManagedPolicyArns(region)) console.log(policy);
  return 0;
}

runCommand("npm run ci-role", main);
