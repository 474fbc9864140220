/**
 * What the checks share: the validated settings, the AWS SDK clients for the stack's region (the
 * SDK's default credential chain, AWS_PROFILE included; endpoints resolved by the SDK, China's
 * included), and lookups several checks need, each made once.
 */
import {
  DescribeInstanceTypesCommand,
  EC2Client,
  type InstanceTypeInfo,
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EKSClient } from "@aws-sdk/client-eks";
import { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { StackSettings } from "../config/settings";

/**
 * TEST ONLY, not a user setting: a fake registry's base URL (http://127.0.0.1:PORT) that receives
 * every registry request instead of https://<registry host>.
 */
export const TEST_REGISTRY_ENV = "MULTUS_EKS_PREFLIGHT_TEST_REGISTRY_URL";

export interface Identity {
  readonly account: string;
  readonly arn: string;
}

export interface PreflightOptions {
  /** Directory of Pulumi's plugin cache (default: $PULUMI_HOME/plugins or ~/.pulumi/plugins). */
  readonly pluginDirectory?: string;
  /**
   * TEST ONLY: send every registry request to this base URL (e.g. http://127.0.0.1:PORT) instead
   * of https://<registry host>. Read from MULTUS_EKS_PREFLIGHT_TEST_REGISTRY_URL by the CLI.
   */
  readonly registryBaseUrl?: string;
  /** Per-request timeout for registry calls and the aws CLI, in ms (default 10 s). */
  readonly timeoutMs?: number;
}

export interface AwsClients {
  readonly ec2: EC2Client;
  readonly ecr: ECRClient;
  readonly eks: EKSClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  readonly quotas: ServiceQuotasClient;
}

export function createClients(region: string): AwsClients {
  // Two attempts: a preflight should answer in seconds, not wait out the SDK's default backoff.
  const config = { region, maxAttempts: 2 };
  return {
    ec2: new EC2Client(config),
    ecr: new ECRClient(config),
    eks: new EKSClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    quotas: new ServiceQuotasClient(config),
  };
}

export class PreflightContext {
  private identityLookup?: Promise<Identity>;
  private instanceTypeLookup?: Promise<InstanceTypeInfo | undefined>;
  private readonly vcpuLookups = new Map<string, Promise<Map<string, number>>>();

  constructor(
    readonly settings: StackSettings,
    readonly aws: AwsClients,
    readonly options: PreflightOptions = {},
  ) {}

  /** The caller (STS GetCallerIdentity), once. */
  identity(): Promise<Identity> {
    this.identityLookup ??= this.aws.sts.send(new GetCallerIdentityCommand({})).then((answer) => ({
      account: answer.Account ?? "",
      arn: answer.Arn ?? "",
    }));
    return this.identityLookup;
  }

  /** DescribeInstanceTypes for the node type, once; undefined when EC2 does not know the type. */
  nodeInstanceType(): Promise<InstanceTypeInfo | undefined> {
    this.instanceTypeLookup ??= this.aws.ec2
      .send(
        new DescribeInstanceTypesCommand({
          InstanceTypes: [this.settings.nodeGroup.instanceType as _InstanceType],
        }),
      )
      .then(
        (answer) => answer.InstanceTypes?.[0],
        (error: unknown) => {
          if (error instanceof Error && error.name === "InvalidInstanceType") return undefined;
          throw error;
        },
      );
    return this.instanceTypeLookup;
  }

  /** Default vCPUs of each type (DescribeInstanceTypes), once per set of types. */
  vcpusOf(types: readonly string[]): Promise<Map<string, number>> {
    const wanted = [...new Set(types)].sort();
    const key = wanted.join(",");
    let lookup = this.vcpuLookups.get(key);
    if (!lookup) {
      lookup = (async () => {
        const vcpus = new Map<string, number>();
        for (let start = 0; start < wanted.length; start += 100) {
          const answer = await this.aws.ec2.send(
            new DescribeInstanceTypesCommand({
              InstanceTypes: wanted.slice(start, start + 100) as _InstanceType[],
            }),
          );
          for (const info of answer.InstanceTypes ?? []) {
            vcpus.set(info.InstanceType ?? "", info.VCpuInfo?.DefaultVCpus ?? 0);
          }
        }
        return vcpus;
      })();
      this.vcpuLookups.set(key, lookup);
    }
    return lookup;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }
}
