/**
 * IAM roles for service accounts (IRSA): the trust policy that lets exactly one Kubernetes service
 * account of one cluster assume a role, through the cluster's IAM OIDC provider. EKS Pod Identity
 * would be simpler, but it is not offered in the China regions (docs.amazonaws.cn, EKS user guide,
 * "EKS Pod Identities": "Pod Identity is not available in China Regions. Use IAM roles for service
 * accounts.").
 */
import { irsaAudience } from "../model/partition";

export interface IrsaTrustArgs {
  /** The cluster's IAM OIDC provider ARN (arn:<partition>:iam::<account>:oidc-provider/<issuer>). */
  readonly oidcProviderArn: string;
  /** The issuer without `https://` (oidc.eks.<region>.<dnsSuffix>/id/<ID>). */
  readonly oidcIssuer: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface IrsaTrustPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly {
    readonly Effect: "Allow";
    readonly Principal: { readonly Federated: string };
    readonly Action: "sts:AssumeRoleWithWebIdentity";
    readonly Condition: { readonly StringEquals: Readonly<Record<string, string>> };
  }[];
}

export function irsaTrustPolicy(args: IrsaTrustArgs): IrsaTrustPolicy {
  const issuer = args.oidcIssuer.replace(/^https:\/\//, "");
  if (!issuer || !args.oidcProviderArn.endsWith(`:oidc-provider/${issuer}`)) {
    throw new Error(
      `irsaTrustPolicy: the OIDC provider ${JSON.stringify(args.oidcProviderArn)} is not the one of issuer ${JSON.stringify(issuer)}; pass the cluster's oidcProviderArn and oidcIssuer`,
    );
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: args.oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
            [`${issuer}:aud`]: irsaAudience(),
          },
        },
      },
    ],
  };
}
