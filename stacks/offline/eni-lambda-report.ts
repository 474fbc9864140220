/**
 * The ENI Lambdas' part of an offline plan: for each node group's Lambda, read back from the
 * configuration the program gives it, the AZs it serves and the AWS calls a launch costs when all
 * goes well, with the reason when a group in several AZs costs one more.
 */
import { LAMBDA_CONFIG_ENV, parseLambdaConfig } from "../../lambda/src/config";
import { happyPathCalls } from "../../lambda/src/eni-plan";
import { RecordedResource } from "./engine";

type Inputs = Record<string, unknown>;

function configText(lambda: RecordedResource): string | undefined {
  const variables = (lambda.inputs.environment as Inputs | undefined)?.variables as Inputs | undefined;
  const text = variables?.[LAMBDA_CONFIG_ENV];
  return typeof text === "string" ? text : undefined;
}

export function renderEniLambdaCalls(resources: readonly RecordedResource[]): string {
  const lines = ["ENI Lambdas: AWS calls per launch when all goes well"];
  for (const lambda of resources.filter((resource) => resource.type === "aws:lambda/function:Function")) {
    const text = configText(lambda);
    if (text === undefined) continue;
    const config = parseLambdaConfig(text);
    const zones = [...new Set(config.networks.flatMap((network) => Object.keys(network.subnetIdsByAz)))];
    const n = config.networks.length;
    const bound = 4 * n + 2;
    const { total, describesInstance } = happyPathCalls(config);
    const networks = config.networks.map((network) => `${network.name} ${network.ipam}`).join(", ");
    const head = `  ${String(lambda.inputs.name)}: ${n} network(s) (${networks}) in ${zones.join(", ")}: ${total} calls`;
    if (!describesInstance) {
      lines.push(`${head}, within 4 x ${n} + 2: the AZ comes from the configuration`);
    } else if (total <= bound) {
      lines.push(`${head}, within 4 x ${n} + 2, one of them DescribeInstances for the instance's AZ`);
    } else {
      lines.push(
        `${head}, ${total - bound} over 4 x ${n} + 2: DescribeInstances for the instance's AZ, which the ` +
          `lifecycle event does not carry; one node group per AZ avoids it`,
      );
    }
  }
  return lines.join("\n");
}
