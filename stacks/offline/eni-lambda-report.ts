/**
 * The ENI Lambdas' part of an offline plan: for each node group's Lambda, read back from the
 * configuration the program gives it, the AZs it serves and the AWS calls a launch costs when all
 * goes well, mutating (they bound a burst of launches) and non-mutating (Describe, a bucket of its
 * own) apart, with the reason for each call over 3 x networks + 1.
 */
import { LAMBDA_CONFIG_ENV, parseLambdaConfig } from "../../lambda/src/config";
import { happyPathCalls } from "../../lambda/src/call-budget";
import { RecordedResource } from "./engine";

type Inputs = Record<string, unknown>;

function configText(lambda: RecordedResource): string | undefined {
  const variables = (lambda.inputs.environment as Inputs | undefined)?.variables as Inputs | undefined;
  const text = variables?.[LAMBDA_CONFIG_ENV];
  return typeof text === "string" ? text : undefined;
}

export function renderEniLambdaCalls(resources: readonly RecordedResource[]): string {
  const lines = [
    "ENI Lambdas: AWS calls per launch when all goes well (mutating calls bound a burst; Describe has a bucket of its own)",
  ];
  for (const lambda of resources.filter((resource) => resource.type === "aws:lambda/function:Function")) {
    const text = configText(lambda);
    if (text === undefined) continue;
    const config = parseLambdaConfig(text);
    const zones = [...new Set(config.networks.flatMap((network) => Object.keys(network.subnetIdsByAz)))];
    const n = config.networks.length;
    const calls = happyPathCalls(config);
    const networks = config.networks.map((network) => `${network.name} ${network.ipam}`).join(", ");
    lines.push(`  ${String(lambda.inputs.name)}: ${n} network(s) (${networks}) in ${zones.join(", ")}`);
    const over = calls.sourceDestChecks
      ? ` + ${calls.sourceDestChecks} source/dest check(s) (host-local; ModifyNetworkInterfaceAttribute sets one attribute per call)`
      : "";
    lines.push(`    mutating: ${calls.mutating} = 3 x ${n} + 1${over}`);
    lines.push(
      calls.describesInstance
        ? `    non-mutating: from ${calls.nonMutating}: DescribeInstances for the instance's AZ, which the lifecycle event does not carry (one node group per AZ avoids it), and the attachment checks`
        : `    non-mutating: from ${calls.nonMutating}: the attachment checks; the AZ comes from the configuration`,
    );
  }
  return lines.join("\n");
}
