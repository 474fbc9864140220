/**
 * Runs the stack program under Pulumi's mock engine, with no cloud and no credentials, and records
 * every resource it declares (type, name, parent, inputs) and the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { arn } from "../../components/model/partition";
import { parseSettings } from "../config/parse";
import { RawConfig } from "../config/reader";
import { PROJECT_NAME } from "../config/schema";
import { StackSettings } from "../config/settings";
import { buildStack } from "../program";
import { StackFile } from "./stack-file";

export const MOCK_ACCOUNT_ID = "123456789012";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `type::name` of the parent, undefined for the stack's own children. */
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly custom: boolean;
}

export interface OfflineRun {
  readonly settings: StackSettings;
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

/** Config as the program sees it: project keys stripped of their namespace, plus aws:region. */
export function rawConfig(file: StackFile): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.config)) {
    if (key.startsWith(`${PROJECT_NAME}:`)) raw[key.slice(PROJECT_NAME.length + 1)] = value;
    else if (key === "aws:region") raw[key] = value;
  }
  return raw;
}

function fakeId(type: string, name: string): string {
  const kind = type.split(":").pop() ?? "resource";
  return `${kind.split("/").pop()!.toLowerCase()}-${name}`.slice(0, 120);
}

function computedState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  settings: StackSettings,
): Record<string, unknown> {
  const id = fakeId(type, name);
  const [provider, module] = type.split(":");
  const state: Record<string, unknown> = { ...inputs };
  if (provider === "aws") {
    const service = module.split("/")[0];
    state.arn ??=
      service === "iam"
        ? arn(settings.region, "iam", "", MOCK_ACCOUNT_ID, `${type.split(":")[2].toLowerCase()}/${name}`)
        : arn(
            settings.region,
            service,
            settings.region.name,
            MOCK_ACCOUNT_ID,
            `${type.split(":")[2].toLowerCase()}/${id}`,
          );
    state.name ??= name;
  }
  if (type === "eks:index:Cluster") {
    const endpoint = `https://${name}.mock.eks.${settings.region.name}.${settings.region.dnsSuffix}`;
    state.kubeconfigJson = JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name,
          cluster: {
            server: endpoint,
            "certificate-authority-data": Buffer.from("mock-ca").toString("base64"),
          },
        },
      ],
      contexts: [{ name: "aws", context: { cluster: name, user: "aws" } }],
      "current-context": "aws",
      users: [{ name: "aws", user: {} }],
    });
    state.clusterSecurityGroupId = `sg-${name}-cluster`;
  }
  return state;
}

function configForEngine(file: StackFile): Record<string, string> {
  return Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** Validates the config (throws ConfigError) and runs the program under mocks. */
export async function runOffline(file: StackFile): Promise<OfflineRun> {
  const settings = parseSettings(rawConfig(file), { project: PROJECT_NAME, stack: file.stack });
  const resources: RecordedResource[] = [];
  const keyOf = new WeakMap<pulumi.Resource, string>();
  const parentOf = new Map<string, string | undefined>();

  pulumi.runtime.setAllConfig(configForEngine(file));
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const key = `${args.type}::${args.name}`;
        resources.push({
          type: args.type,
          name: args.name,
          parent: parentOf.get(key),
          inputs: args.inputs,
          custom: args.custom ?? true,
        });
        return {
          id: fakeId(args.type, args.name),
          state: computedState(args.type, args.name, args.inputs, settings),
        };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: MOCK_ACCOUNT_ID,
              arn: arn(settings.region, "iam", "", MOCK_ACCOUNT_ID, "user/offline"),
              userId: "offline",
            };
          case "aws:index/getPartition:getPartition":
            return {
              partition: settings.region.partition,
              dnsSuffix: settings.region.dnsSuffix,
              id: settings.region.partition,
            };
          case "aws:index/getRegion:getRegion":
            return { name: settings.region.name, region: settings.region.name, id: settings.region.name };
          default:
            return { ...args.inputs };
        }
      },
    },
    PROJECT_NAME,
    file.stack,
    true,
  );

  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = `${args.type}::${args.name}`;
      const parentKey = args.opts.parent ? keyOf.get(args.opts.parent) : undefined;
      keyOf.set(args.resource, key);
      parentOf.set(key, parentKey);
      return undefined;
    });
    return buildStack(settings);
  });
  const resolved = (await new Promise((resolve) => pulumi.output(outputs ?? {}).apply(resolve))) as Record<
    string,
    unknown
  >;
  return {
    settings,
    resources: resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack"),
    outputs: resolved,
  };
}
