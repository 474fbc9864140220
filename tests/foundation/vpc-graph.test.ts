/**
 * The MultusVpc component's resource graph, recorded by running the whole stack program offline.
 * Other components add resources to the stack, so these tests look at MultusVpc's children only.
 */
import * as assert from "assert";
import {
  EGRESS_RULE,
  EIP,
  INGRESS_RULE,
  INSTANCE,
  INTERNET_GATEWAY,
  MULTUS_VPC,
  NAT_GATEWAY,
  OfflineRun,
  ROUTE,
  ROUTE_TABLE,
  ROUTE_TABLE_ASSOCIATION,
  RecordedResource,
  SECURITY_GROUP,
  SUBNET,
  VPC,
  childrenOf,
  mockId,
  resourceKey,
  resourceNamed,
  runStack,
} from "../support/offline";

const CLUSTER = "eks-multus-cluster";
const VPC_CIDR = "10.0.0.0/16";

interface VpcView {
  readonly run: OfflineRun;
  readonly component: RecordedResource;
  readonly children: RecordedResource[];
  ofType(type: string): RecordedResource[];
  named(type: string, name: string): RecordedResource;
  /** Ingress rules of the security group called `groupName`. */
  ingressOf(groupName: string): RecordedResource[];
}

function viewOf(run: OfflineRun): VpcView {
  const component = resourceNamed(run, MULTUS_VPC, CLUSTER);
  const children = childrenOf(run, component);
  const ofType = (type: string): RecordedResource[] => children.filter((child) => child.type === type);
  const named = (type: string, name: string): RecordedResource => {
    const found = ofType(type).find((child) => child.name === name);
    assert.ok(found, `MultusVpc has no ${type} named ${name}`);
    return found;
  };
  return {
    run,
    component,
    children,
    ofType,
    named,
    ingressOf: (groupName) =>
      ofType(INGRESS_RULE).filter(
        (rule) => rule.inputs.securityGroupId === mockId(named(SECURITY_GROUP, groupName)),
      ),
  };
}

function tagsOf(resource: RecordedResource): Record<string, string> {
  return (resource.inputs.tags ?? {}) as Record<string, string>;
}

function countByType(resources: readonly RecordedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}

const TELECOM_RULES = [
  ["udp", 2123],
  ["udp", 2152],
  ["udp", 8805],
  ["132", 3868],
  ["132", 36412],
];

function telecomRules(rules: readonly RecordedResource[]): RecordedResource[] {
  return rules.filter((rule) => rule.inputs.ipProtocol !== "-1" && rule.inputs.ipProtocol !== "icmp");
}

