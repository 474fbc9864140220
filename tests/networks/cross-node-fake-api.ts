/**
 * A fake Kubernetes API for the cross-node check script, run as its own process so it can sit
 * inside the check pod's network namespace (its 127.0.0.1):
 * `ip netns exec NS node -r ts-node/register/transpile-only tests/networks/cross-node-fake-api.ts OPTIONS.json`.
 * Serves GET /api/v1/namespaces/<ns>/pods/<name> from the JSON file named in the options (read
 * on every request, so a test can change the pod), only with the expected bearer token; 403
 * otherwise, 404 when the file is missing. Prints {"endpoint": ...} once listening, then one
 * {"request": path, "status": code} line per request. Stops on SIGTERM or when stdin closes.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface FakeApiOptions {
  readonly token: string;
  readonly namespace: string;
  readonly pod: string;
  /** File holding the pod's JSON. */
  readonly podFile: string;
  /** PEM files; https when set (as the in-cluster API), http otherwise. */
  readonly tls?: { readonly keyFile: string; readonly certFile: string };
}

function main(): void {
  const optionsFile = process.argv[2];
  if (optionsFile === undefined) throw new Error("usage: cross-node-fake-api.ts OPTIONS.json");
  const options = JSON.parse(readFileSync(optionsFile, "utf8")) as FakeApiOptions;
  const podPath = `/api/v1/namespaces/${options.namespace}/pods/${options.pod}`;
  const handler: RequestListener = (request, response) => {
    const reply = (status: number, body: unknown) => {
      process.stdout.write(`${JSON.stringify({ request: request.url, status })}\n`);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      reply(403, { kind: "Status", status: "Failure", reason: "Forbidden", code: 403 });
    } else if (request.method !== "GET" || request.url !== podPath || !existsSync(options.podFile)) {
      reply(404, { kind: "Status", status: "Failure", reason: "NotFound", code: 404 });
    } else {
      reply(200, JSON.parse(readFileSync(options.podFile, "utf8")));
    }
  };
  const server = options.tls
    ? createHttpsServer(
        {
          key: readFileSync(options.tls.keyFile),
          cert: readFileSync(options.tls.certFile),
          // Debian's busybox 1.35 wget (own TLS code) speaks TLS 1.2 only and offers only
          // signature algorithms OpenSSL 3 refuses at its default security level.
          maxVersion: "TLSv1.2",
          ciphers: "DEFAULT:@SECLEVEL=0",
        },
        handler,
      )
    : createHttpServer(handler);
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    const scheme = options.tls ? "https" : "http";
    process.stdout.write(`${JSON.stringify({ endpoint: `${scheme}://127.0.0.1:${port}` })}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
}

main();
