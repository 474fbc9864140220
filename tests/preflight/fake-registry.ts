/**
 * A fake OCI/Docker registry on 127.0.0.1 for the manifest checks: GET /v2/<name>/manifests/<ref>
 * answers as the distribution spec says (200 with Docker-Content-Digest, 401 UNAUTHORIZED without
 * the expected Basic credentials, 404 MANIFEST_UNKNOWN / NAME_UNKNOWN), and records each request.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export interface FakeRegistry {
  readonly baseUrl: string;
  /** "repository:tag" → published. */
  readonly images: Set<string>;
  /** The Authorization header value it accepts; undefined: anonymous pulls. */
  expectedAuthorization?: string;
  /** Answer every request with this status (a registry outage), when set. */
  outageStatus?: number;
  readonly requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  stop(): Promise<void>;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message, detail: null }] });
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const registry = {
    images: new Set<string>(),
    expectedAuthorization: undefined as string | undefined,
    outageStatus: undefined as number | undefined,
    requests: [] as FakeRegistry["requests"],
  };
  const server = createServer((request, response) => {
    registry.requests.push({
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
    });
    const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(request.url ?? "");
    const reply = (status: number, body: string, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(body);
    };
    if (registry.outageStatus) {
      reply(registry.outageStatus, errorBody("UNAVAILABLE", "service unavailable"));
      return;
    }
    if (registry.expectedAuthorization && request.headers.authorization !== registry.expectedAuthorization) {
      reply(401, errorBody("UNAUTHORIZED", "authentication required"), {
        "www-authenticate": 'Basic realm="fake"',
      });
      return;
    }
    if (!match || request.method !== "GET") {
      reply(404, errorBody("NAME_UNKNOWN", "repository name not known to registry"));
      return;
    }
    const [, repository, tag] = match;
    if (!registry.images.has(`${repository}:${tag}`)) {
      const known = [...registry.images].some((image) => image.startsWith(`${repository}:`));
      if (known) reply(404, errorBody("MANIFEST_UNKNOWN", `manifest unknown: ${repository}:${tag}`));
      else reply(404, errorBody("NAME_UNKNOWN", `repository ${repository} not found`));
      return;
    }
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
    const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
    reply(200, manifest, { "content-type": OCI_INDEX, "docker-content-digest": digest });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(registry, {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
