/**
 * A fake EC2 instance metadata service (IMDSv2 only) on 127.0.0.1, for tests of anything that
 * reads instance metadata: the node's Multus ENI setup script, an IPAM plugin, ...
 *
 *   PUT /latest/api/token  needs X-aws-ec2-metadata-token-ttl-seconds (1..21600), returns a token
 *   GET /latest/meta-data/<path>  needs X-aws-ec2-metadata-token: 401 without a valid one
 *
 * The served tree is a plain object under /latest/meta-data/: a string is a value, an object is
 * a directory listed one entry a line, sub-directories with a trailing "/" (as IMDS does). A
 * missing key is a 404, which is also how IMDS answers `ipv4-prefix` on an ENI without one.
 * `hiddenForFirstRequests` makes a path answer 404 for its first K GETs (a hot-plugged ENI
 * appears in IMDS a moment after its link).
 */

import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export interface ImdsTree {
  [key: string]: string | ImdsTree;
}

export interface FakeImdsOptions {
  /** Contents of /latest/meta-data/. */
  tree: ImdsTree;
  /** meta-data path (no leading or trailing "/") -> number of first GETs answered 404. */
  hiddenForFirstRequests?: Record<string, number>;
  /**
   * meta-data path -> number of first GETs answered with a malformed HTTP status line (what a
   * client sees as a protocol error, e.g. Python's http.client.BadStatusLine).
   */
  malformedForFirstRequests?: Record<string, number>;
  /** Answer PUT /latest/api/token with this status instead of a token (e.g. 403: IMDSv2 blocked). */
  tokenRefusalStatus?: number;
  /** GETs with any of the first N tokens issued answer 401, as for an expired token. */
  firstTokensRejected?: number;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
}

export interface RecordedImdsRequest {
  method: string;
  path: string;
  status: number;
  hadToken: boolean;
}

export interface FakeImds {
  /** e.g. http://127.0.0.1:41234 (the value for MULTUS_IMDS_ENDPOINT). */
  readonly endpoint: string;
  readonly requests: RecordedImdsRequest[];
  /** Replace the served tree (e.g. attach an ENI mid-test). */
  setTree(tree: ImdsTree): void;
  /** GETs seen so far for a meta-data path (normalised like hiddenForFirstRequests keys). */
  getCount(path: string): number;
  close(): Promise<void>;
}

export interface EniMetadata {
  mac: string;
  deviceNumber: number;
  networkCard?: number;
  interfaceId?: string;
  subnetIpv4CidrBlock?: string;
  localIpv4s?: string[];
  /** Omitted: the key is absent (404), as on an ENI with no prefix. */
  ipv4Prefix?: string[];
}

/** A meta-data tree with `mac` = the primary ENI's MAC and network/interfaces/macs/<mac>/... per ENI. */
export function eniMetadataTree(enis: readonly EniMetadata[]): ImdsTree {
  const macs: ImdsTree = {};
  for (const eni of enis) {
    const entry: ImdsTree = { "device-number": String(eni.deviceNumber), mac: eni.mac };
    if (eni.networkCard !== undefined) entry["network-card"] = String(eni.networkCard);
    if (eni.interfaceId !== undefined) entry["interface-id"] = eni.interfaceId;
    if (eni.subnetIpv4CidrBlock !== undefined) entry["subnet-ipv4-cidr-block"] = eni.subnetIpv4CidrBlock;
    if (eni.localIpv4s !== undefined) entry["local-ipv4s"] = eni.localIpv4s.join("\n");
    if (eni.ipv4Prefix !== undefined) entry["ipv4-prefix"] = eni.ipv4Prefix.join("\n");
    macs[eni.mac] = entry;
  }
  const primary = enis.find((e) => e.deviceNumber === 0);
  return { ...(primary ? { mac: primary.mac } : {}), network: { interfaces: { macs } } };
}

const MAX_TOKEN_TTL_SECONDS = 21600;

function normalise(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

function lookup(tree: ImdsTree, path: string): string | undefined {
  let node: string | ImdsTree = tree;
  for (const part of normalise(path)
    .split("/")
    .filter((p) => p.length > 0)) {
    if (typeof node === "string" || !(part in node)) return undefined;
    node = node[part];
  }
  if (typeof node === "string") return node;
  return Object.keys(node)
    .map((key) => (typeof (node as ImdsTree)[key] === "string" ? key : `${key}/`))
    .join("\n");
}

export async function startFakeImds(options: FakeImdsOptions): Promise<FakeImds> {
  let tree = options.tree;
  const hidden = new Map(
    Object.entries(options.hiddenForFirstRequests ?? {}).map(([k, v]) => [normalise(k), v]),
  );
  const malformed = new Map(
    Object.entries(options.malformedForFirstRequests ?? {}).map(([k, v]) => [normalise(k), v]),
  );
  const getCounts = new Map<string, number>();
  const tokens = new Map<string, number>(); // token -> expiry (ms)
  const rejectedTokens = new Set<string>();
  const requests: RecordedImdsRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://imds");
    const token = req.headers["x-aws-ec2-metadata-token"];
    const hadToken = typeof token === "string" && token.length > 0;
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? "", path: url.pathname, status, hadToken });
      res.writeHead(status, { "Content-Type": "text/plain", ...headers });
      res.end(body);
    };

    if (url.pathname === "/latest/api/token") {
      if (req.method !== "PUT") return reply(405, "Method Not Allowed");
      if (options.tokenRefusalStatus !== undefined) return reply(options.tokenRefusalStatus, "Forbidden");
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return reply(400, "Bad Request");
      const issued = randomBytes(24).toString("base64");
      tokens.set(issued, Date.now() + ttl * 1000);
      if (tokens.size <= (options.firstTokensRejected ?? 0)) rejectedTokens.add(issued);
      return reply(200, issued, { "X-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
    }
    const prefix = "/latest/meta-data/";
    if (!url.pathname.startsWith(prefix) && url.pathname !== "/latest/meta-data")
      return reply(404, "Not Found");
    if (req.method !== "GET") return reply(405, "Method Not Allowed");
    const expiry = hadToken ? tokens.get(token as string) : undefined;
    if (expiry === undefined || expiry < Date.now() || rejectedTokens.has(token as string))
      return reply(401, "Unauthorized");

    const path = normalise(url.pathname.slice(prefix.length));
    const count = (getCounts.get(path) ?? 0) + 1;
    getCounts.set(path, count);
    if (count <= (malformed.get(path) ?? 0)) {
      requests.push({ method: req.method ?? "", path: url.pathname, status: 0, hadToken });
      res.socket?.end("HTTP/1.1 OK-ISH\r\n\r\n");
      return;
    }
    if (count <= (hidden.get(path) ?? 0) + (malformed.get(path) ?? 0)) return reply(404, "Not Found");
    const value = lookup(tree, path);
    return value === undefined ? reply(404, "Not Found") : reply(200, value);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setTree: (next) => {
      tree = next;
    },
    getCount: (path) => getCounts.get(normalise(path)) ?? 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
