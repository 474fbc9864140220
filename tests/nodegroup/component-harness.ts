// Builds a MultusNodeGroup on its own under Pulumi's mocks and records every resource with its
// resource options (parent, dependsOn, deleteBeforeReplace), which the offline engine does not keep.
import * as pulumi from "@pulumi/pulumi";
import { MultusNodeGroup, MultusNodeGroupArgs } from "../../components/nodegroup";
import type { MultusNetwork } from "../../components/model/network";
import { partitionInfo } from "../../components/model/partition";

export const ACCOUNT_ID = "210987654321";
export const CA_DATA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n",
).toString("base64");

export interface Recorded {
  readonly key: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly parent?: string;
  readonly dependsOn: string[];
  readonly deleteBeforeReplace: boolean;
}

export interface ComponentRun {
  readonly resources: Recorded[];
  readonly outputs: Record<string, unknown>;
  byType(type: string): Recorded[];
  one(type: string, name?: string): Recorded;
}

export function network(
  name: string,
  deviceIndex: number,
  ipam: MultusNetwork["ipam"] = "host-local",
): MultusNetwork {
  return {
    name,
    deviceIndex,
    interfaceName: `multus${deviceIndex}`,
    cni: "ipvlan",
    mode: "l2",
    ipam,
    subnets: [],
    routes: [],
  };
}

export function baseArgs(overrides: Partial<MultusNodeGroupArgs> = {}): MultusNodeGroupArgs {
  const networks = overrides.networks ?? [network("net-a", 1), network("net-b", 2, "eni-prefix")];
  return {
    partition: partitionInfo("aws-cn"),
    region: "cn-north-1",
    clusterName: "unit",
    kubernetesVersion: "1.34",
    clusterEndpoint: "https://unit.example.internal",
    certificateAuthority: CA_DATA,
    serviceCidr: "172.20.0.0/16",
    clusterSecurityGroupId: "sg-0c1a5e7e0000aaaa1",
    vpcId: "vpc-0123456789abcdef0",
    availabilityZones: ["cn-north-1a", "cn-north-1b"],
    subnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb1"],
    networks,
    multusSubnetIds: Object.fromEntries(
      networks.map((item) => [
        item.name,
        {
          "cn-north-1a": `subnet-0a${item.deviceIndex.toString().padStart(15, "0")}`,
          "cn-north-1b": `subnet-0b${item.deviceIndex.toString().padStart(15, "0")}`,
        },
      ]),
    ),
    multusSecurityGroupId: "sg-0123456789abcdef0",
    desiredSize: 2,
    minSize: 1,
    maxSize: 3,
    tags: { team: "core" },
    ...overrides,
  };
}

class ClusterStub extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Cluster", name, {});
  }
}

function dependencyKeys(
  dependsOn: pulumi.ResourceOptions["dependsOn"],
  keyOf: WeakMap<pulumi.Resource, string>,
): string[] {
  if (dependsOn === undefined) return [];
  const list = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  return list.map((item) => keyOf.get(item as pulumi.Resource) ?? "(unknown)");
}

/** Builds the component from `makeArgs` under fresh mocks; a stub resource stands in for the cluster. */
export async function runComponent(
  makeArgs: (clusterStub: pulumi.Resource) => MultusNodeGroupArgs,
): Promise<ComponentRun> {
  const resources: Recorded[] = [];
  const options = new Map<string, Omit<Recorded, "key" | "type" | "name" | "inputs">>();
  const keyOf = new WeakMap<pulumi.Resource, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const key = `${args.type}::${args.name}`;
        const recorded = options.get(key) ?? { dependsOn: [], deleteBeforeReplace: false };
        resources.push({ key, type: args.type, name: args.name, inputs: args.inputs, ...recorded });
        const id = `${args.name}-id`;
        const service = args.type.split(":")[1]?.split("/")[0] ?? "x";
        return {
          id,
          state: {
            ...args.inputs,
            name: args.inputs.name ?? args.name,
            arn: `arn:aws-cn:${service}:cn-north-1:${ACCOUNT_ID}:${args.name}`,
            latestVersion: 1,
          },
        };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return { accountId: ACCOUNT_ID, arn: `arn:aws-cn:iam::${ACCOUNT_ID}:user/unit`, userId: "unit" };
        }
        return { ...args.inputs };
      },
    },
    "unit-project",
    "unit-stack",
    true,
  );

  let resolved: Record<string, unknown>;
  try {
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const key = `${args.type}::${args.name}`;
        keyOf.set(args.resource, key);
        options.set(key, {
          parent: args.opts.parent ? keyOf.get(args.opts.parent) : undefined,
          dependsOn: dependencyKeys(args.opts.dependsOn, keyOf),
          deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
        });
        return undefined;
      });
      const clusterStub = new ClusterStub("unit-cluster");
      const group = new MultusNodeGroup("unit", makeArgs(clusterStub));
      return {
        nodeRoleArn: group.nodeRoleArn,
        autoScalingGroupName: group.autoScalingGroupName,
        launchTemplateId: group.launchTemplateId,
        lambdaName: group.lambdaName,
        lambdaArn: group.lambdaArn,
        securityGroupId: group.securityGroupId,
        maxPods: group.maxPods,
      };
    });
    resolved = (await new Promise((resolve) => pulumi.output(outputs ?? {}).apply(resolve))) as Record<
      string,
      unknown
    >;
  } finally {
    // Drain queued registrations into this run's monitor, even when the constructor threw.
    await pulumi.runtime.disconnect();
  }
  const byType = (type: string): Recorded[] => resources.filter((resource) => resource.type === type);
  return {
    resources,
    outputs: resolved,
    byType,
    one(type, name) {
      const found = byType(type).filter((resource) => name === undefined || resource.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
      return found[0];
    },
  };
}
