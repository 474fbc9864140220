/**
 * The stack outputs `npm run verify` reads: from `pulumi stack output --json --show-secrets`, or from
 * a file of that command's output (`--outputs file.json`). Only the fields the checks use.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { UsageError } from "../cli";

export interface NodeGroupOutputs {
  readonly autoScalingGroupName: string;
  readonly alarmNames: readonly string[];
}

export interface StackOutputs {
  readonly region: string;
  readonly clusterName: string;
  /** The kubeconfig `pulumi up` exported (it runs `aws eks get-token` for its credentials). */
  readonly kubeconfig: string;
  readonly nodeGroups: Readonly<Record<string, NodeGroupOutputs>>;
  readonly startupUntaintRoleArn: string;
  readonly vpcCniRoleArn: string;
  readonly checkJobNames: readonly string[];
}

const REQUIRED: readonly (keyof StackOutputs)[] = [
  "region",
  "clusterName",
  "kubeconfig",
  "nodeGroups",
  "startupUntaintRoleArn",
  "vpcCniRoleArn",
  "checkJobNames",
];

export function parseOutputs(text: string, source: string): StackOutputs {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(
      `${source} is not the JSON of \`pulumi stack output --json\`: ${(error as Error).message}`,
    );
  }
  const missing = REQUIRED.filter((key) => parsed[key] === undefined);
  if (missing.length > 0) {
    throw new UsageError(
      `${source} lacks ${missing.join(", ")}: run \`pulumi up\` with this version of the program first (it exports them)`,
    );
  }
  const kubeconfig = parsed.kubeconfig;
  return {
    ...(parsed as unknown as StackOutputs),
    kubeconfig: typeof kubeconfig === "string" ? kubeconfig : JSON.stringify(kubeconfig),
  };
}

/** The outputs of `stack` from the Pulumi CLI, or from `file`. */
export async function readOutputs(stack: string, file?: string): Promise<StackOutputs> {
  if (file) return parseOutputs(readFileSync(file, "utf8"), file);
  try {
    const { stdout } = await promisify(execFile)(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets", "--stack", stack],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    return parseOutputs(stdout, `pulumi stack output --stack ${stack}`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `could not read the outputs of stack ${stack} with the Pulumi CLI (${(error as Error).message.split("\n")[0]}): ` +
        "log in to the stack's backend, or pass --outputs <file> with `pulumi stack output --json --show-secrets`",
    );
  }
}
