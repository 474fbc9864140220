/**
 * A real Kubernetes control plane on 127.0.0.1 for tests: etcd (Debian's etcd-server),
 * kube-apiserver, kube-controller-manager and kube-scheduler at EKS's version (tests/k8s/build.sh
 * builds them from the Go module proxy once and caches them), configured as EKS is where it matters:
 * `--authorization-mode=Node,RBAC`, `--enable-admission-plugins=NodeRestriction`,
 * `--allow-privileged=true`, Pod Security Admission at its defaults (privileged), token
 * authentication only.
 *
 *   const cluster = await startKubeCluster();
 *   await cluster.kubectl(["apply", "--server-side", "-f", "-"], { input: yaml });
 *   const token = cluster.tokenFor({ username: "arn:aws-cn:sts::1:assumed-role/r/i-1", groups: ["g"] });
 *   const { status } = await cluster.request("PATCH", "/api/v1/nodes/n", { token, body, contentType });
 *   await cluster.stop();
 *
 * Identities: `adminToken` (system:masters); `tokenFor` mints a token for any user and groups,
 * answered by a token-review webhook in this process (as EKS answers its IAM tokens with
 * aws-iam-authenticator); `setTokenReviewer` lets a test authenticate other tokens itself (e.g.
 * EKS `k8s-aws-v1.` tokens against an STS emulator).
 *
 * Every process binds 127.0.0.1 on a free port and is stopped by `stop()`; a watchdog stops them
 * too when this process dies without calling it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../support/moto";
import { makePki } from "./pki";

const BUILD_SCRIPT = resolve(__dirname, "..", "build.sh");
/** EKS's default service range for a VPC in 10.0.0.0/8. */
const SERVICE_RANGE = "172.20.0.0/16";
const SERVICE_IP = "172.20.0.1";
const START_TIMEOUT_MS = 180_000;

export interface KubeIdentity {
  readonly username: string;
  readonly groups?: readonly string[];
  readonly uid?: string;
}

/** Resolves a bearer token to an identity, or undefined to refuse it (401). */
export type TokenReviewer = (token: string) => Promise<KubeIdentity | undefined>;

export interface KubeClusterOptions {
  /** Run kube-controller-manager (service accounts, DaemonSet/Deployment/Job pods, garbage collector). Default true. */
  readonly controllerManager?: boolean;
  /** Run kube-scheduler (binds pods to Nodes). Default true. */
  readonly scheduler?: boolean;
  /** Extra kube-apiserver flags. */
  readonly apiServerFlags?: readonly string[];
}

export interface KubectlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ApiResponse {
  readonly status: number;
  /** Parsed JSON, or the text when it is not JSON. */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface KubeCluster {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** Scratch directory: certificates, kubeconfigs, logs (`*.log`). */
  readonly dir: string;
  readonly caFile: string;
  /** Directory of kube-apiserver, kube-controller-manager, kube-scheduler and kubectl. */
  readonly binDir: string;
  /** A system:masters token. */
  readonly adminToken: string;
  /** Path of an admin kubeconfig file. */
  readonly kubeconfig: string;
  /** A kubeconfig (YAML) that authenticates with `token` (default: admin). */
  kubeconfigYaml(token?: string): string;
  /** A token the API server authenticates as `identity`. */
  tokenFor(identity: KubeIdentity): string;
  /** Authenticate tokens `tokenFor` does not know (undefined: only those). */
  setTokenReviewer(reviewer: TokenReviewer | undefined): void;
  /** Runs the real kubectl (admin unless `token`); never throws on a non-zero exit. */
  kubectl(args: readonly string[], options?: { input?: string; token?: string }): Promise<KubectlResult>;
  /** One HTTPS request to the API server (admin unless `token`). */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; contentType?: string },
  ): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** Builds (once, then cached) or finds the control-plane commands; returns their directory. */
export function kubernetesBinaries(): string {
  const result = spawnSync("bash", [BUILD_SCRIPT], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) throw new Error(`tests/k8s/build.sh failed (exit ${result.status})`);
  return result.stdout.trim().split("\n").pop()!;
}

function kubeconfigYaml(server: string, caFile: string, token: string): string {
  const ca = readFileSync(caFile).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    "users:",
    "- name: test",
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: test",
    "  context: {cluster: test, user: test}",
    "current-context: test",
    "",
  ].join("\n");
}

