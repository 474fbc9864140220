/**
 * Tag keys shared by the VPC, the ENI-attach Lambda, its IAM policy and the policy pack.
 * One definition so that the Lambda, its permissions and the checks cannot drift apart.
 */

/** The Amazon VPC CNI leaves an ENI alone only when this tag's value is exactly "true". */
export const NO_MANAGE_TAG_KEY = "node.k8s.amazonaws.com/no_manage";
export const NO_MANAGE_TAG_VALUE = "true";

/** Marks every ENI the Lambda creates with the cluster it belongs to (scopes deletes and the sweeper). */
export const CLUSTER_TAG_KEY = "multus-eks/cluster";
/** The Multus network an ENI or subnet serves. */
export const NETWORK_TAG_KEY = "multus-eks/network";
/** The instance an ENI was created for (lets a redelivered event find earlier work). */
export const INSTANCE_TAG_KEY = "multus-eks/instance-id";
/** The device index the ENI is meant for on its instance. */
export const DEVICE_INDEX_TAG_KEY = "multus-eks/device-index";
/**
 * The ARN of the instance an ENI was created for, set at creation only: the vpc-ip node policy
 * compares it with the caller's ec2:SourceInstanceARN, so a node changes addresses on its own ENIs.
 */
export const INSTANCE_ARN_TAG_KEY = "multus-eks/instance-arn";

/** Keys the Lambda writes on every Multus ENI; a user tag with one of them would clash (refused in validation). */
export const LAMBDA_OWNED_TAG_KEYS: readonly string[] = [
  NO_MANAGE_TAG_KEY,
  CLUSTER_TAG_KEY,
  NETWORK_TAG_KEY,
  INSTANCE_TAG_KEY,
  INSTANCE_ARN_TAG_KEY,
  DEVICE_INDEX_TAG_KEY,
];
