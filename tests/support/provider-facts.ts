/**
 * Answers the aws provider's instance-type data sources (aws.ec2.getInstanceType,
 * getInstanceTypeOfferings) the way the provider does at `pulumi up`, from moto's
 * DescribeInstanceTypes (AWS's published figures), for the offline engine's `call` option.
 */
import { DescribeInstanceTypesCommand, EC2Client, type _InstanceType } from "@aws-sdk/client-ec2";
import { motoClientConfig } from "./moto";

export const GET_INSTANCE_TYPE = "aws:ec2/getInstanceType:getInstanceType";
export const GET_OFFERINGS = "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings";

export interface ProviderFacts {
  /** Tokens called, in order. */
  readonly calls: string[];
  /** Zones that offer the type; every call reads it afresh. */
  offeredZones: string[];
  readonly call: (
    token: string,
    inputs: Record<string, unknown>,
  ) => Promise<Record<string, unknown>> | undefined;
}

export function providerFacts(motoEndpoint: string, offeredZones: string[]): ProviderFacts {
  const facts: ProviderFacts = {
    calls: [],
    offeredZones,
    call: (token, inputs) => {
      if (token === GET_INSTANCE_TYPE) {
        facts.calls.push(token);
        const ec2 = new EC2Client(motoClientConfig(motoEndpoint));
        const type = inputs.instanceType as _InstanceType;
        return ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type] })).then((answer) => {
          const info = answer.InstanceTypes![0];
          return {
            instanceType: type,
            maximumNetworkInterfaces: info.NetworkInfo!.MaximumNetworkInterfaces,
            maximumIpv4AddressesPerInterface: info.NetworkInfo!.Ipv4AddressesPerInterface,
            hypervisor: info.Hypervisor ?? "",
            bareMetal: info.BareMetal ?? false,
          };
        });
      }
      if (token === GET_OFFERINGS) {
        facts.calls.push(token);
        return Promise.resolve({
          locations: facts.offeredZones,
          instanceTypes: facts.offeredZones.map(() => "x"),
          locationTypes: [],
        });
      }
      return undefined;
    },
  };
  return facts;
}
