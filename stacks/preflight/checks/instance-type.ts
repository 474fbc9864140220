/**
 * The worker instance type: its facts from EC2 (DescribeInstanceTypes: ENIs, IPv4 per ENI,
 * hypervisor) against the Multus networks, with the same checks and max-pods math as the program;
 * and where EC2 offers it (DescribeInstanceTypeOfferings by AZ), with the bastion's type too.
 */
import { DescribeInstanceTypeOfferingsCommand } from "@aws-sdk/client-ec2";
import {
  describeFacts,
  ec2Facts,
  instanceTypeProblems,
  nodeMaxPods,
  offeringProblem,
  zonesNotOffering,
} from "../../instance-type/facts";
import { awsCallFailed, Check, fail, pass } from "../types";

export const instanceTypeChecks: readonly Check[] = [
  {
    family: "instance type",
    name: "Multus networks fit",
    async run(context) {
      const { nodeGroup, networks, region } = context.settings;
      let info;
      try {
        info = await context.nodeInstanceType();
      } catch (error) {
        return awsCallFailed(
          "EC2 DescribeInstanceTypes",
          error,
          "grant ec2:DescribeInstanceTypes, or run again",
        );
      }
      if (!info?.NetworkInfo) {
        return fail(
          `nodeInstanceType ${nodeGroup.instanceType} does not exist in ${region.name}`,
          `set nodeInstanceType to a type EC2 offers in ${region.name}, such as c5.large`,
        );
      }
      const facts = ec2Facts(nodeGroup.instanceType, {
        maximumNetworkInterfaces: info.NetworkInfo.MaximumNetworkInterfaces ?? 0,
        maximumIpv4AddressesPerInterface: info.NetworkInfo.Ipv4AddressesPerInterface ?? 0,
        hypervisor: info.Hypervisor,
        bareMetal: info.BareMetal,
      });
      const use = { instanceType: nodeGroup.instanceType, maxPods: nodeGroup.maxPods, networks };
      const problems = instanceTypeProblems(use, facts);
      if (problems.length > 0) {
        return fail(
          `${describeFacts(facts)}: ${problems.map((problem) => problem.message).join("; ")}`,
          `change ${[...new Set(problems.map((problem) => problem.setting))].join(" / ")} as said above`,
        );
      }
      const indexes = networks.map((network) => network.deviceIndex).join(", ");
      return pass(
        `${describeFacts(facts)}; Multus ENIs at device ${indexes || "none"}; maxPods ${nodeMaxPods(use, facts)}`,
      );
    },
  },
  {
    family: "instance type",
    name: "offered in the AZs",
    async run(context) {
      const { nodeGroup, bastion, availabilityZones, region } = context.settings;
      const wanted = [{ role: "nodes", type: nodeGroup.instanceType, zones: nodeGroup.availabilityZones }];
      // The bastion goes in the first AZ (MultusVpc).
      if (bastion.enabled)
        wanted.push({ role: "bastion", type: bastion.instanceType, zones: availabilityZones.slice(0, 1) });
      const offered = new Map<string, string[]>();
      try {
        let NextToken: string | undefined;
        do {
          const page = await context.aws.ec2.send(
            new DescribeInstanceTypeOfferingsCommand({
              LocationType: "availability-zone",
              Filters: [{ Name: "instance-type", Values: [...new Set(wanted.map((entry) => entry.type))] }],
              NextToken,
            }),
          );
          for (const offering of page.InstanceTypeOfferings ?? []) {
            const type = offering.InstanceType ?? "";
            offered.set(type, [...(offered.get(type) ?? []), offering.Location ?? ""]);
          }
          NextToken = page.NextToken;
        } while (NextToken);
      } catch (error) {
        return awsCallFailed(
          "EC2 DescribeInstanceTypeOfferings",
          error,
          "grant ec2:DescribeInstanceTypeOfferings, or run again",
        );
      }
      const problems: string[] = [];
      for (const entry of wanted) {
        const zones = (offered.get(entry.type) ?? []).sort();
        const missing = zonesNotOffering(entry.zones, zones);
        if (missing.length === 0) continue;
        const message = offeringProblem(entry.type, region.name, missing, zones).message;
        problems.push(
          entry.role === "nodes"
            ? `nodeInstanceType: ${message}`
            : `bastionInstanceType: ${entry.type} is not offered in ${missing.join(", ")}`,
        );
      }
      if (problems.length > 0) {
        return fail(
          problems.join("; "),
          "choose instance types offered in those AZs (see the AZs listed), or other AZs",
        );
      }
      return pass(wanted.map((entry) => `${entry.type} in ${entry.zones.join(", ")}`).join("; "));
    },
  },
];
