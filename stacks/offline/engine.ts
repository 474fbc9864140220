/**
 * Runs the stack program under Pulumi's mock engine, with no cloud and no credentials, and records
 * every resource it declares (type, name, parent, inputs) and the stack outputs.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { arn } from "../../components/model/partition";
import { parseSettings } from "../config/parse";
import { PROJECT_NAME } from "../config/schema";
import { StackSettings } from "../config/settings";
import { InstanceFactsByType, InstanceTypeFacts, tableFacts } from "../instance-type/facts";
import { buildLiveStack } from "../live";
import { buildStack } from "../program";
import { rawConfig } from "./raw-config";
import { StackFile } from "./stack-file";

export const MOCK_ACCOUNT_ID = "123456789012";
/** A PEM-shaped stand-in for the cluster CA: node user data checks the shape, never the key. */
export const MOCK_CA_PEM = "-----BEGIN CERTIFICATE-----\nbW9jay1jYQ==\n-----END CERTIFICATE-----\n";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `type::name` of the parent, undefined for the stack's own children. */
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly custom: boolean;
  /** Provider reference (`urn::id`) when the resource names an explicit provider. */
  readonly provider?: string;
  /** What the Pulumi engine would hand a policy pack about the resource (read by the policy gate). */
  readonly engine?: EngineView;
}

/** URNs and dependencies, as the engine records them for policy packs. */
export interface EngineView {
  urn?: string;
  parentUrn?: string;
  /** URNs of every resource the inputs depend on. */
  dependencies: string[];
  /** Input property name → URNs of the resources that property's value came from. */
  propertyDependencies: Record<string, string[]>;
  /** The resource option `ignoreChanges`: inputs a later update leaves as they are. */
  ignoreChanges: string[];
  /** The other resource options the engine acts on (aliases, replacement, deletion, timeouts...). */
  options: Record<string, unknown>;
}

export interface OfflineOptions {
  /** Declares extra resources after the stack program (tests seed policy violations this way). */
  readonly extraProgram?: (context: { settings: StackSettings; outputs: Record<string, unknown> }) => void;
  /**
   * Where the instance type's facts come from: "table" (default, the offline plan) or "provider"
   * (the `pulumi up` path: aws.ec2.getInstanceType and getInstanceTypeOfferings, answered by `call`).
   */
  readonly instanceFacts?: "table" | "provider";
  /** Answers provider function calls (data sources) the mocks do not know; undefined: echo inputs. */
  readonly call?: (
    token: string,
    inputs: Record<string, unknown>,
  ) => Record<string, unknown> | Promise<Record<string, unknown>> | undefined;
}

export interface OfflineRun {
  readonly settings: StackSettings;
  /** The node instance type's facts the program used; undefined: not in the table (nodeMaxPods set). */
  readonly instanceFacts?: InstanceTypeFacts;
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

export { rawConfig } from "./raw-config";

/** EC2 IDs the program validates by shape (the ENI Lambda's config, its IAM policy) look real. */
const EC2_ID_PREFIXES: Readonly<Record<string, string>> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt",
};

