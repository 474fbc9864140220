/**
 * A world for the multus-vpc-ip plugin: moto behind the chaos proxy (with its EC2 fidelity layer),
 * one Multus subnet per AZ, and K simulated nodes, each with its own Multus ENI in moto, its own fake
 * IMDSv2 (region, partition domain, instance-role credentials, the ENI at device index 1), its own
 * state directory and the node settings file the plugin reads. The plugin runs as a real process
 * through the CNI protocol. Used by the tests and by `npm run bench:ipam`.
 */
import {
  CreateNetworkInterfaceCommand,
  CreateSubnetCidrReservationCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startChaosProxy, type ChaosProxy, type ChaosProxyOptions } from "../../lambda/bench/chaos-proxy";
import { CLUSTER_TAG_KEY, NO_MANAGE_TAG_KEY } from "../../components/model/tags";
import { runCni, type CniCommand, type CniOutcome } from "../ipam/cni";
import { eniMetadataTree, startFakeImds, type FakeImds, type ImdsTree } from "../support/fake-imds";
import { MOTO_REGION, motoClientConfig, REPO_ROOT, useMoto } from "../support/moto";

export const VPC_IP_PLUGIN = path.join(REPO_ROOT, "components/nodegroup/rootfs/opt/cni/bin/multus-vpc-ip");
export const CLUSTER = "vpc-ip-test";
export const NETWORK = "vpcnet";
export const SUBNETS = ["10.0.4.0/24", "10.0.5.0/24"];
export const AZS = [`${MOTO_REGION}a`, `${MOTO_REGION}b`];

export interface WorldOptions {
  nodes: number;
  /** Host offsets of the network's range (default .70-.80 as in the blog). */
  rangeStart?: number;
  rangeEnd?: number;
  /** AZ index of every node (default 0). */
  zoneOf?: (node: number) => number;
  proxy?: Omit<ChaosProxyOptions, "upstream">;
  /** Routes a NAD adds (pod-level). */
  routes?: { dst: string }[];
  /** Instance type of every node: IMDS says it, and EC2 (the fidelity layer) enforces its per-ENI limit. */
  instanceType?: string;
  /** The plugin to run (default: the node file); benchmarks compare versions with it. */
  plugin?: string;
}

export interface SimNode {
  index: number;
  eniId: string;
  mac: string;
  imds: FakeImds;
  stateDir: string;
  subnetCidr: string;
}

export interface InvokeOptions {
  ips?: string[];
  netns?: string;
  ifname?: string;
  cniVersion?: string;
  prevResult?: object;
  extraEnv?: Record<string, string>;
}

export class VpcIpWorld {
  readonly nodes: SimNode[] = [];
  readonly ec2: EC2Client;
  private constructor(
    readonly proxy: ChaosProxy,
    readonly directory: string,
    readonly configPath: string,
    readonly options: WorldOptions,
    private readonly motoEndpoint: string,
  ) {
    this.ec2 = new EC2Client({ ...motoClientConfig(motoEndpoint), maxAttempts: 3 });
  }

