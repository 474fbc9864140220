/**
 * Multus, the NetworkAttachmentDefinitions, the samples and the check on the stack's cluster.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MultusInstallArgs, MultusNetworks } from "../components/networks";
import { ClusterResult } from "./cluster";
import { StackSettings } from "./config";
import { sampleMirrorImage } from "./sample-image";
import { multusNodeCount, multusNodeZones } from "./config/nodegroup";
import { bastionNadReaders } from "./cluster/access";

export { SAMPLE_MIRROR_REPOSITORY, SAMPLE_MIRROR_TAG, sampleMirrorImage } from "./sample-image";

export function createMultusNetworks(
  settings: StackSettings,
  cluster: Pick<ClusterResult, "kubeconfigJson">,
  dependsOn: pulumi.Resource[],
  sharedProvider?: k8s.Provider,
): MultusNetworks {
  const provider =
    sharedProvider ?? new k8s.Provider(`${settings.clusterName}-k8s`, { kubeconfig: cluster.kubeconfigJson });
  const { install: installSettings } = settings.multus;
  const install: MultusInstallArgs =
    installSettings.method === "yaml"
      ? {
          method: "yaml",
          image: installSettings.image,
          version: installSettings.version,
          resources: installSettings.resources,
        }
      : {
          method: "helm",
          chart: installSettings.chart,
          ...(installSettings.repository ? { repository: installSettings.repository } : {}),
          ...(installSettings.version ? { version: installSettings.version } : {}),
          values: installSettings.values,
        };
  const sampleImage: pulumi.Input<string> =
    settings.multus.sampleImage ??
    aws
      .getCallerIdentityOutput()
      .accountId.apply((accountId) => sampleMirrorImage(accountId, settings.region));

  const nadReaders = bastionNadReaders(settings.bastion);
  return new MultusNetworks(settings.clusterName, {
    provider,
    networks: settings.networks,
    nodeZones: multusNodeZones(settings.availabilityZones, settings.nodeGroups),
    install,
    samples: {
      enabled: settings.multus.samplesEnabled,
      image: sampleImage,
      connectivityCheck: settings.multus.connectivityCheckEnabled,
      nodeCount: multusNodeCount(settings.nodeGroups),
    },
    dependsOn,
    ...(nadReaders ? { nadReaders } : {}),
  });
}
