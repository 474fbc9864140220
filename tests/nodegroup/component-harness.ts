// Builds a MultusNodeGroup on its own under Pulumi's mocks and records every resource with its
// resource options (parent, dependsOn, deleteBeforeReplace), which the offline engine does not keep.
import * as pulumi from "@pulumi/pulumi";
import { MultusNodeGroup, MultusNodeGroupArgs } from "../../components/nodegroup";
import type { MultusNetwork } from "../../components/model/network";
import { partitionInfo } from "../../components/model/partition";
import { MOCK_ACCOUNT_ID, MockedRun, runUnderMocks } from "../support/component-mocks";

export const ACCOUNT_ID = MOCK_ACCOUNT_ID;
export const CA_DATA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n",
).toString("base64");

export type ComponentRun = MockedRun;

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
    // The node config lists each network's subnet in every node AZ.
    subnets: ["cn-north-1a", "cn-north-1b"].map((availabilityZone, zone) => {
      const base = `10.${deviceIndex}.${zone}`;
      return {
        availabilityZone,
        cidr: `${base}.0/24`,
        gateway: `${base}.1`,
        rangeStart: `${base}.70`,
        rangeEnd: `${base}.80`,
      };
    }),
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
    multusSecurityGroupIds: Object.fromEntries(
      networks.map((item) => [item.name, `sg-0${item.deviceIndex.toString().padStart(16, "0")}`]),
    ),
    desiredSize: 2,
    minSize: 1,
    maxSize: 3,
    alarmTopicArn: "arn:aws-cn:sns:cn-north-1:123456789012:unit-alarms",
    tags: { team: "core" },
    ...overrides,
  };
}

class ClusterStub extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Cluster", name, {});
  }
}

/** Builds the component from `makeArgs` under fresh mocks; a stub resource stands in for the cluster. */
export async function runComponent(
  makeArgs: (clusterStub: pulumi.Resource) => MultusNodeGroupArgs,
): Promise<ComponentRun> {
  return runUnderMocks(
    () => {
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
    },
    {
      project: "unit-project",
      stack: "unit-stack",
      extraState: (args) => ({
        name: args.inputs.name ?? args.name,
        arn: `arn:aws-cn:${args.type.split(":")[1]?.split("/")[0] ?? "x"}:cn-north-1:${ACCOUNT_ID}:${args.name}`,
        latestVersion: 1,
      }),
    },
  );
}
