/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of a moto server, for benchmarks and tests
 * only. The SDK clients point at it; it reads the query-protocol form body (Action=...) and
 * - rate-limits EC2 actions with a token bucket per action, answering HTTP 503 RequestLimitExceeded
 *   as EC2 does (token-bucket.ts);
 * - injects targeted and random faults from a seed (fault-injector.ts);
 * - answers as EC2 where moto is lenient (ClientToken, attach conflicts, address holders and
 *   explicit subnet CIDR reservations; ec2-fidelity.ts, ec2-addresses.ts);
 * - answers Auto Scaling's CompleteLifecycleAction itself and records every CONTINUE and ABANDON
 *   with its instance ID (lifecycle-ledger.ts). Other Auto Scaling calls go to moto;
 * - optionally adds EC2-like latency: a round trip per request, and attachments that stay
 *   `attaching` for a while (latency-model.ts).
 */

import { EC2Client } from "@aws-sdk/client-ec2";
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { motoClientConfig } from "../../tests/support/moto";
import { autoScalingError, ec2Error, requestLimitExceeded, serverError, type Reply } from "./aws-replies";
import { Ec2Fidelity, type Ec2FidelityOptions, type Forwarded } from "./ec2-fidelity";
import { FaultInjector, type TargetedFault } from "./fault-injector";
import { LatencyModel, type LatencyOptions } from "./latency-model";
import { LifecycleLedger } from "./lifecycle-ledger";
import {
  EC2_THROTTLE_TABLE,
  TokenBucket,
  bucketSpecFor,
  requestBucket,
  type ThrottleTable,
} from "./token-bucket";

export type Service = "ec2" | "autoscaling" | "other";

export interface ChaosProxyOptions {
  /** The moto server, e.g. http://127.0.0.1:5000 */
  upstream: string;
  seed?: string | number;
  /** EC2 throttling buckets; false turns rate limiting off. Default: EC2's published figures. */
  throttle?: ThrottleTable | false;
  /** Probability that any request fails with a random 500/503 (before or after moto). */
  randomErrorRate?: number;
  faults?: TargetedFault[];
  /** Answer as EC2 where moto is lenient (ClientToken, attach conflicts, addresses). Default true. */
  ec2Fidelity?: boolean;
  /** Options of the EC2 fidelity layer (Describe lag, per-ENI limits, collision codes). */
  fidelity?: Ec2FidelityOptions;
  /** EC2-like latency (round trip, attach time); off when absent. */
  latency?: LatencyOptions;
  nowMs?: () => number;
}

export interface ActionStats {
  /** Requests that reached the proxy (every SDK attempt). */
  requests: number;
  throttled: number;
  injected: number;
  /** Requests performed by moto (or the ledger) with a 2xx answer, whatever the client then got. */
  performed: number;
}

export interface ChaosProxy {
  endpoint: string;
  ledger: LifecycleLedger;
  fidelity: Ec2Fidelity;
  faults: FaultInjector;
  latency?: LatencyModel;
  stats: Map<string, ActionStats>;
  /** Bucket spec per EC2 action seen (for computing lower bounds). */
  bucketFor(action: string): { capacity: number; refillPerSecond: number } | undefined;
  stop(): Promise<void>;
}

