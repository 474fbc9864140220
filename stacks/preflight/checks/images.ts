/**
 * The images nodes will pull exist, checked the way a node pulls: an ECR authorization token from
 * the user's own account (GetAuthorizationToken), then the registry's manifest endpoint. The
 * Multus image in the region's EKS registry (or wherever the settings point), and the sample image
 * (by default the account's own ECR mirror of busybox).
 */
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { eksImageRegistry } from "../../regions";
import { SAMPLE_MIRROR_REPOSITORY, SAMPLE_MIRROR_TAG, sampleMirrorImage } from "../../sample-image";
import type { PreflightContext } from "../context";
import { ecrRegistry, fetchManifest, manifestUrl, parseImage } from "../registry";
import { awsCallFailed, Check, CheckResult, errorText, fail, pass, skip } from "../types";

const tokens = new WeakMap<PreflightContext, Map<string, Promise<string>>>();

/** "Basic <token>" from GetAuthorizationToken in `region`, once per run and region. */
function ecrAuthorization(context: PreflightContext, region: string): Promise<string> {
  const cache = tokens.get(context) ?? new Map<string, Promise<string>>();
  tokens.set(context, cache);
  let token = cache.get(region);
  if (!token) {
    const client =
      region === context.settings.region.name ? context.aws.ecr : new ECRClient({ region, maxAttempts: 2 });
    token = client.send(new GetAuthorizationTokenCommand({})).then((answer) => {
      const value = answer.authorizationData?.[0]?.authorizationToken;
      if (!value) throw new Error("GetAuthorizationToken returned no token");
      return `Basic ${value}`;
    });
    cache.set(region, token);
  }
  return token;
}

interface ImageFixes {
  /** When the registry has no such repository or tag. */
  readonly missing: string;
}

async function checkImage(context: PreflightContext, image: string, fixes: ImageFixes): Promise<CheckResult> {
  const parsed = parseImage(image);
  if (!parsed) return skip(`${image}: no registry host in the reference; not checked`);
  const ecr = ecrRegistry(parsed.registry);
  let authorization: string | undefined;
  if (ecr) {
    try {
      authorization = await ecrAuthorization(context, ecr.region);
    } catch (error) {
      return awsCallFailed(
        `ECR GetAuthorizationToken (${ecr.region})`,
        error,
        "grant ecr:GetAuthorizationToken to this identity (nodes have it through AmazonEC2ContainerRegistryReadOnly)",
      );
    }
  }
  let answer;
  try {
    answer = await fetchManifest(
      manifestUrl(parsed, context.options.registryBaseUrl),
      authorization,
      context.timeoutMs,
    );
  } catch (error) {
    return fail(
      `${image}: cannot reach ${parsed.registry}: ${errorText(error)}`,
      `check that this machine reaches https://${parsed.registry} (proxy, firewall); nodes reach it through the NAT gateways`,
    );
  }
  const why = answer.code ? ` (${answer.code}${answer.message ? `: ${answer.message}` : ""})` : "";
  if (answer.status === 200) {
    return pass(`${image} (${answer.digest ?? "no digest header"})`);
  }
  if (answer.status === 404) return fail(`${image}: not in the registry${why}`, fixes.missing);
  if ((answer.status === 401 || answer.status === 403) && !ecr) {
    return skip(
      `${image}: ${parsed.registry} wants credentials (HTTP ${answer.status}); preflight checks ECR and anonymous registries only`,
    );
  }
  if (answer.status === 401 || answer.status === 403) {
    return fail(
      `${image}: the registry refused this account's ECR token, HTTP ${answer.status}${why}`,
      `the repository (or this identity's policy) must allow ecr:BatchGetImage on ${parsed.repository}; nodes pull with the same kind of token (node role: AmazonEC2ContainerRegistryReadOnly)`,
    );
  }
  return fail(
    `${image}: the registry answered HTTP ${answer.status}${why}`,
    "run again; if it persists, check the registry's status",
  );
}

export const imageChecks: readonly Check[] = [
  {
    family: "images",
    name: "Multus image",
    async run(context) {
      const { install } = context.settings.multus;
      if (install.method !== "yaml")
        return skip(`multusInstall is "helm": the chart's values name the image; not checked`);
      const region = context.settings.region;
      const inEksRegistry = install.registry === eksImageRegistry(region);
      return checkImage(context, install.image, {
        missing: inEksRegistry
          ? `${install.repository}:${install.tag} is not published in ${region.name}'s EKS registry (the v4 thick manifests are published for the global registry only): ` +
            `copy the image into an ECR repository of your account in ${region.name} and set multusImageRegistry and multusImageRepository to it, ` +
            `or set multusImageTag to a tag published there`
          : `push ${install.repository}:${install.tag} to ${install.registry}, or fix multusImageRegistry / multusImageRepository / multusImageTag`,
      });
    },
  },
  {
    family: "images",
    name: "sample image",
    async run(context) {
      const { multus, region } = context.settings;
      if (!multus.samplesEnabled) return skip("samplesEnabled is false: no sample pods");
      if (multus.sampleImage) {
        return checkImage(context, multus.sampleImage, {
          missing: `push ${multus.sampleImage}, or set sampleImage to an image that exists (or samplesEnabled to false)`,
        });
      }
      let account;
      try {
        account = (await context.identity()).account;
      } catch (error) {
        return awsCallFailed("STS GetCallerIdentity", error, "see the credentials line");
      }
      return checkImage(context, sampleMirrorImage(account, region), {
        missing:
          `create the ECR repository ${SAMPLE_MIRROR_REPOSITORY} in ${region.name} and push busybox:${SAMPLE_MIRROR_TAG} to it ` +
          `(docs/deploying.md), or set sampleImage, or set samplesEnabled to false`,
      });
    },
  },
];
