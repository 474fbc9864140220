/**
 * `npm run verify -- <stack | path/to/Pulumi.<stack>.yaml> [--outputs outputs.json]`: after
 * `pulumi up`, read-only checks that the deployment works as designed, each ✓/✗ with its fix:
 * startup taints gone, aws-node on its IRSA role without web-identity errors, the untaint role
 * assumable by a node as itself only, the connectivity checks passed, the alarms not firing.
 * Needs the stack's outputs (the Pulumi CLI logged in, or --outputs), kubectl, and AWS credentials
 * allowed to read (and ssm:SendCommand for the one node probe). Exit 1 on any ✗.
 */
import { runCommand, UsageError } from "../cli";
import { parseSettings } from "../config/parse";
import { PROJECT_NAME } from "../config/schema";
import { rawConfig } from "../offline/raw-config";
import { readStackFile } from "../offline/stack-file";
import { liveLine, summaryTable, verdict } from "../preflight/render";
import { runChecks } from "../preflight/runner";
import { VERIFY_CHECKS } from "./checks";
import { createVerifyClients, VerifyContext } from "./context";
import { readOutputs } from "./outputs";

function parseArguments(argv: string[]): { target: string; outputs?: string } {
  const target = argv.find(
    (argument) => !argument.startsWith("--") && argv[argv.indexOf(argument) - 1] !== "--outputs",
  );
  const at = argv.indexOf("--outputs");
  if (at >= 0 && !argv[at + 1])
    throw new UsageError("--outputs needs a file of `pulumi stack output --json --show-secrets`");
  const unknown = argv.filter((argument) => argument.startsWith("--") && argument !== "--outputs");
  if (unknown.length > 0)
    throw new UsageError(`unknown option ${unknown[0]}: use --outputs <file> or --trace`);
  return { target: target ?? "ningxia", ...(at >= 0 ? { outputs: argv[at + 1] } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const cli = parseArguments(argv);
  const file = readStackFile(cli.target);
  const settings = parseSettings(rawConfig(file), {
    project: PROJECT_NAME,
    stack: file.stack,
    instanceTypeFacts: "ec2",
  });
  const outputs = await readOutputs(file.stack, cli.outputs);
  const context = new VerifyContext(settings, outputs, createVerifyClients(settings.region.name));
  try {
    console.log(
      `Verify of stack "${file.stack}" (cluster ${outputs.clusterName}, ${settings.region.name}): ${VERIFY_CHECKS.length} checks`,
    );
    const outcomes = await runChecks(context, VERIFY_CHECKS, (outcome) => console.log(liveLine(outcome)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log("");
    console.log(summaryTable(outcomes));
    console.log("");
    console.log(
      verdict(outcomes, seconds, {
        failed: "fix the ✗ lines above; the deployment does not work as designed yet.",
        passed: "the deployment works as designed.",
      }),
    );
    return outcomes.some((outcome) => outcome.result.status === "fail") ? 1 : 0;
  } finally {
    context.dispose();
  }
}

runCommand("npm run verify", main);
