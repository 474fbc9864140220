/**
 * What the verify checks share: the stack's settings and outputs, `kubectl` with the stack's
 * kubeconfig (kubectl runs the kubeconfig's `aws eks get-token` itself), and AWS SDK clients for
 * the stack's region with the default credential chain. Everything is read-only, but for the one
 * SSM command that asks a node whether it may assume the untaint role.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { StackSettings } from "../config/settings";
import type { StackOutputs } from "./outputs";

/** TEST ONLY, not a user setting: the kubectl to run (default `kubectl` on PATH). */
export const KUBECTL_ENV = "MULTUS_EKS_KUBECTL";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface VerifyClients {
  readonly autoscaling: AutoScalingClient;
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
}

export function createVerifyClients(region: string): VerifyClients {
  const config = { region, maxAttempts: 3 };
  return {
    autoscaling: new AutoScalingClient(config),
    cloudwatch: new CloudWatchClient(config),
    ssm: new SSMClient(config),
  };
}

export interface VerifyOptions {
  /** How long the SSM probe may take before it is reported as not answered (default 90 s). */
  readonly probeTimeoutMs?: number;
  /** Between two GetCommandInvocation calls (default 2 s). */
  readonly probePollMs?: number;
}

export class VerifyContext {
  private readonly scratch = mkdtempSync(join(tmpdir(), "multus-verify-"));
  private readonly kubeconfigPath = join(this.scratch, "kubeconfig");

  constructor(
    readonly settings: StackSettings,
    readonly outputs: StackOutputs,
    readonly aws: VerifyClients,
    readonly options: VerifyOptions = {},
  ) {
    writeFileSync(this.kubeconfigPath, outputs.kubeconfig, { mode: 0o600 });
  }

  /** `kubectl <args>` against the stack's cluster; never throws. */
  kubectl(args: readonly string[]): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile(
        process.env[KUBECTL_ENV] || "kubectl",
        ["--kubeconfig", this.kubeconfigPath, "--request-timeout=20s", ...args],
        { maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
          resolve({ code, stdout, stderr: stderr || (error && !stderr ? error.message : "") });
        },
      );
    });
  }

  /** `kubectl get <what> -o json`, parsed: the list's items. */
  async kubeList<T>(what: readonly string[]): Promise<{ items: T[] } | { error: string }> {
    const result = await this.kubectl(["get", ...what, "-o", "json"]);
    if (result.code !== 0) return { error: result.stderr.trim() || `kubectl exited ${result.code}` };
    const parsed = JSON.parse(result.stdout) as { items?: T[] };
    return { items: parsed.items ?? [parsed as T] };
  }

  dispose(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