export function fakeId(type: string, name: string): string {
  const prefix = EC2_ID_PREFIXES[type];
  if (prefix)
    return `${prefix}-${createHash("sha256").update(`${type}::${name}`).digest("hex").slice(0, 17)}`;
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
            "certificate-authority-data": Buffer.from(MOCK_CA_PEM).toString("base64"),
          },
        },
      ],
      contexts: [{ name: "aws", context: { cluster: name, user: "aws" } }],
      "current-context": "aws",
      users: [{ name: "aws", user: {} }],
    });
    state.clusterSecurityGroupId = `sg-${name}-cluster`;
    // createOidcProvider: the issuer and provider ARN the cluster reports (ID made up).
    const issuer = `oidc.eks.${settings.region.name}.${settings.region.dnsSuffix}/id/MOCK${createHash("sha256").update(name).digest("hex").slice(0, 24).toUpperCase()}`;
    state.oidcIssuer = issuer;
    state.oidcProviderUrl = `https://${issuer}`;
    state.oidcProviderArn = arn(settings.region, "iam", "", MOCK_ACCOUNT_ID, `oidc-provider/${issuer}`);
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
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getProtect(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getRetainondelete(): boolean | undefined;
  getAdditionalsecretoutputsList(): string[];
  getAliasesList(): { toObject(): unknown }[];
  getCustomtimeouts(): { toObject(): unknown } | undefined;
  getDeletedwith(): string;
  getVersion(): string;
  getPropertydependenciesMap(): {
    forEach(callback: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
}
type RegisterCallback = (error: unknown, response?: { getUrn(): string }) => void;
interface RegisteringMonitor {
  registerResource(request: RegisterRequest, callback: RegisterCallback): Promise<void>;
}

/** Captures each registration's URN and dependencies from the mock monitor's requests. */
function recordEngineViews(views: Map<string, EngineView>): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as RegisteringMonitor | undefined;
  if (!monitor || typeof monitor.registerResource !== "function") return;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    request.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const view: EngineView = {
      parentUrn: request.getParent() || undefined,
      dependencies: request.getDependenciesList(),
      propertyDependencies,
      ignoreChanges: request.getIgnorechangesList(),
      options: {
        protect: request.getProtect() ?? false,
        deleteBeforeReplace: request.getDeletebeforereplace(),
        replaceOnChanges: request.getReplaceonchangesList(),
        retainOnDelete: request.getRetainondelete() ?? false,
        additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
        aliases: request.getAliasesList().map((alias) => alias.toObject()),
        customTimeouts: request.getCustomtimeouts()?.toObject() ?? null,
        deletedWith: request.getDeletedwith(),
        version: request.getVersion(),
      },
    };
    views.set(`${request.getType()}::${request.getName()}`, view);
    return register(request, (error, response) => {
      if (response) view.urn = response.getUrn();
      callback(error, response);
    });
  };
}

export async function runOffline(file: StackFile, options: OfflineOptions = {}): Promise<OfflineRun> {
  const fromProvider = options.instanceFacts === "provider";
  const settings = parseSettings(rawConfig(file), {
    project: PROJECT_NAME,
    stack: file.stack,
    instanceTypeFacts: fromProvider ? "ec2" : "table",
  });
  // This program's table for every group's type it knows (the plan); EC2's through the provider.
  let factsByType: InstanceFactsByType = fromProvider
    ? {}
    : Object.fromEntries(
        settings.nodeGroups.flatMap((group) => {
          const facts = tableFacts(group.instanceType);
          return facts ? [[group.instanceType, facts]] : [];
        }),
      );
  const resources: RecordedResource[] = [];
  const keyOf = new WeakMap<pulumi.Resource, string>();
  const parentOf = new Map<string, string | undefined>();

  const engineViews = new Map<string, EngineView>();

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
          ...(args.provider ? { provider: args.provider } : {}),
          ...(engineViews.has(key) ? { engine: engineViews.get(key) } : {}),
        });
        return {
          id: fakeId(args.type, args.name),
          state: computedState(args.type, args.name, args.inputs, settings),
        };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> | Promise<Record<string, unknown>> {
        const answered = options.call?.(args.token, args.inputs);
        if (answered) return answered;
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
          case "aws:eks/getAddonVersion:getAddonVersion":
            return { ...args.inputs, version: "v0.0.0-offline", id: String(args.inputs.addonName) };
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
  recordEngineViews(engineViews);

  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = `${args.type}::${args.name}`;
      const parentKey = args.opts.parent ? keyOf.get(args.opts.parent) : undefined;
      keyOf.set(args.resource, key);
      parentOf.set(key, parentKey);
      return undefined;
    });
    let stackOutputs: Record<string, unknown>;
    if (fromProvider) {
      const live = await buildLiveStack(settings);
      factsByType = live.facts;
      stackOutputs = live.outputs;
    } else {
      stackOutputs = buildStack(settings, factsByType);
    }
    options.extraProgram?.({ settings, outputs: stackOutputs });
    return stackOutputs;
  });
  const resolved = (await new Promise((resolve) => pulumi.output(outputs ?? {}).apply(resolve))) as Record<
    string,
    unknown
  >;
  // Drain the queued registerOutputs calls (stack and components) into this run's mock monitor;
  // otherwise they reach the next run's monitor and fail with "unknown resource ... Stack".
  await pulumi.runtime.disconnect();
  const instanceFacts = factsByType[settings.nodeGroup.instanceType];
  return {
    settings,
    ...(instanceFacts ? { instanceFacts } : {}),
    resources: resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack"),
    outputs: resolved,
  };
}
