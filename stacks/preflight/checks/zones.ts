/**
 * The stack's AZs exist in the account and are available (DescribeAvailabilityZones).
 */
import { DescribeAvailabilityZonesCommand } from "@aws-sdk/client-ec2";
import { awsCallFailed, Check, fail, pass } from "../types";

export const zoneChecks: readonly Check[] = [
  {
    family: "zones",
    name: "availability zones",
    async run(context) {
      const { availabilityZones, region } = context.settings;
      let zones;
      try {
        zones =
          (await context.aws.ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
      } catch (error) {
        return awsCallFailed("EC2 DescribeAvailabilityZones", error, "run again; the call is read-only");
      }
      const available = zones.filter((zone) => zone.State === "available").map((zone) => zone.ZoneName ?? "");
      const problems = availabilityZones
        .filter((zone) => !available.includes(zone))
        .map((zone) => {
          const state = zones.find((known) => known.ZoneName === zone)?.State;
          return state ? `${zone} is ${state}` : `${zone} does not exist in this account`;
        });
      if (problems.length > 0) {
        return fail(
          `${problems.join("; ")} (available in ${region.name}: ${available.join(", ") || "none"})`,
          `set availabilityZones (and nodeAvailabilityZones) to available AZs of ${region.name}`,
        );
      }
      return pass(`${availabilityZones.join(", ")} available`);
    },
  },
];
