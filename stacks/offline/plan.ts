/**
 * `npm run plan -- <stack | path/to/Pulumi.<stack>.yaml>`: what `pulumi up` would create, computed
 * offline under Pulumi's mock engine. Needs no Pulumi CLI and no cloud credentials.
 */
import { runCommand } from "../cli";
import { describeFacts } from "../instance-type/facts";
import { runOffline } from "./engine";
import { renderDay2 } from "./day2-report";
import { renderEniLambdaCalls } from "./eni-lambda-report";
import { renderNodeRoleStatements } from "./node-policy-report";
import { renderOutputs, renderResources, renderSubnetLayout } from "./report";
import { describeAccess } from "../cluster/access";
import { readStackFile } from "./stack-file";

async function main(argv: string[]): Promise<number> {
  const target = argv[0] ?? "ningxia";
  const started = process.hrtime.bigint();
  const file = readStackFile(target);
  const run = await runOffline(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { settings } = run;
  console.log(`Offline plan of stack "${file.stack}" (${file.path})`);
  console.log(
    `Region ${settings.region.name} (${settings.region.description}), partition ${settings.region.partition}, cluster ${settings.clusterName}, Kubernetes ${settings.kubernetesVersion}`,
  );
  console.log(
    run.instanceFacts
      ? `Instance type ${describeFacts(run.instanceFacts)}`
      : `Instance type ${settings.nodeGroup.instanceType}: not in this program's table; nodeMaxPods ${settings.nodeGroup.maxPods} used as set`,
  );
  console.log(
    "  (offline only: `pulumi preview`/`up` read the type from EC2 through the provider, and `npm run preflight` checks it)",
  );
  for (const line of describeAccess(settings)) console.log(line);
  console.log("");
  console.log(renderSubnetLayout(settings));
  console.log("");
  console.log(renderResources(run.resources));
  console.log("");
  console.log(renderDay2(run.resources));
  console.log("");
  console.log(renderEniLambdaCalls(run.resources));
  console.log("");
  const nodeStatements = renderNodeRoleStatements(run.resources);
  if (nodeStatements) console.log(`${nodeStatements}\n`);
  console.log("Outputs");
  console.log(renderOutputs(run.outputs));
  if (settings.deployBlockers.length > 0) {
    console.log("");
    console.log(
      "Before `pulumi up`: these settings plan, but a deployment stops on them before creating anything",
    );
    for (const blocker of settings.deployBlockers) console.log(`  ✗ ${blocker.setting}: ${blocker.message}`);
  }
  if (settings.warnings.length > 0) {
    console.log("");
    console.log("Warnings");
    for (const warning of settings.warnings) console.log(`  ! ${warning}`);
  }
  console.log("");
  console.log(`Planned in ${seconds.toFixed(2)} s with no cloud calls.`);
  return 0;
}

runCommand("npm run plan", main);
