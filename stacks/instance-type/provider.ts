/**
 * At `pulumi preview`/`up`: the node instance type's facts from the AWS provider's data sources
 * (DescribeInstanceTypes, DescribeInstanceTypeOfferings in the stack's region), checked against the
 * Multus networks and the node AZs before anything is declared.
 */
import * as aws from "@pulumi/aws";
import { ConfigError } from "../config";
import { settingKey } from "../config/schema";
import type { StackSettings } from "../config/settings";
import {
  ec2Facts,
  InstanceTypeFacts,
  instanceTypeProblems,
  offeringProblem,
  zonesNotOffering,
} from "./facts";

/** EC2's facts of the node instance type; throws ConfigError naming the setting on any misfit. */
export async function providerInstanceFacts(settings: StackSettings): Promise<InstanceTypeFacts> {
  const { instanceType, maxPods, availabilityZones } = settings.nodeGroup;
  const [answer, offerings] = await Promise.all([
    aws.ec2.getInstanceType({ instanceType }),
    aws.ec2.getInstanceTypeOfferings({
      locationType: "availability-zone",
      filters: [{ name: "instance-type", values: [instanceType] }],
    }),
  ]);
  const facts = ec2Facts(instanceType, answer);
  const problems = instanceTypeProblems({ instanceType, maxPods, networks: settings.networks }, facts);
  const offered = [...offerings.locations].sort();
  const missing = zonesNotOffering(availabilityZones, offered);
  if (missing.length > 0)
    problems.push(offeringProblem(instanceType, settings.region.name, missing, offered));
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((problem) => ({ setting: settingKey(problem.setting), message: problem.message })),
    );
  }
  return facts;
}
