/**
 * Default sample image: busybox (sh + ping) in the account's own ECR, because Docker Hub and the
 * other public registries are not reliably reachable from the China regions. The repository is not
 * created or filled by this program: copy busybox there before `pulumi up` (docs/deploying.md), or set
 * sampleImage, or set samplesEnabled to false. (Kept free of Pulumi imports: preflight reads it.)
 */
import type { RegionInfo } from "./regions";

export const SAMPLE_MIRROR_REPOSITORY = "multus-samples/busybox";
export const SAMPLE_MIRROR_TAG = "1.36.1";

export function sampleMirrorImage(accountId: string, region: RegionInfo): string {
  return `${accountId}.dkr.ecr.${region.name}.${region.dnsSuffix}/${SAMPLE_MIRROR_REPOSITORY}:${SAMPLE_MIRROR_TAG}`;
}
