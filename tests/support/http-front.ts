/**
 * What the test fronts in front of moto share (tests/preflight/fake-aws-gaps.ts,
 * tests/verify/world.ts): read a request's body, and pass a request on to moto unchanged, either
 * straight back to the caller or as an answer the front may rewrite.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";

export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The upstream's whole answer to the same request. */
export function forwardRequest(
  upstream: URL,
  message: IncomingMessage,
  body: Buffer,
): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: message.method,
        path: message.url,
        headers: message.headers,
      },
      (answer) => {
        void readBody(answer).then(
          (received) =>
            resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: received }),
          reject,
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** Passes the request on and its answer back, unchanged; a 502 if the upstream cannot be reached. */
export function forward(
  upstream: URL,
  message: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
): void {
  forwardRequest(upstream, message, body).then(
    (answer) => {
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    },
    (error: unknown) => {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end(String(error));
    },
  );
}
