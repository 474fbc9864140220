/**
 * What the cluster says after `pulumi up`: every node lost its startup taint (its Multus ENIs were
 * set up), aws-node runs with its IRSA role and without web-identity errors, and each connectivity
 * check Job succeeded (each NAD's sample pods pinged each other).
 */
import { STARTUP_TAINT_KEY } from "../../../components/nodegroup/startup-taint";
import { VPC_CNI_SERVICE_ACCOUNT } from "../../cluster";
import { Check, fail, pass, skip } from "../../preflight/types";
import type { VerifyContext } from "../context";

interface Node {
  metadata: { name: string };
  spec?: { taints?: { key: string; effect: string }[] };
}

interface Job {
  metadata: { name: string; namespace: string };
  status?: { succeeded?: number; failed?: number; active?: number };
}

/** What aws-node logs when its IRSA role cannot be assumed (STS's error codes and messages). */
export const WEB_IDENTITY_ERRORS = [
  /WebIdentityErr/,
  /InvalidIdentityToken/,
  /Incorrect token audience/,
  /Not authorized to perform sts:AssumeRoleWithWebIdentity/,
];

// The EKS Pod Identity Webhook's annotation key: a Kubernetes name, the same in every partition (not an endpoint).
const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
const { namespace: CNI_NAMESPACE, name: CNI_NAME } = VPC_CNI_SERVICE_ACCOUNT;

export const kubernetesChecks: readonly Check<VerifyContext>[] = [
  {
    family: "nodes",
    name: "startup taint gone",
    async run(context) {
      const nodes = await context.kubeList<Node>(["nodes"]);
      if ("error" in nodes)
        return fail(
          `kubectl get nodes: ${nodes.error}`,
          "check the kubeconfig and the API endpoint's reachability",
        );
      if (nodes.items.length === 0) {
        return fail(
          "no node has registered",
          "see the ENI Lambda's alarms and a node's console output (aws ec2 get-console-output)",
        );
      }
      const tainted = nodes.items
        .filter((node) => (node.spec?.taints ?? []).some((taint) => taint.key === STARTUP_TAINT_KEY))
        .map((node) => node.metadata.name);
      if (tainted.length > 0) {
        return fail(
          `${tainted.length} of ${nodes.items.length} node(s) still carry ${STARTUP_TAINT_KEY}: ${tainted.join(", ")}`,
          "on such a node: journalctl -u multus-eks-untaint.service and -u multus-eni@* (the taint goes once its Multus ENIs are set up); replace the node if its ENIs never came",
        );
      }
      return pass(`${nodes.items.length} node(s), none with ${STARTUP_TAINT_KEY}`);
    },
  },
  {
    family: "VPC CNI",
    name: "aws-node IRSA role",
    async run(context) {
      const account = await context.kubeList<{ metadata: { annotations?: Record<string, string> } }>([
        "serviceaccount",
        CNI_NAME,
        "-n",
        CNI_NAMESPACE,
      ]);
      if ("error" in account)
        return fail(
          `kubectl get serviceaccount ${CNI_NAME}: ${account.error}`,
          "is the VPC CNI add-on installed?",
        );
      const role = account.items[0]?.metadata.annotations?.[IRSA_ANNOTATION];
      const expected = context.outputs.vpcCniRoleArn;
      if (role !== expected) {
        return fail(
          `${CNI_NAMESPACE}/${CNI_NAME} is annotated ${IRSA_ANNOTATION}=${role ?? "(none)"}, not the stack's ${expected}`,
          "run pulumi up again: the vpc-cni add-on sets the annotation from its serviceAccountRoleArn",
        );
      }
      const daemonSet = await context.kubeList<{
        status?: { desiredNumberScheduled?: number; numberReady?: number };
      }>(["daemonset", CNI_NAME, "-n", CNI_NAMESPACE]);
      if ("error" in daemonSet)
        return fail(
          `kubectl get daemonset ${CNI_NAME}: ${daemonSet.error}`,
          "is the VPC CNI add-on installed?",
        );
      const { desiredNumberScheduled = 0, numberReady = 0 } = daemonSet.items[0]?.status ?? {};
      if (desiredNumberScheduled === 0 || numberReady < desiredNumberScheduled) {
        return fail(
          `aws-node ready on ${numberReady} of ${desiredNumberScheduled} node(s)`,
          `kubectl -n ${CNI_NAMESPACE} describe daemonset ${CNI_NAME}, and its pods' logs`,
        );
      }
      return pass(`annotated with ${expected}; ready on ${numberReady} of ${desiredNumberScheduled} node(s)`);
    },
  },
  {
    family: "VPC CNI",
    name: "aws-node web identity",
    async run(context) {
      const pods = await context.kubeList<{ metadata: { name: string } }>([
        "pods",
        "-n",
        CNI_NAMESPACE,
        "-l",
        "k8s-app=aws-node",
      ]);
      if ("error" in pods) return fail(`kubectl get pods: ${pods.error}`, "check the kubeconfig");
      if (pods.items.length === 0) return fail("no aws-node pod", "is the VPC CNI add-on installed?");
      const found: string[] = [];
      for (const pod of pods.items) {
        const logs = await context.kubectl([
          "logs",
          "-n",
          CNI_NAMESPACE,
          pod.metadata.name,
          "-c",
          "aws-node",
          "--tail=500",
        ]);
        if (logs.code !== 0)
          return skip(`could not read ${pod.metadata.name}'s logs: ${logs.stderr.trim().split("\n")[0]}`);
        const line = logs.stdout
          .split("\n")
          .find((text) => WEB_IDENTITY_ERRORS.some((pattern) => pattern.test(text)));
        if (line) found.push(`${pod.metadata.name}: ${line.trim().slice(0, 200)}`);
      }
      if (found.length > 0) {
        return fail(
          `web-identity errors in aws-node's logs: ${found.join("; ")}`,
          "the IRSA role's trust (its OIDC provider, audience sts.amazonaws.com and subject system:serviceaccount:kube-system:aws-node) does not match the token: see docs/china.md, section Checked in the China documentation",
        );
      }
      return pass(`no web-identity error in the last 500 lines of ${pods.items.length} aws-node pod(s)`);
    },
  },
  {
    family: "networks",
    name: "connectivity checks",
    async run(context) {
      const names = context.outputs.checkJobNames;
      if (names.length === 0)
        return skip(
          "the stack runs no connectivity check (samplesEnabled or connectivityCheckEnabled is false)",
        );
      const jobs = await context.kubeList<Job>(["jobs", "-A"]);
      if ("error" in jobs) return fail(`kubectl get jobs: ${jobs.error}`, "check the kubeconfig");
      const problems = names.flatMap((name) => {
        const job = jobs.items.find((candidate) => candidate.metadata.name === name);
        if (!job) return [`${name}: not found`];
        const { succeeded = 0, failed = 0 } = job.status ?? {};
        if (succeeded > 0) return [];
        return [failed > 0 ? `${name}: failed ${failed} time(s)` : `${name}: not finished yet`];
      });
      if (problems.length > 0) {
        return fail(
          problems.join("; "),
          "kubectl logs job/<name> (each line names the NAD and the address it pinged); a Job still running: run verify again in a minute",
        );
      }
      return pass(`${names.length} check Job(s) succeeded: ${names.join(", ")}`);
    },
  },
];