/** The token-review webhook: answers `tokenFor` tokens, then asks the test's reviewer. */
async function startTokenWebhook(
  known: Map<string, KubeIdentity>,
  reviewer: () => TokenReviewer | undefined,
): Promise<{ server: Server; url: string }> {
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { spec: { token: string } };
    const token = review.spec.token;
    const identity = known.get(token) ?? (await reviewer()?.(token));
    const status = identity
      ? {
          authenticated: true,
          user: {
            username: identity.username,
            uid: identity.uid ?? "",
            groups: [...(identity.groups ?? [])],
          },
        }
      : { authenticated: false };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", status }));
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Kills `pids` and removes `dir` once `parent` is gone: a detached shell, so that a test run killed
 * without cleanup leaves no control plane behind.
 */
function startWatchdog(parent: number, pids: number[], dir: string): ChildProcess {
  const list = pids.join(" ");
  const script = `while kill -0 ${parent} 2>/dev/null; do sleep 1; done; kill ${list} 2>/dev/null; sleep 5; kill -9 ${list} 2>/dev/null; rm -rf '${dir}'`;
  const watchdog = spawn("bash", ["-c", script], { detached: true, stdio: "ignore" });
  watchdog.unref();
  return watchdog;
}

export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const binDir = kubernetesBinaries();
  const dir = mkdtempSync(join(tmpdir(), "kube-"));
  const pki = makePki(dir, SERVICE_IP);
  const children: { name: string; child: ChildProcess; log: string }[] = [];
  const known = new Map<string, KubeIdentity>();
  let reviewer: TokenReviewer | undefined;
  const webhook = await startTokenWebhook(known, () => reviewer);
  let watchdog: ChildProcess | undefined;

  const newToken = () => randomBytes(24).toString("hex");
  const adminToken = newToken();
  const controllerToken = newToken();
  const schedulerToken = newToken();
  // token,user,uid,"group1,group2" (kube-apiserver --token-auth-file)
  writeFileSync(
    join(dir, "tokens.csv"),
    [
      `${adminToken},multus-eks-test-admin,admin,"system:masters"`,
      `${controllerToken},system:kube-controller-manager,kcm,""`,
      `${schedulerToken},system:kube-scheduler,scheduler,""`,
    ].join("\n") + "\n",
  );
  writeFileSync(
    join(dir, "token-webhook.yaml"),
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      `- name: webhook\n  cluster: {server: "${webhook.url}"}`,
      "users:",
      "- name: apiserver\n  user: {}",
      "contexts:",
      "- name: webhook\n  context: {cluster: webhook, user: apiserver}",
      "current-context: webhook",
      "",
    ].join("\n"),
  );

  const run = (name: string, command: string, args: string[]) => {
    const log = join(dir, `${name}.log`);
    const fd = openSync(log, "a");
    const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    children.push({ name, child, log });
    return child;
  };

  const stop = async () => {
    for (const { child } of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    watchdog?.kill("SIGKILL");
    await new Promise((done) => webhook.server.close(done));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const etcdClient = await freePort();
    const etcdPeer = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    run("etcd", "etcd", [
      "--name=test",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      "--log-level=warn",
    ]);

    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    run("kube-apiserver", join(binDir, "kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${dir}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      `--authentication-token-webhook-config-file=${join(dir, "token-webhook.yaml")}`,
      "--authentication-token-webhook-version=v1",
      "--authentication-token-webhook-cache-ttl=5s",
      // As EKS (and the issue): Node+RBAC authorizers, NodeRestriction, privileged pods allowed.
      "--authorization-mode=Node,RBAC",
      "--enable-admission-plugins=NodeRestriction",
      "--allow-privileged=true",
      `--service-cluster-ip-range=${SERVICE_RANGE}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      // 127.0.0.1 is not a valid Endpoints address: no endpoint reconciler for the `kubernetes` Service.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      ...(options.apiServerFlags ?? []),
    ]);

    const adminKubeconfig = join(dir, "admin.kubeconfig");
    writeFileSync(adminKubeconfig, kubeconfigYaml(server, pki.caCert, adminToken));

    const request: KubeCluster["request"] = (method, path, requestOptions = {}) =>
      new Promise((resolveResponse, reject) => {
        const body =
          requestOptions.body === undefined
            ? undefined
            : typeof requestOptions.body === "string"
              ? requestOptions.body
              : JSON.stringify(requestOptions.body);
        const req = httpsRequest(
          `${server}${path}`,
          {
            method,
            ca: readFileSync(pki.caCert),
            headers: {
              authorization: `Bearer ${requestOptions.token ?? adminToken}`,
              accept: "application/json",
              ...(body === undefined
                ? {}
                : { "content-type": requestOptions.contentType ?? "application/json" }),
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON (e.g. /readyz answers "ok")
              }
              resolveResponse({ status: response.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on("error", reject);
        if (body !== undefined) req.write(body);
        req.end();
      });

    const kubectl: KubeCluster["kubectl"] = (args, kubectlOptions = {}) => {
      const config = kubectlOptions.token
        ? join(dir, `kubeconfig-${randomBytes(4).toString("hex")}`)
        : adminKubeconfig;
      if (kubectlOptions.token)
        writeFileSync(config, kubeconfigYaml(server, pki.caCert, kubectlOptions.token));
      return new Promise((done, reject) => {
        const child = spawn(join(binDir, "kubectl"), [`--kubeconfig=${config}`, ...args], {
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (status) => {
          if (config !== adminKubeconfig) rmSync(config, { force: true });
          done({ status, stdout, stderr });
        });
        child.stdin.end(kubectlOptions.input ?? "");
      });
    };

    const deadline = Date.now() + START_TIMEOUT_MS;
    const waitFor = async (what: string, ready: () => Promise<boolean>) => {
      while (!(await ready().catch(() => false))) {
        const dead = children.find(({ child }) => child.exitCode !== null);
        if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}):\n${tail(dead.log)}`);
        if (Date.now() > deadline) {
          throw new Error(
            `${what} not ready in ${START_TIMEOUT_MS / 1000} s:\n${children.map((c) => `${c.name}:\n${tail(c.log, 15)}`).join("\n")}`,
          );
        }
        await new Promise((wait) => setTimeout(wait, 250));
      }
    };
    await waitFor("kube-apiserver", async () => (await request("GET", "/readyz")).status === 200);

    const componentKubeconfig = (name: string, token: string) => {
      const path = join(dir, `${name}.kubeconfig`);
      writeFileSync(path, kubeconfigYaml(server, pki.caCert, token));
      return path;
    };
    if (options.controllerManager ?? true) {
      run("kube-controller-manager", join(binDir, "kube-controller-manager"), [
        `--kubeconfig=${componentKubeconfig("controller-manager", controllerToken)}`,
        "--secure-port=0",
        "--leader-elect=false",
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--service-cluster-ip-range=${SERVICE_RANGE}`,
        // No kubelets report here: the node lifecycle controller would taint every Node not-ready,
        // and node IPAM would write podCIDRs the admission tests check themselves.
        "--controllers=*,-node-lifecycle-controller,-node-ipam-controller",
      ]);
    }
    if (options.scheduler ?? true) {
      run("kube-scheduler", join(binDir, "kube-scheduler"), [
        `--kubeconfig=${componentKubeconfig("scheduler", schedulerToken)}`,
        `--authentication-kubeconfig=${join(dir, "scheduler.kubeconfig")}`,
        `--authorization-kubeconfig=${join(dir, "scheduler.kubeconfig")}`,
        "--secure-port=0",
        "--leader-elect=false",
      ]);
    }
    watchdog = startWatchdog(process.pid, children.map(({ child }) => child.pid!).filter(Boolean), dir);
    if (options.controllerManager ?? true) {
      // The service-account controller has run once the `default` namespace has its account.
      await waitFor(
        "kube-controller-manager",
        async () =>
          (await request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
      );
    }

    return {
      server,
      dir,
      caFile: pki.caCert,
      binDir,
      adminToken,
      kubeconfig: adminKubeconfig,
      kubeconfigYaml: (token = adminToken) => kubeconfigYaml(server, pki.caCert, token),
      tokenFor: (identity) => {
        const token = newToken();
        known.set(token, identity);
        return token;
      },
      setTokenReviewer: (next) => {
        reviewer = next;
      },
      kubectl,
      request,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Mocha: a cluster for the enclosing `describe`, started in `before` and stopped in `after`.
 * `cluster()` gives it inside the tests.
 */
export function useKubeCluster(options: KubeClusterOptions = {}): () => KubeCluster {
  let cluster: KubeCluster | undefined;
  before(async function () {
    this.timeout(START_TIMEOUT_MS + 900_000); // a fresh machine builds the commands first
    cluster = await startKubeCluster(options);
  });
  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    cluster = undefined;
  });
  return () => {
    if (!cluster)
      throw new Error("the Kubernetes cluster is not running (useKubeCluster's before hook failed?)");
    return cluster;
  };
}
