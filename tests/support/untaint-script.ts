/**
 * Runs the node script multus-eks-untaint outside a node: the real AWS CLI (the project's venv) with
 * the credentials an instance profile would give, and every node path and endpoint pointed at the
 * test's own (the script's MULTUS_EKS_* settings).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { startFakeImds, type FakeImds } from "./fake-imds";
import { DUMMY_CREDENTIALS, REPO_ROOT } from "./moto";

export const UNTAINT_SCRIPT = join(
  REPO_ROOT,
  "components/nodegroup/rootfs/usr/local/sbin/multus-eks-untaint",
);

export interface UntaintScriptEnvironment {
  /** Holds node-config.json, 00-multus.conf and multus.sock; also the script's HOME. */
  readonly dir: string;
  readonly awsEndpoint: string;
  readonly apiServer: string;
  readonly caFile: string;
  readonly imdsEndpoint: string;
  readonly timeoutSeconds: number;
  readonly intervalSeconds: number;
}

export function spawnUntaintScript(environment: UntaintScriptEnvironment): ChildProcess {
  const { dir } = environment;
  return spawn("bash", [UNTAINT_SCRIPT], {
    env: {
      PATH: `${join(REPO_ROOT, ".venv", "bin")}:${process.env.PATH ?? ""}`,
      HOME: dir,
      // The node role's credentials, as the instance profile would provide them.
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL: environment.awsEndpoint,
      MULTUS_EKS_NODE_CONFIG: join(dir, "node-config.json"),
      MULTUS_EKS_CNI_CONF_DIR: dir,
      MULTUS_EKS_MULTUS_SOCKET: join(dir, "multus.sock"),
      MULTUS_EKS_API_SERVER: environment.apiServer,
      MULTUS_EKS_CA_FILE: environment.caFile,
      MULTUS_EKS_IMDS_ENDPOINT: environment.imdsEndpoint,
      MULTUS_EKS_UNTAINT_TIMEOUT_SECONDS: String(environment.timeoutSeconds),
      MULTUS_EKS_UNTAINT_INTERVAL_SECONDS: String(environment.intervalSeconds),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/** The instance metadata the script reads, for one node of the China partition. */
export function startNodeImds(node: { instanceId: string; name: string; zone: string }): Promise<FakeImds> {
  return startFakeImds({
    tree: {
      "instance-id": node.instanceId,
      "local-hostname": node.name,
      placement: { "availability-zone": node.zone },
      services: { partition: "aws-cn" },
    },
  });
}