/** SigV4's credential scope names the service: Credential=KEY/DATE/REGION/SERVICE/aws4_request. */
export function serviceOf(authorization: string | undefined): Service {
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization ?? "")?.[1];
  return service === "ec2" || service === "autoscaling" ? service : "other";
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.on("end", () => resolveBody(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

function send(response: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const body = Buffer.from(reply.body);
  response.writeHead(reply.status, {
    ...headers,
    "content-type": headers["content-type"] ?? "text/xml",
    "content-length": String(body.length),
  });
  response.end(body);
}

export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const throttle = options.throttle === undefined ? EC2_THROTTLE_TABLE : options.throttle;
  const buckets = new Map<string, TokenBucket>();
  const stats = new Map<string, ActionStats>();
  const ledger = new LifecycleLedger();
  const faults = new FaultInjector(options.faults ?? [], options.randomErrorRate ?? 0, options.seed ?? 1);
  const upstreamEc2 = new EC2Client({ ...motoClientConfig(options.upstream), maxAttempts: 1 });
  const fidelity = new Ec2Fidelity(upstreamEc2, options.seed ?? 1, {
    nowMs: options.nowMs,
    ...options.fidelity,
  });
  const useFidelity = options.ec2Fidelity ?? true;
  const latency = options.latency ? new LatencyModel(options.latency, options.nowMs) : undefined;

  const statsOf = (action: string): ActionStats => {
    let entry = stats.get(action);
    if (!entry) {
      entry = { requests: 0, throttled: 0, injected: 0, performed: 0 };
      stats.set(action, entry);
    }
    return entry;
  };
  const bucketOf = (action: string, params: URLSearchParams): TokenBucket | undefined => {
    if (!throttle) return undefined;
    const { key, spec } = requestBucket(throttle, action, params);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(spec, options.nowMs);
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<Forwarded> =>
    new Promise((resolveReply, reject) => {
      const outgoing = request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: upstream.host, "content-length": String(body.length) },
          agent,
        },
        (answer) => {
          readBody(answer).then((data) => {
            const headers: Record<string, string> = {};
            const type = answer.headers["content-type"];
            if (type) headers["content-type"] = type;
            resolveReply({ status: answer.statusCode ?? 502, body: data.toString("utf8"), headers });
          }, reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(incoming);
    const answered = latency
      ? await latency.roundTrip(() => answer(incoming, body))
      : await answer(incoming, body);
    send(response, answered, answered.headers);
  }

  async function answer(
    incoming: IncomingMessage,
    body: Buffer,
  ): Promise<Reply & { headers?: Record<string, string> }> {
    const params = new URLSearchParams(body.toString("utf8"));
    const action = params.get("Action") ?? "(none)";
    const service = serviceOf(incoming.headers.authorization);
    const entry = statsOf(action);
    entry.requests++;
    const decision = faults.decide(action);
    const throttled = (): Reply =>
      service === "autoscaling"
        ? autoScalingError(400, "Throttling", "Rate exceeded")
        : requestLimitExceeded();

    if (decision.kind === "throttle") {
      entry.injected++;
      return throttled();
    }
    if (decision.kind === "refuse") {
      entry.injected++;
      return ec2Error(403, "UnauthorizedOperation", `You are not authorized to perform ${action}`);
    }
    if (service === "ec2" && bucketOf(action, params)?.tryTake() === false) {
      entry.throttled++;
      return throttled();
    }
    if (decision.kind === "fail-before") {
      entry.injected++;
      return serverError(service === "autoscaling" ? "autoscaling" : "ec2", decision.status);
    }
    let reply: Forwarded;
    if (service === "autoscaling" && action === "CompleteLifecycleAction") {
      reply = { ...ledger.complete(params), headers: {} };
    } else if (service === "ec2" && useFidelity) {
      // moto does not check signatures, so rewritten parameters may go with the original headers.
      reply = await fidelity.perform(action, params, (rewritten) =>
        forward(incoming, rewritten ? Buffer.from(rewritten.toString(), "utf8") : body),
      );
    } else {
      reply = await forward(incoming, body);
    }
    if (reply.status >= 200 && reply.status < 300) {
      entry.performed++;
      if (latency && service === "ec2") {
        if (action === "AttachNetworkInterface") latency.noteAttach(reply.body);
        else if (action === "DescribeNetworkInterfaces" || action === "DescribeInstances")
          reply = { ...reply, body: latency.rewrite(reply.body) };
      }
    }
    if (decision.kind === "fail-after") {
      entry.injected++;
      return serverError(service === "autoscaling" ? "autoscaling" : "ec2", decision.status);
    }
    return reply;
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, ec2Error(502, "ProxyError", String(error)));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", () => listening()));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    ledger,
    fidelity,
    faults,
    latency,
    stats,
    bucketFor: (action) => (throttle ? bucketSpecFor(throttle, action) : undefined),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
      agent.destroy();
      upstreamEc2.destroy();
    },
  };
}
