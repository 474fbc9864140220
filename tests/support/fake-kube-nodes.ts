/**
 * A fake Kubernetes API for Node objects on 127.0.0.1 (plain HTTP), authenticating bearer tokens as
 * EKS does: a token is `k8s-aws-v1.` + base64url(a presigned STS GetCallerIdentity URL that signs
 * the `x-k8s-aws-id` header with the cluster name); the server asks STS (here: moto) who signed it.
 * moto routes presigned GETs to S3, so the fake re-sends the call as a POST whose Authorization
 * header carries the URL's credential (moto does not check signatures, only the access key).
 *
 * Identities: an assumed-role session of `roleName` is authorised to get and patch nodes
 * (the RBAC grant); anyone else gets 403. PATCH takes a JSON patch (RFC 6902 `test` and `remove`,
 * what the untaint script sends); a failed `test` answers 422 as the API server does.
 * Every request is recorded with its caller's ARN.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface NodeObject {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { providerID?: string; taints?: { key: string; value?: string; effect: string }[] };
}

export interface RecordedKubeRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The caller's STS ARN, when the token was valid. */
  readonly arn?: string;
  readonly body?: unknown;
}

export interface FakeKubeNodes {
  readonly endpoint: string;
  readonly requests: RecordedKubeRequest[];
  readonly nodes: Map<string, NodeObject>;
  close(): Promise<void>;
}

export interface FakeKubeNodesOptions {
  readonly stsEndpoint: string;
  readonly clusterName: string;
  readonly roleName: string;
}

const TOKEN_PREFIX = "k8s-aws-v1.";

export async function callerArn(
  token: string,
  options: Pick<FakeKubeNodesOptions, "stsEndpoint" | "clusterName">,
): Promise<string | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), "base64url").toString("utf8"));
  if (url.searchParams.get("Action") !== "GetCallerIdentity") return undefined;
  if (!(url.searchParams.get("X-Amz-SignedHeaders") ?? "").split(";").includes("x-k8s-aws-id"))
    return undefined;
  const credential = url.searchParams.get("X-Amz-Credential");
  if (!credential) return undefined;
  const response = await fetch(options.stsEndpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-k8s-aws-id": options.clusterName,
      authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host;x-k8s-aws-id, Signature=${url.searchParams.get("X-Amz-Signature") ?? ""}`,
      ...(url.searchParams.get("X-Amz-Security-Token")
        ? { "x-amz-security-token": url.searchParams.get("X-Amz-Security-Token")! }
        : {}),
    },
    body: "Action=GetCallerIdentity&Version=2011-06-15",
  });
  const text = await response.text();
  return response.ok ? /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1] : undefined;
}

function applyPatch(
  node: NodeObject,
  patch: { op: string; path: string; value?: unknown }[],
): NodeObject | undefined {
  const copy = JSON.parse(JSON.stringify(node)) as NodeObject;
  for (const operation of patch) {
    const match = /^\/spec\/taints\/(\d+)$/.exec(operation.path);
    const taints = copy.spec.taints ?? [];
    if (!match || Number(match[1]) >= taints.length) return undefined;
    const index = Number(match[1]);
    if (operation.op === "test") {
      if (JSON.stringify(taints[index]) !== JSON.stringify(operation.value)) return undefined;
    } else if (operation.op === "remove") {
      taints.splice(index, 1);
      copy.spec.taints = taints;
    } else {
      return undefined;
    }
  }
  return copy;
}

export async function startFakeKubeNodes(options: FakeKubeNodesOptions): Promise<FakeKubeNodes> {
  const nodes = new Map<string, NodeObject>();
  const requests: RecordedKubeRequest[] = [];
  const rolePattern = new RegExp(`^arn:[^:]+:sts::\\d{12}:assumed-role/${options.roleName}/[^/]+$`);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const path = request.url ?? "/";
    const auth = request.headers.authorization ?? "";
    const arn = auth.startsWith("Bearer ") ? await callerArn(auth.slice(7), options) : undefined;
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const reply = (status: number, payload: unknown) => {
      requests.push({
        method: request.method ?? "",
        path,
        status,
        ...(arn ? { arn } : {}),
        ...(body ? { body } : {}),
      });
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(payload));
    };
    if (!arn) return reply(401, { kind: "Status", reason: "Unauthorized", code: 401 });
    if (!rolePattern.test(arn)) return reply(403, { kind: "Status", reason: "Forbidden", code: 403 });
    const match = /^\/api\/v1\/nodes\/([^/?]+)$/.exec(path);
    const node = match ? nodes.get(match[1]) : undefined;
    if (!match || !node) return reply(404, { kind: "Status", reason: "NotFound", code: 404 });
    if (request.method === "GET") return reply(200, node);
    if (request.method === "PATCH" && request.headers["content-type"] === "application/json-patch+json") {
      const patched = applyPatch(node, body as { op: string; path: string; value?: unknown }[]);
      if (!patched) return reply(422, { kind: "Status", reason: "Invalid", code: 422 });
      nodes.set(match[1], patched);
      return reply(200, patched);
    }
    return reply(405, { kind: "Status", reason: "MethodNotAllowed", code: 405 });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    nodes,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
