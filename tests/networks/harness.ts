// Runs stacks/networks.ts (and so MultusNetworks) under Pulumi's mocks from a parsed stack config,
// recording every resource with its options (parent, provider, dependsOn), which the offline engine
// does not keep.
import * as pulumi from "@pulumi/pulumi";
import { parseSettings, PROJECT_NAME, RawConfig, StackSettings } from "../../stacks/config";
import { createMultusNetworks } from "../../stacks/networks";

export const ACCOUNT_ID = "210987654321";

export interface Recorded {
  readonly key: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly parent?: string;
  readonly provider?: string;
  readonly dependsOn: string[];
  readonly deleteBeforeReplace: boolean;
}

export interface NetworksRun {
  readonly settings: StackSettings;
  readonly resources: Recorded[];
  readonly outputs: Record<string, unknown>;
  byType(type: string): Recorded[];
  one(type: string, name?: string): Recorded;
}

export const TYPES = {
  component: "multus-eks:k8s:MultusNetworks",
  crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  configMap: "kubernetes:core/v1:ConfigMap",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  nad: "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition",
  pod: "kubernetes:core/v1:Pod",
  job: "kubernetes:batch/v1:Job",
  release: "kubernetes:helm.sh/v3:Release",
  provider: "pulumi:providers:kubernetes",
} as const;

/** The blog's Ningxia stack plus `overrides` (setting names without the project namespace). */
export function ningxia(overrides: Record<string, unknown> = {}): RawConfig {
  return {
    "aws:region": "cn-northwest-1",
    partition: "aws-cn",
    availabilityZones: ["cn-northwest-1a", "cn-northwest-1b"],
    ...overrides,
  };
}

export function beijing(overrides: Record<string, unknown> = {}): RawConfig {
  return {
    "aws:region": "cn-north-1",
    partition: "aws-cn",
    availabilityZones: ["cn-north-1a", "cn-north-1b"],
    ...overrides,
  };
}

export function settingsOf(raw: RawConfig): StackSettings {
  return parseSettings(raw, { project: PROJECT_NAME, stack: "unit" });
}

class NodeGroupStub extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:NodeGroup", name, {});
    this.registerOutputs({});
  }
}

function keysOf(
  dependsOn: pulumi.ResourceOptions["dependsOn"],
  keyOf: WeakMap<pulumi.Resource, string>,
): string[] {
  if (dependsOn === undefined) return [];
  const list = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  return list.map((item) => keyOf.get(item as pulumi.Resource) ?? "(unknown)");
}

/** Parses `raw` and builds the Multus networks of that stack; a stub stands in for the node group. */
export async function runNetworks(raw: RawConfig): Promise<NetworksRun> {
  const settings = settingsOf(raw);
  const resources: Recorded[] = [];
  const options = new Map<string, Omit<Recorded, "key" | "type" | "name" | "inputs">>();
  const keyOf = new WeakMap<pulumi.Resource, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const key = `${args.type}::${args.name}`;
        const recorded = options.get(key) ?? { dependsOn: [], deleteBeforeReplace: false };
        resources.push({ key, type: args.type, name: args.name, inputs: args.inputs, ...recorded });
        return { id: `${args.name}-id`, state: { ...args.inputs } };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return { accountId: ACCOUNT_ID, arn: `arn:aws-cn:iam::${ACCOUNT_ID}:user/unit`, userId: "unit" };
        }
        return { ...args.inputs };
      },
    },
    PROJECT_NAME,
    "unit",
    true,
  );

  let resolved: Record<string, unknown>;
  try {
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const key = `${args.type}::${args.name}`;
        keyOf.set(args.resource, key);
        const provider = (args.opts as pulumi.CustomResourceOptions).provider;
        options.set(key, {
          parent: args.opts.parent ? keyOf.get(args.opts.parent) : undefined,
          provider: provider ? keyOf.get(provider) : undefined,
          dependsOn: keysOf(args.opts.dependsOn, keyOf),
          deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
        });
        return undefined;
      });
      const nodes = new NodeGroupStub("unit-nodes");
      const multus = createMultusNetworks(settings, { kubeconfigJson: pulumi.output("{}") }, [nodes]);
      return {
        nadNames: multus.nadNames,
        sampleNames: multus.sampleNames,
        checkJobNames: multus.checkJobNames,
        checkNotes: multus.checkNotes,
      };
    });
    resolved = (await new Promise((resolve) => pulumi.output(outputs ?? {}).apply(resolve))) as Record<
      string,
      unknown
    >;
  } finally {
    await pulumi.runtime.disconnect();
  }
  const byType = (type: string): Recorded[] => resources.filter((resource) => resource.type === type);
  return {
    settings,
    resources,
    outputs: resolved,
    byType,
    one(type, name) {
      const found = byType(type).filter((resource) => name === undefined || resource.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
      return found[0];
    },
  };
}