  static async create(motoEndpoint: string, options: WorldOptions): Promise<VpcIpWorld> {
    const proxy = await startChaosProxy({
      upstream: motoEndpoint,
      throttle: false,
      ...options.proxy,
      fidelity: { instanceType: options.instanceType, ...options.proxy?.fidelity },
    });
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "vpc-ip-"));
    const configPath = path.join(directory, "node-config.json");
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        clusterName: CLUSTER,
        region: MOTO_REGION,
        networks: [
          {
            name: NETWORK,
            deviceIndex: 1,
            interfaceName: "multus1",
            ipam: "vpc-ip",
            subnetCidrs: SUBNETS,
            rangeStart: options.rangeStart ?? 70,
            rangeEnd: options.rangeEnd ?? 80,
          },
        ],
      }),
    );
    const world = new VpcIpWorld(proxy, directory, configPath, options, motoEndpoint);
    await world.build();
    return world;
  }

  private async build(): Promise<void> {
    const vpc = await this.ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const subnetIds: string[] = [];
    for (const [index, cidr] of SUBNETS.entries()) {
      const subnet = await this.ec2.send(
        new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: cidr, AvailabilityZone: AZS[index] }),
      );
      subnetIds.push(subnet.Subnet?.SubnetId as string);
    }
    // The deployment covers the range with explicit reservations, so EC2 (here: the fidelity layer)
    // never gives an ENI's primary address from it.
    for (const [index, cidr] of SUBNETS.entries()) {
      for (const block of alignedBlocks(cidr, this.options.rangeStart ?? 70, this.options.rangeEnd ?? 80)) {
        await this.ec2.send(
          new CreateSubnetCidrReservationCommand({
            SubnetId: subnetIds[index],
            Cidr: block,
            ReservationType: "explicit",
          }),
        );
      }
    }
    // The ENIs are created through a fault-free fidelity proxy: moto alone would pick their primary
    // address anywhere, the range included, as EC2 would not. An ENI whose primary lies in the
    // range makes EC2 (moto) accept an Assign of that address without it becoming a secondary one.
    const setupProxy = await startChaosProxy({ upstream: this.motoEndpoint, throttle: false });
    const viaFidelity = new EC2Client({ ...motoClientConfig(setupProxy.endpoint), maxAttempts: 3 });
    try {
      await this.createNodes(subnetIds, viaFidelity);
    } finally {
      viaFidelity.destroy();
      await setupProxy.stop();
    }
  }

  private async createNodes(subnetIds: string[], ec2: EC2Client): Promise<void> {
    for (let index = 0; index < this.options.nodes; index++) {
      const zone = this.options.zoneOf?.(index) ?? 0;
      const created = await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnetIds[zone],
          TagSpecifications: [
            {
              ResourceType: "network-interface",
              Tags: [
                { Key: CLUSTER_TAG_KEY, Value: CLUSTER },
                { Key: NO_MANAGE_TAG_KEY, Value: "true" },
              ],
            },
          ],
        }),
      );
      const eniId = created.NetworkInterface?.NetworkInterfaceId as string;
      const primaryOffset = Number((created.NetworkInterface?.PrivateIpAddress ?? "").split(".")[3]);
      if (
        primaryOffset >= (this.options.rangeStart ?? 70) &&
        primaryOffset <= (this.options.rangeEnd ?? 80)
      ) {
        throw new Error(`world: ENI ${eniId} got primary .${primaryOffset} inside the reserved range`);
      }
      const mac = `02:00:00:00:${(index >> 8).toString(16).padStart(2, "0")}:${(index & 255).toString(16).padStart(2, "0")}`;
      const tree = nodeTree(index, eniId, mac, SUBNETS[zone], subnetIds[zone]);
      if (this.options.instanceType) tree["instance-type"] = this.options.instanceType;
      const imds = await startFakeImds({ tree });
      const stateDir = path.join(this.directory, `node-${index}`);
      this.nodes.push({ index, eniId, mac, imds, stateDir, subnetCidr: SUBNETS[zone] });
    }
  }

  /** The plugin's CNI config as a NAD would give it. */
  config(options: InvokeOptions = {}): object {
    return {
      cniVersion: options.cniVersion ?? "1.0.0",
      name: NETWORK,
      type: "macvlan",
      ipam: {
        type: "multus-vpc-ip",
        network: NETWORK,
        ...(this.options.routes ? { routes: this.options.routes } : {}),
      },
      ...(options.ips ? { runtimeConfig: { ips: options.ips } } : {}),
      ...(options.prevResult ? { prevResult: options.prevResult } : {}),
    };
  }

  nodeEnv(node: SimNode): Record<string, string> {
    return {
      MULTUS_NODE_CONFIG: this.configPath,
      MULTUS_IMDS_ENDPOINT: node.imds.endpoint,
      MULTUS_VPC_IP_STATE_DIR: node.stateDir,
      AWS_ENDPOINT_URL_EC2: this.proxy.endpoint,
    };
  }

  invoke(
    node: SimNode,
    command: CniCommand,
    containerId: string,
    options: InvokeOptions = {},
  ): Promise<CniOutcome> {
    return runCni({
      plugin: this.plugin,
      command,
      config: this.config(options),
      containerId,
      netns: options.netns ?? `/var/run/netns/none-${containerId}`,
      ifname: options.ifname ?? "net1",
      cniPath: ["/usr/lib/cni"],
      extraEnv: { ...this.nodeEnv(node), ...options.extraEnv },
    });
  }

  get plugin(): string {
    return this.options.plugin ?? VPC_IP_PLUGIN;
  }

  /** `multus-vpc-ip reconcile` on a node, as its systemd timer runs it. */
  async reconcile(node: SimNode, extraEnv: Record<string, string> = {}): Promise<CniOutcome> {
    const { spawn } = await import("node:child_process");
    const child = spawn(this.plugin, ["reconcile"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...this.nodeEnv(node), ...extraEnv },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number>((resolve) =>
      child.once("close", (code) => resolve(code ?? -1)),
    );
    return { exitCode, stdout, stderr };
  }

  /** Secondary address → ENIs holding it, read from moto (the EC2 state), not from the plugin. */
  async holders(): Promise<Map<string, string[]>> {
    const answer = await this.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: `tag:${CLUSTER_TAG_KEY}`, Values: [CLUSTER] }],
      }),
    );
    const holders = new Map<string, string[]>();
    for (const eni of answer.NetworkInterfaces ?? []) {
      for (const entry of eni.PrivateIpAddresses ?? []) {
        if (entry.Primary || !entry.PrivateIpAddress) continue;
        holders.set(entry.PrivateIpAddress, [
          ...(holders.get(entry.PrivateIpAddress) ?? []),
          eni.NetworkInterfaceId as string,
        ]);
      }
    }
    return holders;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.imds.close().catch(() => undefined)));
    await this.proxy.stop();
    this.ec2.destroy();
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

