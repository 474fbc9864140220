/**
 * Every problem with MultusNodeGroup's arguments that is known before anything is declared. The
 * constructor refuses them all at once, before `super`, so a bad argument never surfaces later
 * inside an `apply` (the user data, the Lambda's configuration) in the middle of a deployment.
 * What the cloud returns (endpoint, CA, IDs) is still checked where it arrives.
 */
import { LambdaConfigError } from "../../lambda/src/config";
import { groupInstanceLimits, type MultusNodeGroupArgs } from "./args";
import { ec2Arn } from "./iam-scope";
import { encodeLambdaConfig } from "./lambda-bundle";
import { MaxPodsInput, maxPodsProblems, resolveMaxPods } from "./max-pods";
import { eniLambdaConfig } from "./plan";
import { nodeUserDataSettingsProblems } from "./userdata-validation";

/** Stand-ins of the IDs the Lambda's configuration names: only their shape is checked here. */
const PLACEHOLDER_SUBNET = "subnet-00000000000000000";
const PLACEHOLDER_GROUP = "sg-00000000000000000";
const PLACEHOLDER_ACCOUNT = "000000000000";

/** The node interface and maxPods settings as the user data renders them. */
function userDataSettingsProblems(args: MultusNodeGroupArgs, maxPods: number): string[] {
  return nodeUserDataSettingsProblems({
    clusterName: args.clusterName,
    serviceCidr: args.serviceCidr,
    maxPods,
    labels: { ...args.labels },
    networks: args.networks.map(({ name, deviceIndex, interfaceName }) => ({
      name,
      deviceIndex,
      interfaceName,
    })),
  });
}

/** The Lambda's configuration with every ID a placeholder: what the component derives from its args. */
function lambdaConfigProblems(args: MultusNodeGroupArgs): string[] {
  if (args.networks.length === 0) return [];
  const everywhere = <T>(value: T): Record<string, T> =>
    Object.fromEntries(args.availabilityZones.map((zone) => [zone, value]));
  try {
    encodeLambdaConfig(
      eniLambdaConfig({
        clusterName: args.clusterName,
        instanceArnPrefix: ec2Arn(
          { partition: args.partition.partition, region: args.region, accountId: PLACEHOLDER_ACCOUNT },
          "instance/",
        ),
        networks: args.networks,
        availabilityZones: args.availabilityZones,
        subnetIds: Object.fromEntries(
          args.networks.map((network) => [network.name, everywhere(PLACEHOLDER_SUBNET)]),
        ),
        securityGroupIds: Object.fromEntries(
          args.networks.map((network) => [network.name, PLACEHOLDER_GROUP]),
        ),
        tags: { ...args.tags },
        ...(args.sweepGraceMinutes === undefined ? {} : { sweepGraceMinutes: args.sweepGraceMinutes }),
      }),
    );
    return [];
  } catch (error) {
    if (error instanceof LambdaConfigError) return [`ENI Lambda configuration: ${error.message}`];
    throw error;
  }
}

/** What decides the nodes' maxPods: the type's ENIs (EC2's or the table's) minus the Multus ENIs. */
export function maxPodsInput(args: MultusNodeGroupArgs, instanceType: string): MaxPodsInput {
  return {
    instanceType,
    maxPods: args.maxPods ?? 0,
    multusDeviceIndexes: args.networks.map((network) => network.deviceIndex),
    ...(args.instanceLimits ? { limits: args.instanceLimits } : {}),
  };
}

/** Refuses the arguments with every problem listed, before the component declares anything. */
export function refuseInvalidArgs(name: string, args: MultusNodeGroupArgs, instanceType: string): void {
  const problems = nodeGroupArgsProblems(args, instanceType);
  if (problems.length > 0) {
    throw new Error(
      `MultusNodeGroup ${name}: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

export function nodeGroupArgsProblems(args: MultusNodeGroupArgs, instanceType: string): string[] {
  const problems: string[] = [];
  if (args.availabilityZones.length === 0 || args.subnetIds.length !== args.availabilityZones.length) {
    problems.push(
      `subnetIds: give one private subnet per node AZ (${args.availabilityZones.length} AZs, ${args.subnetIds.length} subnets)`,
    );
  }
  const maxPods = maxPodsProblems(maxPodsInput(args, instanceType));
  problems.push(...maxPods.map((problem) => `${problem.setting}: ${problem.message}`));
  if (maxPods.length === 0) {
    problems.push(...userDataSettingsProblems(args, resolveMaxPods(maxPodsInput(args, instanceType))));
  }
  problems.push(...lambdaConfigProblems(args));
  const vpcIp = args.networks.filter((network) => network.ipam === "vpc-ip").map((network) => network.name);
  if (vpcIp.length > 0 && !groupInstanceLimits({ ...args, instanceType })) {
    problems.push(
      `instanceLimits: ${instanceType}'s IPv4 addresses per ENI are unknown, and the nodes advertise room for the pods of ` +
        `vpc-ip network(s) ${vpcIp.join(", ")} from it; give instanceLimits (the stack reads them from EC2)`,
    );
  }
  return problems;
}