describe("MultusVpc resource graph", function () {
  let ningxia: VpcView;

  before(async () => {
    ningxia = viewOf(await runStack("ningxia"));
  });

  it("is a child of the stack and parents every VPC resource", () => {
    assert.strictEqual(ningxia.component.parent, undefined);
    const vpcTypes = [
      VPC,
      SUBNET,
      INTERNET_GATEWAY,
      NAT_GATEWAY,
      EIP,
      ROUTE_TABLE,
      ROUTE,
      ROUTE_TABLE_ASSOCIATION,
    ];
    const outside = ningxia.run.resources.filter(
      (resource) => vpcTypes.includes(resource.type) && resource.parent !== resourceKey(ningxia.component),
    );
    assert.deepStrictEqual(outside.map(resourceKey), []);
  });

  it("has exactly the blog's VPC resources for two AZs and two networks, with the bastion", () => {
    assert.deepStrictEqual(countByType(ningxia.children), {
      [VPC]: 1,
      [INTERNET_GATEWAY]: 1,
      [SUBNET]: 8,
      [EIP]: 2,
      [NAT_GATEWAY]: 2,
      // public, private per AZ, multus
      [ROUTE_TABLE]: 4,
      // public and one per private table; none for Multus
      [ROUTE]: 3,
      [ROUTE_TABLE_ASSOCIATION]: 8,
      // one Multus group per network, and the bastion's
      [SECURITY_GROUP]: 3,
      // per network: one per own subnet, five telecom ports and ICMP echo from the VPC
      [INGRESS_RULE]: 16,
      [EGRESS_RULE]: 3,
      [INSTANCE]: 1,
      // explicit reservations over the two host-local ranges in both AZs: 3 blocks for .70-.80, 6 for
      // .10-.30 (address-reservations.test.ts checks the blocks)
      "aws:ec2/subnetCidrReservation:SubnetCidrReservation": 2 * (3 + 6),
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      "aws:iam/instanceProfile:InstanceProfile": 1,
    });
  });

  it("places each subnet in its AZ with the planned CIDR and the VPC's ID", () => {
    const vpcId = mockId(ningxia.named(VPC, CLUSTER));
    assert.strictEqual(ningxia.named(VPC, CLUSTER).inputs.cidrBlock, VPC_CIDR);
    const subnets = Object.fromEntries(
      ningxia.ofType(SUBNET).map((subnet) => {
        assert.strictEqual(subnet.inputs.vpcId, vpcId);
        assert.strictEqual(subnet.inputs.mapPublicIpOnLaunch, false);
        return [
          subnet.name.slice(CLUSTER.length + 1),
          `${subnet.inputs.availabilityZone} ${subnet.inputs.cidrBlock}`,
        ];
      }),
    );
    assert.deepStrictEqual(subnets, {
      "public-a": "cn-northwest-1a 10.0.0.0/24",
      "public-b": "cn-northwest-1b 10.0.1.0/24",
      "private-a": "cn-northwest-1a 10.0.2.0/24",
      "private-b": "cn-northwest-1b 10.0.3.0/24",
      "multus-ipvlan-conf-1-a": "cn-northwest-1a 10.0.4.0/24",
      "multus-ipvlan-conf-1-b": "cn-northwest-1b 10.0.5.0/24",
      "multus-ipvlan-conf-2-a": "cn-northwest-1a 10.0.6.0/24",
      "multus-ipvlan-conf-2-b": "cn-northwest-1b 10.0.7.0/24",
    });
  });

  it("tags public subnets for internet-facing and private subnets for internal load balancers", () => {
    for (const zone of ["a", "b"]) {
      const publicTags = tagsOf(ningxia.named(SUBNET, `${CLUSTER}-public-${zone}`));
      assert.strictEqual(publicTags["kubernetes.io/role/elb"], "1");
      assert.strictEqual(publicTags["kubernetes.io/role/internal-elb"], undefined);
      assert.strictEqual(publicTags[`kubernetes.io/cluster/${CLUSTER}`], "shared");
      const privateTags = tagsOf(ningxia.named(SUBNET, `${CLUSTER}-private-${zone}`));
      assert.strictEqual(privateTags["kubernetes.io/role/internal-elb"], "1");
      assert.strictEqual(privateTags["kubernetes.io/role/elb"], undefined);
      assert.strictEqual(privateTags[`kubernetes.io/cluster/${CLUSTER}`], "shared");
    }
  });

  it("tags each Multus subnet with its network and keeps load balancers off it", () => {
    const multus = ningxia.ofType(SUBNET).filter((subnet) => subnet.name.startsWith(`${CLUSTER}-multus-`));
    assert.strictEqual(multus.length, 4);
    for (const subnet of multus) {
      const network = subnet.name.slice(`${CLUSTER}-multus-`.length, -2);
      const tags = tagsOf(subnet);
      assert.strictEqual(tags["multus-eks/network"], network, subnet.name);
      assert.strictEqual(tags["kubernetes.io/role/elb"], undefined);
      assert.strictEqual(tags["kubernetes.io/role/internal-elb"], undefined);
      assert.strictEqual(tags["multus-eks/stack"], "ningxia");
    }
  });

  it("gives each AZ a NAT gateway with its own EIP in that AZ's public subnet", () => {
    for (const zone of ["a", "b"]) {
      const nat = ningxia.named(NAT_GATEWAY, `${CLUSTER}-nat-${zone}`);
      assert.strictEqual(nat.inputs.subnetId, mockId(ningxia.named(SUBNET, `${CLUSTER}-public-${zone}`)));
      assert.strictEqual(nat.inputs.allocationId, mockId(ningxia.named(EIP, `${CLUSTER}-nat-${zone}`)));
      assert.strictEqual(ningxia.named(EIP, `${CLUSTER}-nat-${zone}`).inputs.domain, "vpc");
    }
  });

  /** The route table a subnet is associated with, and that table's routes. */
  function routingOf(view: VpcView, subnet: RecordedResource): { table: string; routes: RecordedResource[] } {
    const associations = view
      .ofType(ROUTE_TABLE_ASSOCIATION)
      .filter((association) => association.inputs.subnetId === mockId(subnet));
    assert.strictEqual(
      associations.length,
      1,
      `${subnet.name} has ${associations.length} route table associations`,
    );
    const table = associations[0].inputs.routeTableId as string;
    assert.ok(view.ofType(ROUTE_TABLE).some((candidate) => mockId(candidate) === table));
    return { table, routes: view.ofType(ROUTE).filter((route) => route.inputs.routeTableId === table) };
  }

  it("routes public subnets to the internet gateway", () => {
    for (const zone of ["a", "b"]) {
      const { routes } = routingOf(ningxia, ningxia.named(SUBNET, `${CLUSTER}-public-${zone}`));
      assert.deepStrictEqual(
        routes.map((route) => [
          route.inputs.destinationCidrBlock,
          route.inputs.gatewayId,
          route.inputs.natGatewayId,
        ]),
        [["0.0.0.0/0", mockId(ningxia.named(INTERNET_GATEWAY, `${CLUSTER}-igw`)), undefined]],
      );
    }
  });

  it("routes each private subnet to the NAT gateway of its own AZ", () => {
    const tables = new Set<string>();
    for (const zone of ["a", "b"]) {
      const { table, routes } = routingOf(ningxia, ningxia.named(SUBNET, `${CLUSTER}-private-${zone}`));
      tables.add(table);
      assert.deepStrictEqual(
        routes.map((route) => [
          route.inputs.destinationCidrBlock,
          route.inputs.natGatewayId,
          route.inputs.gatewayId,
        ]),
        [["0.0.0.0/0", mockId(ningxia.named(NAT_GATEWAY, `${CLUSTER}-nat-${zone}`)), undefined]],
      );
    }
    assert.strictEqual(tables.size, 2, "the two private subnets share a route table");
  });

  it("gives the Multus subnets a route table with no route out of the VPC", () => {
    const multus = ningxia.ofType(SUBNET).filter((subnet) => subnet.name.startsWith(`${CLUSTER}-multus-`));
    for (const subnet of multus) {
      const { routes } = routingOf(ningxia, subnet);
      assert.deepStrictEqual(routes.map(resourceKey), [], `${subnet.name} has routes`);
    }
  });

  it("lets each network's own subnets into its Multus security group, and the five telecom ports and ping from the VPC only", () => {
    const ownSubnets: Record<string, string[]> = {
      "ipvlan-conf-1": ["10.0.4.0/24", "10.0.5.0/24"],
      "ipvlan-conf-2": ["10.0.6.0/24", "10.0.7.0/24"],
    };
    for (const [network, subnets] of Object.entries(ownSubnets)) {
      const group = `${CLUSTER}-multus-${network}`;
      const rules = ningxia.ingressOf(group);
      const all = rules.filter((rule) => rule.inputs.ipProtocol === "-1");
      assert.deepStrictEqual(all.map((rule) => rule.inputs.cidrIpv4).sort(), subnets);
      const telecom = telecomRules(rules);
      assert.deepStrictEqual(
        telecom.map((rule) => [rule.inputs.ipProtocol, rule.inputs.fromPort]).sort(),
        [...TELECOM_RULES].sort(),
      );
      for (const rule of telecom) {
        assert.strictEqual(rule.inputs.toPort, rule.inputs.fromPort);
        assert.strictEqual(rule.inputs.cidrIpv4, VPC_CIDR);
      }
      const icmp = rules.filter((rule) => rule.inputs.ipProtocol === "icmp");
      assert.deepStrictEqual(
        icmp.map((rule) => [rule.inputs.fromPort, rule.inputs.toPort, rule.inputs.cidrIpv4]),
        [[8, 0, VPC_CIDR]],
      );
      assert.strictEqual(rules.length, subnets.length + TELECOM_RULES.length + 1);
      const egress = ningxia
        .ofType(EGRESS_RULE)
        .filter((rule) => rule.inputs.securityGroupId === mockId(ningxia.named(SECURITY_GROUP, group)));
      assert.deepStrictEqual(
        egress.map((rule) => [rule.inputs.ipProtocol, rule.inputs.cidrIpv4]),
        [["-1", VPC_CIDR]],
      );
    }
  });

  it("never opens an ingress rule of the VPC to 0.0.0.0/0 by default", () => {
    const open = ningxia.ofType(INGRESS_RULE).filter((rule) => rule.inputs.cidrIpv4 === "0.0.0.0/0");
    assert.deepStrictEqual(open.map(resourceKey), []);
  });

  it("opens the telecom ports to every configured peer CIDR instead of the VPC", async () => {
    const peers = ["172.16.0.0/16", "192.0.2.0/24"];
    const view = viewOf(await runStack("ningxia", { telecomIngressCidrs: peers }));
    const telecom = telecomRules(view.ingressOf(`${CLUSTER}-multus-ipvlan-conf-1`));
    const byPeer = (cidr: string): unknown[] =>
      telecom
        .filter((rule) => rule.inputs.cidrIpv4 === cidr)
        .map((rule) => [rule.inputs.ipProtocol, rule.inputs.fromPort])
        .sort();
    assert.strictEqual(telecom.length, 10);
    assert.deepStrictEqual(byPeer(peers[0]), [...TELECOM_RULES].sort());
    assert.deepStrictEqual(byPeer(peers[1]), [...TELECOM_RULES].sort());
    assert.deepStrictEqual(byPeer(VPC_CIDR), []);
  });

  describe("bastion", () => {
    it("is absent when bastionEnabled is false", async () => {
      const view = viewOf(await runStack("ningxia", { bastionEnabled: false }));
      assert.deepStrictEqual(view.ofType(INSTANCE).map(resourceKey), []);
      assert.deepStrictEqual(
        view.children.filter((child) => child.name.includes("bastion")).map(resourceKey),
        [],
      );
      assert.deepStrictEqual(
        view.ofType(SECURITY_GROUP).map((group) => group.name),
        [`${CLUSTER}-multus-ipvlan-conf-1`, `${CLUSTER}-multus-ipvlan-conf-2`],
      );
      assert.strictEqual(view.run.outputs.bastionInstanceId, null);
    });

    it("by default sits in the first private subnet, with no public IP, no key and no inbound rule", () => {
      const instance = ningxia.named(INSTANCE, `${CLUSTER}-bastion`);
      assert.strictEqual(instance.inputs.subnetId, mockId(ningxia.named(SUBNET, `${CLUSTER}-private-a`)));
      assert.strictEqual(instance.inputs.associatePublicIpAddress, false);
      assert.strictEqual(instance.inputs.keyName, undefined);
      assert.deepStrictEqual(instance.inputs.vpcSecurityGroupIds, [
        mockId(ningxia.named(SECURITY_GROUP, `${CLUSTER}-bastion`)),
      ]);
      assert.deepStrictEqual(
        (instance.inputs.metadataOptions as Record<string, unknown>).httpTokens,
        "required",
      );
      assert.deepStrictEqual(ningxia.ingressOf(`${CLUSTER}-bastion`).map(resourceKey), []);
    });

    it("stays private with a key pair but no SSH CIDRs", async () => {
      const view = viewOf(await runStack("ningxia", { bastionKeyName: "ops" }));
      const instance = view.named(INSTANCE, `${CLUSTER}-bastion`);
      assert.strictEqual(instance.inputs.subnetId, mockId(view.named(SUBNET, `${CLUSTER}-private-a`)));
      assert.strictEqual(instance.inputs.associatePublicIpAddress, false);
      assert.deepStrictEqual(view.ingressOf(`${CLUSTER}-bastion`).map(resourceKey), []);
    });

    it("opens SSH from the configured CIDRs, in a public subnet, only with a key pair and SSH CIDRs", async () => {
      const cidrs = ["203.0.113.0/24", "198.51.100.7/32"];
      const view = viewOf(await runStack("ningxia", { bastionKeyName: "ops", bastionSshCidrs: cidrs }));
      const instance = view.named(INSTANCE, `${CLUSTER}-bastion`);
      assert.strictEqual(instance.inputs.subnetId, mockId(view.named(SUBNET, `${CLUSTER}-public-a`)));
      assert.strictEqual(instance.inputs.associatePublicIpAddress, true);
      assert.strictEqual(instance.inputs.keyName, "ops");
      assert.deepStrictEqual(
        view
          .ingressOf(`${CLUSTER}-bastion`)
          .map((rule) => [
            rule.inputs.ipProtocol,
            rule.inputs.fromPort,
            rule.inputs.toPort,
            rule.inputs.cidrIpv4,
          ]),
        cidrs.map((cidr) => ["tcp", 22, 22, cidr]),
      );
    });
  });

  it("scales with the AZs and networks: three AZs and three networks", async () => {
    const zones = ["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"];
    const networks = [
      { name: "ipvlan-conf-1" },
      { name: "ipvlan-conf-2" },
      { name: "sig-net", cni: "macvlan" },
    ];
    const view = viewOf(
      // c5.xlarge: the node group needs an instance type with an ENI per network plus the primary.
      await runStack("ningxia", {
        availabilityZones: zones,
        networks,
        nodeInstanceType: "c5.xlarge",
        tags: { costCentre: "ran" },
      }),
    );
    const counts = countByType(view.children);
    assert.strictEqual(counts[SUBNET], 3 * (2 + 3));
    assert.strictEqual(counts[NAT_GATEWAY], 3);
    assert.strictEqual(counts[EIP], 3);
    assert.strictEqual(counts[ROUTE_TABLE], 1 + 3 + 1);
    assert.strictEqual(counts[ROUTE_TABLE_ASSOCIATION], 3 * (2 + 3));
    for (const zone of ["a", "b", "c"]) {
      const { routes } = routingOf(view, view.named(SUBNET, `${CLUSTER}-private-${zone}`));
      assert.deepStrictEqual(
        routes.map((route) => route.inputs.natGatewayId),
        [mockId(view.named(NAT_GATEWAY, `${CLUSTER}-nat-${zone}`))],
      );
      const sigNet = view.named(SUBNET, `${CLUSTER}-multus-sig-net-${zone}`);
      assert.strictEqual(tagsOf(sigNet)["multus-eks/network"], "sig-net");
      assert.strictEqual(sigNet.inputs.availabilityZone, `cn-northwest-1${zone}`);
      assert.deepStrictEqual(routingOf(view, sigNet).routes, []);
    }
    for (const child of view.children.filter((resource) => resource.inputs.tags !== undefined)) {
      assert.strictEqual(tagsOf(child).costCentre, "ran", `${resourceKey(child)} lacks the extra tag`);
    }
  });
});