/**
 * Mocha helper: a moto server for the calling describe block and one world per test, closed after
 * the test. `create` makes the test's world; `moto` is for tests that need the server itself.
 */
export function useWorlds(): {
  readonly moto: { readonly endpoint: string };
  create(options: WorldOptions): Promise<VpcIpWorld>;
} {
  const moto = useMoto();
  let current: VpcIpWorld | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    moto,
    async create(options) {
      current = await VpcIpWorld.create(moto.endpoint, options);
      return current;
    },
  };
}

/** IMDS of one node: its region, the partition's domain, role credentials, its Multus ENI. */
export function nodeTree(
  index: number,
  eniId: string,
  mac: string,
  subnetCidr: string,
  subnetId?: string,
): ImdsTree {
  const primaryMac = `02:00:00:01:${(index >> 8).toString(16).padStart(2, "0")}:${(index & 255).toString(16).padStart(2, "0")}`;
  const tree = eniMetadataTree([
    {
      mac: primaryMac,
      deviceNumber: 0,
      interfaceId: `eni-primary${index}`,
      subnetIpv4CidrBlock: "10.0.2.0/24",
    },
    { mac, deviceNumber: 1, networkCard: 0, interfaceId: eniId, subnetIpv4CidrBlock: subnetCidr },
  ]);
  // IMDS's per-ENI subnet-id key (eniMetadataTree does not write it).
  if (subnetId) ((tree.network as ImdsTree).interfaces as ImdsTree).macs = withSubnetId(tree, mac, subnetId);
  return {
    ...tree,
    placement: { region: MOTO_REGION },
    services: { domain: "amazonaws.com.cn" },
    iam: {
      "security-credentials": {
        "node-role": JSON.stringify({
          Code: "Success",
          AccessKeyId: "ASIATESTNODE",
          SecretAccessKey: "node-secret",
          Token: "node-session-token",
          Expiration: "2099-01-01T00:00:00Z",
        }),
      },
    },
  };
}

/** The aligned CIDR blocks covering host offsets start..end of a subnet (greedy, largest first). */
export function alignedBlocks(subnetCidr: string, start: number, end: number): string[] {
  const [base, length] = subnetCidr.split("/");
  const octets = base.split(".").map(Number);
  const network = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const blocks: string[] = [];
  for (let offset = start; offset <= end;) {
    let size = 1;
    while (
      offset % (size * 2) === 0 &&
      offset + size * 2 - 1 <= end &&
      size * 2 <= 2 ** (32 - Number(length))
    )
      size *= 2;
    const address = network + offset;
    blocks.push(
      `${[address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join(".")}/${32 - Math.log2(size)}`,
    );
    offset += size;
  }
  return blocks;
}

function withSubnetId(tree: ImdsTree, mac: string, subnetId: string): ImdsTree {
  const macs = ((tree.network as ImdsTree).interfaces as ImdsTree).macs as ImdsTree;
  return { ...macs, [mac]: { ...(macs[mac] as ImdsTree), "subnet-id": subnetId } };
}

export function isCniError(outcome: CniOutcome): { code: number; msg: string } | undefined {
  if (outcome.exitCode === 0) return undefined;
  return JSON.parse(outcome.stdout) as { code: number; msg: string };
}

export function addressOf(outcome: CniOutcome): string {
  if (outcome.exitCode !== 0) throw new Error(`ADD failed: ${outcome.stdout} ${outcome.stderr}`);
  const result = JSON.parse(outcome.stdout) as { ips: { address: string }[] };
  return result.ips[0].address.split("/")[0];
}
