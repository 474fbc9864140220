// Runs a piece of the program under Pulumi's mocks and records every resource together with its
// resource options (parent, provider, dependsOn, deleteBeforeReplace), which the offline engine
// does not keep. Component tests build on it.
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "210987654321";

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

export interface MockedRun {
  readonly resources: Recorded[];
  readonly outputs: Record<string, unknown>;
  byType(type: string): Recorded[];
  one(type: string, name?: string): Recorded;
}

export interface MockOptions {
  readonly project: string;
  readonly stack: string;
  /** State the mock engine returns for a new resource, beyond its inputs. */
  readonly extraState?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
}

type Options = Omit<Recorded, "key" | "type" | "name" | "inputs">;

function keysOf(
  dependsOn: pulumi.ResourceOptions["dependsOn"],
  keyOf: WeakMap<pulumi.Resource, string>,
): string[] {
  if (dependsOn === undefined) return [];
  const list = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  return list.map((item) => keyOf.get(item as pulumi.Resource) ?? "(unknown)");
}

/** Runs `build` in a fresh mocked stack and returns what it declared and its resolved outputs. */
export async function runUnderMocks(
  build: () => Record<string, unknown>,
  mockOptions: MockOptions,
): Promise<MockedRun> {
  const resources: Recorded[] = [];
  const options = new Map<string, Options>();
  const keyOf = new WeakMap<pulumi.Resource, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const key = `${args.type}::${args.name}`;
        const recorded = options.get(key) ?? { dependsOn: [], deleteBeforeReplace: false };
        resources.push({ key, type: args.type, name: args.name, inputs: args.inputs, ...recorded });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOptions.extraState?.(args) } };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return {
            accountId: MOCK_ACCOUNT_ID,
            arn: `arn:aws-cn:iam::${MOCK_ACCOUNT_ID}:user/unit`,
            userId: "unit",
          };
        }
        return { ...args.inputs };
      },
    },
    mockOptions.project,
    mockOptions.stack,
    true,
  );

  let resolved: Record<string, unknown>;
  try {
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const key = `${args.type}::${args.name}`;
        keyOf.set(args.resource, key);
        const custom = args.opts as pulumi.CustomResourceOptions;
        options.set(key, {
          parent: args.opts.parent ? keyOf.get(args.opts.parent) : undefined,
          provider: custom.provider ? keyOf.get(custom.provider) : undefined,
          dependsOn: keysOf(args.opts.dependsOn, keyOf),
          deleteBeforeReplace: custom.deleteBeforeReplace === true,
        });
        return undefined;
      });
      return build();
    });
    resolved = (await new Promise((resolve) => pulumi.output(outputs ?? {}).apply(resolve))) as Record<
      string,
      unknown
    >;
  } finally {
    // Drain queued registrations into this run's monitor, even when the program threw.
    await pulumi.runtime.disconnect();
  }
  const byType = (type: string): Recorded[] => resources.filter((resource) => resource.type === type);
  return {
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
