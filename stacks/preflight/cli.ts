/**
 * `npm run preflight -- <stack | path/to/Pulumi.<stack>.yaml>`: read-only AWS calls with the SDK's
 * default credentials (AWS_PROFILE...) in the stack's region, and checks of this machine, to find
 * what would make `pulumi up` fail half-way. Exit 1 on any ✗ (or invalid settings).
 */
import { parseSettings } from "../config/parse";
import { runCommand } from "../cli";
import { PROJECT_NAME } from "../config/schema";
import { rawConfig } from "../offline/raw-config";
import { readStackFile } from "../offline/stack-file";
import { ALL_CHECKS } from "./checks";
import { createClients, PreflightContext, TEST_REGISTRY_ENV } from "./context";
import { liveLine, summaryTable, verdict } from "./render";
import { runChecks } from "./runner";

async function main(argv: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const file = readStackFile(argv[0] ?? "ningxia");
  const settings = parseSettings(rawConfig(file), {
    project: PROJECT_NAME,
    stack: file.stack,
    instanceTypeFacts: "ec2",
  });
  const registryBaseUrl = process.env[TEST_REGISTRY_ENV];
  const context = new PreflightContext(settings, createClients(settings.region.name), {
    ...(registryBaseUrl ? { registryBaseUrl } : {}),
  });
  console.log(
    `Preflight of stack "${file.stack}" in ${settings.region.name} (${settings.region.description}): ${ALL_CHECKS.length} checks, read-only`,
  );
  const outcomes = await runChecks(context, ALL_CHECKS, (outcome) => console.log(liveLine(outcome)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log("");
  console.log(summaryTable(outcomes));
  console.log("");
  console.log(verdict(outcomes, seconds));
  return outcomes.some((outcome) => outcome.result.status === "fail") ? 1 : 0;
}

runCommand("npm run preflight", main);
