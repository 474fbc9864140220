/**
 * Who is calling: STS GetCallerIdentity through the SDK's default chain, in the stack's partition.
 */
import { Check, errorText, fail, isCredentialError, pass } from "../types";

export const credentialsChecks: readonly Check[] = [
  {
    family: "credentials",
    name: "AWS credentials",
    async run(context) {
      const { region } = context.settings;
      try {
        const identity = await context.identity();
        const partition = identity.arn.split(":")[1];
        if (partition !== region.partition) {
          return fail(
            `signed in as ${identity.arn}, an identity of partition "${partition}", but ${region.name} is in "${region.partition}"`,
            `use credentials of an account in ${region.partition} (China accounts are separate from global ones): set AWS_PROFILE to such a profile`,
          );
        }
        return pass(`account ${identity.account} as ${identity.arn}`);
      } catch (error) {
        return fail(
          `STS GetCallerIdentity in ${region.name} failed: ${errorText(error)}`,
          isCredentialError(error)
            ? `give this shell credentials for ${region.partition}: set AWS_PROFILE to a profile of ~/.aws/config (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then run again`
            : `check this machine reaches the STS endpoint of ${region.name} (proxy, firewall) and run again`,
        );
      }
    },
  },
];
