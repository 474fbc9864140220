// Runs stacks/networks.ts (and so MultusNetworks) under Pulumi's mocks from a parsed stack config,
// recording every resource with its options (parent, provider, dependsOn), which the offline engine
// does not keep.
import * as pulumi from "@pulumi/pulumi";
import { parseSettings, PROJECT_NAME, RawConfig, StackSettings } from "../../stacks/config";
import { createMultusNetworks } from "../../stacks/networks";
import { MOCK_ACCOUNT_ID, MockedRun, runUnderMocks } from "../support/component-mocks";

export const ACCOUNT_ID = MOCK_ACCOUNT_ID;

export interface NetworksRun extends MockedRun {
  readonly settings: StackSettings;
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
  deployment: "kubernetes:apps/v1:Deployment",
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

/** Parses `raw` and builds the Multus networks of that stack; a stub stands in for the node group. */
export async function runNetworks(raw: RawConfig): Promise<NetworksRun> {
  const settings = settingsOf(raw);
  const run = await runUnderMocks(
    () => {
      const nodes = new NodeGroupStub("unit-nodes");
      const multus = createMultusNetworks(settings, { kubeconfigJson: pulumi.output("{}") }, [nodes]);
      return {
        nadNames: multus.nadNames,
        sampleNames: multus.sampleNames,
        checkJobNames: multus.checkJobNames,
        checkNotes: multus.checkNotes,
      };
    },
    { project: PROJECT_NAME, stack: "unit" },
  );
  return { ...run, settings };
}
