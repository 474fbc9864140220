/**
 * At `pulumi preview`/`up`: the facts of every node group's instance type from the AWS provider's
 * data sources (DescribeInstanceTypes, DescribeInstanceTypeOfferings in the stack's region), each
 * group checked against its Multus networks and its AZs before anything is declared.
 */
import * as aws from "@pulumi/aws";
import { ConfigError } from "../config";
import type { StackSettings } from "../config/settings";
import { groupSettingKey, nodeGroupProblems } from "../nodegroup-checks";
import { ec2Facts, InstanceFactsByType, offeringProblem, zonesNotOffering } from "./facts";

/** EC2's facts of each node instance type; throws ConfigError naming the settings on any misfit. */
export async function providerInstanceFacts(settings: StackSettings): Promise<InstanceFactsByType> {
  const types = [...new Set(settings.nodeGroups.map((group) => group.instanceType))];
  const answers = await Promise.all(
    types.map(async (instanceType) => {
      const [answer, offerings] = await Promise.all([
        aws.ec2.getInstanceType({ instanceType }),
        aws.ec2.getInstanceTypeOfferings({
          locationType: "availability-zone",
          filters: [{ name: "instance-type", values: [instanceType] }],
        }),
      ]);
      return { facts: ec2Facts(instanceType, answer), offered: [...offerings.locations].sort() };
    }),
  );
  const factsByType: InstanceFactsByType = Object.fromEntries(
    answers.map((answer) => [answer.facts.instanceType, answer.facts]),
  );
  const problems = nodeGroupProblems(settings, factsByType);
  settings.nodeGroups.forEach((group, index) => {
    const { offered } = answers[types.indexOf(group.instanceType)];
    const missing = zonesNotOffering(group.availabilityZones, offered);
    if (missing.length === 0) return;
    const problem = offeringProblem(group.instanceType, settings.region.name, missing, offered);
    problems.push({ setting: groupSettingKey(settings, index, problem.setting), message: problem.message });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return factsByType;
}
