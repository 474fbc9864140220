/**
 * Regional quotas against current usage plus what the stack creates. The quota comes from Service
 * Quotas (the applied value, else AWS's default), and for Elastic IPs from the EC2 account
 * attribute vpc-max-elastic-ips when Service Quotas does not answer. Usage is counted with EC2
 * Describe calls.
 */
import {
  DescribeAccountAttributesCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from "@aws-sdk/client-service-quotas";
import type { PreflightContext } from "../context";
import { EKS_CONTROL_PLANE_ENIS, StackNeeds, stackNeeds } from "../stack-needs";
import { awsCallFailed, Check, CheckResult, errorText, fail, pass, skip } from "../types";

interface QuotaSpec {
  readonly name: string;
  readonly serviceCode: string;
  readonly quotaCode: string;
  /** EC2 account attribute holding the same limit, when there is one. */
  readonly accountAttribute?: string;
  usage(context: PreflightContext): Promise<number>;
  /** undefined: the need could not be computed (the line says why). */
  need(needs: StackNeeds): number | undefined;
  /** What the stack creates, for the detail. */
  explain(needs: StackNeeds, context: PreflightContext): string;
}

interface QuotaValue {
  readonly value: number;
  readonly source: string;
}

async function quotaValue(context: PreflightContext, spec: QuotaSpec): Promise<QuotaValue> {
  const codes = { ServiceCode: spec.serviceCode, QuotaCode: spec.quotaCode };
  const failures: string[] = [];
  try {
    const applied = await context.aws.quotas.send(new GetServiceQuotaCommand(codes));
    if (applied.Quota?.Value !== undefined) return { value: applied.Quota.Value, source: "Service Quotas" };
  } catch (error) {
    failures.push(errorText(error));
  }
  try {
    const standard = await context.aws.quotas.send(new GetAWSDefaultServiceQuotaCommand(codes));
    if (standard.Quota?.Value !== undefined)
      return { value: standard.Quota.Value, source: "Service Quotas default" };
  } catch (error) {
    failures.push(errorText(error));
  }
  if (spec.accountAttribute) {
    const answer = await context.aws.ec2.send(
      new DescribeAccountAttributesCommand({ AttributeNames: [spec.accountAttribute as never] }),
    );
    const value = answer.AccountAttributes?.find(
      (attribute) => attribute.AttributeName === spec.accountAttribute,
    )?.AttributeValues?.[0]?.AttributeValue;
    if (value !== undefined && Number.isFinite(Number(value))) {
      return { value: Number(value), source: `EC2 account attribute ${spec.accountAttribute}` };
    }
  }
  throw new Error(`no value for ${spec.serviceCode}/${spec.quotaCode}: ${failures.join("; ")}`);
}

async function countPages(
  fetchPage: (token?: string) => Promise<{ count: number; next?: string }>,
): Promise<number> {
  let total = 0;
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    total += page.count;
    token = page.next;
  } while (token);
  return total;
}

/** The families the "Standard" On-Demand vCPU quota covers: A, C, D, H, I, M, R, T and Z. */
const STANDARD_FAMILY = /^[acdhimrtz]/;

/** vCPUs of the running and pending On-Demand instances of standard families. */
async function standardVcpusInUse(context: PreflightContext): Promise<number> {
  const types: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await context.aws.ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: "instance-state-name", Values: ["pending", "running"] }],
        MaxResults: 1000,
        NextToken,
      }),
    );
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        const type = instance.InstanceType ?? "";
        if (instance.InstanceLifecycle !== "spot" && STANDARD_FAMILY.test(type)) types.push(type);
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  if (types.length === 0) return 0;
  const vcpus = await context.vcpusOf(types);
  return types.reduce((sum, type) => sum + (vcpus.get(type) ?? 0), 0);
}

