/**
 * Runs the stack program offline (stacks/offline/engine.ts, Pulumi mocks) for tests, and finds the
 * recorded resources.
 *
 *   const run = await runStack("ningxia");                          // Pulumi.ningxia.yaml
 *   const run = await runStack("ningxia", { bastionEnabled: false }); // the same, with overrides
 *   const run = await runStack(inMemoryStack({ "aws:region": "us-west-2", availabilityZones: [...] }));
 *   const subnets = resourcesOfType(run, SUBNET);
 *   const nat = resourceNamed(run, NAT_GATEWAY, "eks-multus-cluster-nat-a");
 *   const vpcChildren = childrenOf(run, resourceNamed(run, MULTUS_VPC, "eks-multus-cluster"));
 *
 * Config keys are setting names (`vpcCidr`) or fully qualified keys (`aws:region`,
 * `multus-eks:vpcCidr`); an override of `undefined` removes the key.
 *
 * Pulumi's mocks are process-global, so runStack queues runs: concurrent calls run one after the
 * other. Tests that call pulumi.runtime.setMocks themselves must not overlap a runStack call.
 */
import { PROJECT_NAME } from "../../stacks/config/schema";
import {
  OfflineOptions,
  OfflineRun,
  RecordedResource,
  fakeId,
  runOffline,
} from "../../stacks/offline/engine";
import { StackFile, projectDefaults, readStackFile } from "../../stacks/offline/stack-file";

export type { OfflineRun, RecordedResource };

/** Resource types tests look for most often. */
export const MULTUS_VPC = "multus-eks:network:MultusVpc";
export const VPC = "aws:ec2/vpc:Vpc";
export const SUBNET = "aws:ec2/subnet:Subnet";
export const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
export const ROUTE = "aws:ec2/route:Route";
export const ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
export const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";
export const EIP = "aws:ec2/eip:Eip";
export const INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway";
export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
export const INSTANCE = "aws:ec2/instance:Instance";
export const IAM_ROLE = "aws:iam/role:Role";

export type ConfigValues = Readonly<Record<string, unknown>>;

function qualified(key: string): string {
  return key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
}

function withOverrides(config: Record<string, unknown>, overrides: ConfigValues): Record<string, unknown> {
  const result = { ...config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[qualified(key)];
    else result[qualified(key)] = value;
  }
  return result;
}

/** A project stack file (`ningxia`, `beijing` or a path), with config overrides applied. */
export function stackFile(nameOrPath: string, overrides: ConfigValues = {}): StackFile {
  const file = readStackFile(nameOrPath);
  return { ...file, config: withOverrides(file.config, overrides) };
}

/** A stack that exists only in memory: Pulumi.yaml's defaults plus `config`. */
export function inMemoryStack(config: ConfigValues, stack = "test"): StackFile {
  return { stack, path: `(in-memory stack "${stack}")`, config: withOverrides(projectDefaults(), config) };
}

let queue: Promise<unknown> = Promise.resolve();

/** Validates the config (rejects with ConfigError) and runs the whole program under mocks. */
export function runStack(
  stack: string | StackFile,
  overrides: ConfigValues = {},
  options: OfflineOptions = {},
): Promise<OfflineRun> {
  const file =
    typeof stack === "string"
      ? stackFile(stack, overrides)
      : { ...stack, config: withOverrides(stack.config, overrides) };
  const run = queue.then(() => runOffline(file, options));
  queue = run.catch(() => undefined);
  return run;
}

/** `type::name`, the form RecordedResource.parent uses. */
export function resourceKey(resource: RecordedResource): string {
  return `${resource.type}::${resource.name}`;
}

/** The ID the mock engine gave a resource: what other resources' inputs hold when they refer to it. */
export function mockId(resource: RecordedResource): string {
  return fakeId(resource.type, resource.name);
}

export function resourcesOfType(run: OfflineRun, type: string): RecordedResource[] {
  return run.resources.filter((resource) => resource.type === type);
}

/** The one resource of `type` called `name`; throws, listing what there is, when absent. */
export function resourceNamed(run: OfflineRun, type: string, name: string): RecordedResource {
  const found = run.resources.find((resource) => resource.type === type && resource.name === name);
  if (!found) {
    const names = resourcesOfType(run, type).map((resource) => resource.name);
    throw new Error(`No ${type} named "${name}"; there are: ${names.join(", ") || "none"}`);
  }
  return found;
}

/** Direct children of `parent`. */
export function childrenOf(run: OfflineRun, parent: RecordedResource): RecordedResource[] {
  const key = resourceKey(parent);
  return run.resources.filter((resource) => resource.parent === key);
}

/** Every string inside `value`, descending into objects, arrays and strings that hold JSON. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return [value, ...stringsIn(JSON.parse(trimmed))];
      } catch {
        return [value];
      }
    }
    return [value];
  }
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [key, ...stringsIn(item)]);
  }
  return [];
}
