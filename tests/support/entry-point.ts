/**
 * Runs the program's real entry point (stacks/index.ts, what `pulumi preview`/`up` runs) under
 * Pulumi's mock engine, and records every resource it declares before it ends or fails.
 *
 * The provider's data sources (aws.ec2.getInstanceType, getInstanceTypeOfferings, the caller and
 * partition) are answered from EC2's published figures in the program's table, for any AZ: these
 * tests are about when the program stops, not about instance types.
 */
import * as pulumi from "@pulumi/pulumi";
import { tableFacts } from "../../stacks/instance-type/facts";
import { fakeId } from "../../stacks/offline/engine";
import { readStackFile } from "../../stacks/offline/stack-file";
import { PROJECT_NAME } from "../../stacks/config/schema";

export interface EntryPointRun {
  /** `type::name` of every resource declared, in order (the stack itself not counted). */
  readonly declared: string[];
  /** What the program failed with, if it did. */
  readonly error?: Error;
}

function qualified(key: string): string {
  return key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
}

/** A shipped stack's config with changes (setting names or qualified keys; undefined removes). */
export function entryConfig(
  stack: string,
  changes: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const config: Record<string, unknown> = { ...readStackFile(stack).config };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete config[qualified(key)];
    else config[qualified(key)] = value;
  }
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

function dataSource(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:ec2/getInstanceType:getInstanceType": {
      const facts = tableFacts(String(inputs.instanceType));
      if (!facts) throw new Error(`no table facts for ${String(inputs.instanceType)}: use a listed type`);
      return {
        instanceType: facts.instanceType,
        maximumNetworkInterfaces: facts.maxEnis,
        maximumIpv4AddressesPerInterface: facts.ipv4PerEni,
        hypervisor: facts.nitro ? "nitro" : "xen",
        bareMetal: false,
      };
    }
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
      const zones = ["a", "b", "c", "d"].flatMap((letter) => [
        `cn-northwest-1${letter}`,
        `cn-north-1${letter}`,
      ]);
      return { locations: zones, instanceTypes: zones.map(() => "x"), locationTypes: [] };
    }
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: "123456789012", arn: "caller", userId: "caller" };
    default:
      return inputs;
  }
}

export async function runEntryPoint(
  config: Record<string, string>,
  stack = "ningxia",
): Promise<EntryPointRun> {
  const declared: string[] = [];
  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        declared.push(`${args.type}::${args.name}`);
        // IDs of the shapes EC2 gives (vpc-, subnet-, sg-...): the program checks those it receives.
        return { id: fakeId(args.type, args.name), state: args.inputs };
      },
      call: (args) => dataSource(args.token, args.inputs),
    },
    PROJECT_NAME,
    stack,
    true,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../stacks/index") as () => Promise<Record<string, unknown>>;
  let error: Error | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(program);
  } catch (caught) {
    error = caught as Error;
  }
  await pulumi.runtime.disconnect();
  return {
    declared: declared.filter((key) => !key.startsWith("pulumi:pulumi:Stack::")),
    ...(error ? { error } : {}),
  };
}