const QUOTAS: readonly QuotaSpec[] = [
  {
    name: "VPCs per Region",
    serviceCode: "vpc",
    quotaCode: "L-F678F1CE",
    usage: (context) =>
      countPages(async (NextToken) => {
        const page = await context.aws.ec2.send(new DescribeVpcsCommand({ MaxResults: 1000, NextToken }));
        return { count: page.Vpcs?.length ?? 0, next: page.NextToken };
      }),
    need: (needs) => needs.vpcs,
    explain: () => "1 VPC",
  },
  {
    name: "Internet gateways per Region",
    serviceCode: "vpc",
    quotaCode: "L-A4707A72",
    usage: (context) =>
      countPages(async (NextToken) => {
        const page = await context.aws.ec2.send(
          new DescribeInternetGatewaysCommand({ MaxResults: 1000, NextToken }),
        );
        return { count: page.InternetGateways?.length ?? 0, next: page.NextToken };
      }),
    need: (needs) => needs.internetGateways,
    explain: () => "1 internet gateway",
  },
  {
    name: "EC2-VPC Elastic IPs",
    serviceCode: "ec2",
    quotaCode: "L-0263D0A3",
    accountAttribute: "vpc-max-elastic-ips",
    usage: async (context) => {
      const page = await context.aws.ec2.send(
        new DescribeAddressesCommand({ Filters: [{ Name: "domain", Values: ["vpc"] }] }),
      );
      return page.Addresses?.length ?? 0;
    },
    need: (needs) => needs.elasticIps,
    explain: (needs) => `${needs.elasticIps} Elastic IP(s), one per NAT gateway`,
  },
  {
    name: "Network interfaces per Region",
    serviceCode: "vpc",
    quotaCode: "L-DF5E4CA3",
    usage: (context) =>
      countPages(async (NextToken) => {
        const page = await context.aws.ec2.send(
          new DescribeNetworkInterfacesCommand({ MaxResults: 1000, NextToken }),
        );
        return { count: page.NetworkInterfaces?.length ?? 0, next: page.NextToken };
      }),
    need: (needs) => needs.networkInterfaces,
    explain: (needs, context) =>
      `up to ${needs.networkInterfaces} ENIs: ${context.settings.nodeGroup.maxSize} node(s) × ${needs.enisPerNode}, ` +
      `${needs.natGateways} NAT gateway(s), ${EKS_CONTROL_PLANE_ENIS} for the EKS control plane` +
      (context.settings.bastion.enabled ? ", 1 for the bastion" : ""),
  },
  {
    name: "On-Demand Standard vCPUs",
    serviceCode: "ec2",
    quotaCode: "L-1216C47A",
    usage: standardVcpusInUse,
    need: (needs) => needs.onDemandVcpus,
    explain: (needs, context) => {
      const { nodeGroup, bastion } = context.settings;
      return (
        `${needs.onDemandVcpus} vCPUs: ${nodeGroup.maxSize} × ${nodeGroup.instanceType}` +
        (bastion.enabled ? ` and the ${bastion.instanceType} bastion` : "")
      );
    },
  },
];

async function checkQuota(context: PreflightContext, spec: QuotaSpec): Promise<CheckResult> {
  let enisPerNode: number | undefined;
  try {
    enisPerNode = (await context.nodeInstanceType())?.NetworkInfo?.MaximumNetworkInterfaces;
  } catch {
    // the instance type line reports it; count one ENI per Multus network plus the primary
  }
  const { nodeGroup, bastion } = context.settings;
  let vcpus: Map<string, number> | undefined;
  try {
    vcpus = await context.vcpusOf([
      nodeGroup.instanceType,
      ...(bastion.enabled ? [bastion.instanceType] : []),
    ]);
  } catch {
    // an unknown type: the instance type line reports it
  }
  const needs = stackNeeds(context.settings, enisPerNode, vcpus);
  let quota: QuotaValue;
  let used: number;
  try {
    [quota, used] = await Promise.all([quotaValue(context, spec), spec.usage(context)]);
  } catch (error) {
    return awsCallFailed(
      `${spec.name} (${spec.serviceCode}/${spec.quotaCode})`,
      error,
      "grant servicequotas:GetServiceQuota and the EC2 Describe calls, or run again",
    );
  }
  const wanted = spec.need(needs);
  if (wanted === undefined) {
    return skip(`not checked: the instance types' vCPUs are unknown to EC2 (see instance type)`);
  }
  const detail = `${used} used + ${wanted} (${spec.explain(needs, context)}) of ${quota.value} (${quota.source})`;
  if (used + wanted > quota.value) {
    return fail(
      detail,
      `request an increase of ${spec.name} (${spec.serviceCode} ${spec.quotaCode}) to at least ${used + wanted} in Service Quotas ` +
        `(aws service-quotas request-service-quota-increase --service-code ${spec.serviceCode} --quota-code ${spec.quotaCode} --desired-value ${used + wanted} --region ${context.settings.region.name}), or free some`,
    );
  }
  return pass(detail);
}

export const quotaChecks: readonly Check[] = QUOTAS.map((spec) => ({
  family: "quotas",
  name: spec.name,
  run: (context) => checkQuota(context, spec),
}));

/** For tests: the quota codes this check reads. */
export const QUOTA_CODES = QUOTAS.map((spec) => `${spec.serviceCode}/${spec.quotaCode}`);
