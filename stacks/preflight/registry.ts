/**
 * Asks a registry for an image manifest the way a node's container runtime does: an ECR
 * authorization token (Basic AWS:<password>) and GET /v2/<repository>/manifests/<tag> with the
 * manifest media types it accepts. Read-only; no layer is downloaded.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** What containerd sends: Docker v2 and OCI manifests and indexes (multi-arch). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface ImageReference {
  readonly registry: string;
  readonly repository: string;
  /** A tag, or a digest (sha256:...). */
  readonly reference: string;
}

/** registry/repository:tag or registry/repository@sha256:... (a registry host is required). */
export function parseImage(image: string): ImageReference | undefined {
  const match = /^([^/]+)\/(.+?)(?:@(sha256:[0-9a-f]{64})|:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))$/.exec(image);
  if (!match) return undefined;
  return { registry: match[1], repository: match[2], reference: match[3] ?? match[4] };
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** The account and region of an ECR registry host; undefined for other registries. */
export function ecrRegistry(host: string): { account: string; region: string } | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { account: match[1], region: match[2] } : undefined;
}

/** https://<registry>/v2/<repository>/manifests/<reference>, or the test-only base URL instead. */
export function manifestUrl(image: ImageReference, baseUrl?: string): URL {
  const base = baseUrl ?? `https://${image.registry}`;
  return new URL(`/v2/${image.repository}/manifests/${image.reference}`, base);
}

export interface ManifestAnswer {
  readonly status: number;
  /** The registry's error code (MANIFEST_UNKNOWN, NAME_UNKNOWN, DENIED...), when it sent one. */
  readonly code?: string;
  readonly message?: string;
  readonly digest?: string;
  readonly mediaType?: string;
}

export async function fetchManifest(
  url: URL,
  authorization: string | undefined,
  timeoutMs: number,
): Promise<ManifestAnswer> {
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: "GET",
        headers: { Accept: MANIFEST_ACCEPT, ...(authorization ? { Authorization: authorization } : {}) },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          const digest = response.headers["docker-content-digest"];
          const mediaType = response.headers["content-type"];
          let code: string | undefined;
          let message: string | undefined;
          if (status >= 400) {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
                errors?: { code?: string; message?: string }[];
              };
              code = body.errors?.[0]?.code;
              message = body.errors?.[0]?.message;
            } catch {
              // not a distribution-spec error body
            }
          }
          resolve({
            status,
            ...(code ? { code } : {}),
            ...(message ? { message } : {}),
            ...(typeof digest === "string" ? { digest } : {}),
            ...(typeof mediaType === "string" ? { mediaType } : {}),
          });
        });
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on("error", reject);
    outgoing.end();
  });
}
