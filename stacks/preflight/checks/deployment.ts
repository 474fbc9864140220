/**
 * Where `pulumi up` runs: it creates Multus, the NADs and the samples through the cluster's API
 * endpoint, so a private-only endpoint needs a deployment from a network that reaches the VPC,
 * declared with `deployFrom: vpc` (or a public endpoint open to this machine's address).
 */
import { Check, fail, pass } from "../types";

export const deploymentChecks: readonly Check[] = [
  {
    family: "deployment",
    name: "API endpoint reachable",
    async run(context) {
      const { endpoint, deployBlockers } = context.settings;
      if (deployBlockers.length > 0) {
        return fail(
          "the EKS API endpoint is private and deployFrom is not set",
          deployBlockers.map((blocker) => `${blocker.setting}: ${blocker.message}`).join("; "),
        );
      }
      return pass(
        endpoint.publicAccess
          ? `public endpoint open to ${endpoint.publicAccessCidrs.join(", ")}: run pulumi up from there`
          : "private endpoint; deployFrom: vpc declares that pulumi up runs from a network that reaches the VPC",
      );
    },
  },
];
