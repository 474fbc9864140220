/**
 * The blog's sample workloads and a connectivity check, planned without Pulumi.
 *
 * sampleapp-1 attaches to the first network, sampleapp-dual to the first two; each is a Deployment of
 * one replica (sampleDeployment), so a pod lost with its node is made again on another. The check is a Job
 * whose pod attaches to the same networks and pings each sample's Multus address from its own
 * interface on that network; it fails (and so fails `pulumi up`) when one does not answer.
 *
 * How the check knows the addresses: with the check on, every host-local attachment is pinned to a
 * fixed address with the `ips` field of the JSON network selection (the NADs declare the `ips`
 * capability, and host-local serves a requested address from its range). Addresses are taken from
 * the top of each range down, so they stay clear of dynamic allocations, which start at rangeStart.
 * host-local keeps its state per node and these addresses are unknown to the VPC, so the samples and
 * the check are kept on one node (pod affinity); with the check off the samples use the blog's plain
 * annotation. eni-prefix attachments cannot be pinned (their prefix is chosen per node at run
 * time), so this check does not ping them: cross-node-check.ts does, from another node, once the
 * node group has two or more nodes; macvlan private/vepa/passthru modes forbid pod-to-pod
 * traffic on one node, so those networks are not pinged either.
 */
import { addressAt, addressToNumber, offsetOf, prefixLength } from "../model/cidr";
import { hasFixedRange, type IpamMode, type MultusNetwork } from "../model/network";
import { vpcIpResourceLimits } from "../model/vpc-ip-capacity";
import { attachmentFor, NetworkAttachmentPlan, zoneSuffix } from "./nad";

export const NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
export const SAMPLE_LABEL = "multus-eks/sample";
export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const SAMPLE_SINGLE = "sampleapp-1";
export const SAMPLE_DUAL = "sampleapp-dual";
export const CHECK_JOB = "multus-connectivity-check";

export interface PodAttachment {
  readonly nad: string;
  readonly network: string;
  /** The network's IPAM: a vpc-ip attachment takes one of the node's vpc-ip resources. */
  readonly ipam: IpamMode;
  /** Interface inside the pod: net1, net2, ... in attachment order. */
  readonly interface: string;
  /** Pinned address with prefix (10.0.4.80/24), when pinned. */
  readonly address?: string;
}

export interface PodPlan {
  readonly name: string;
  readonly availabilityZone: string;
  readonly attachments: readonly PodAttachment[];
  /** Value of the k8s.v1.cni.cncf.io/networks annotation. */
  readonly networksAnnotation: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * The sample this pod must share a node with, by name (its SAMPLE_LABEL value): the zone's first
   * sample, which every other pod of the zone follows. One anchor, because the scheduler satisfies
   * required pod-affinity terms only with a pod that matches all of them (kubernetes/kubernetes
   * #130784, #134534): a term per sample could never be met, as no pod is two samples.
   */
  readonly sameNodeAs?: string;
  /**
   * A sample's name in the other zone layout (one node AZ, or several), in the first node AZ: the
   * Deployment that held this pod's pinned addresses before the node AZs changed. The component
   * gives it as an alias, so that a change of layout replaces that Deployment (deleted first) instead
   * of creating this one beside it: on a node, ipvlan refuses an address another link of its master
   * holds, so the new pod could not start while the old one runs, and `pulumi up`, which deletes
   * renamed resources only after creating their successors, would wait for it until its timeout.
   */
  readonly otherLayoutName?: string;
}

export interface PingTarget {
  readonly sample: string;
  readonly network: string;
  readonly fromInterface: string;
  readonly address: string;
}

export interface CheckPlan extends PodPlan {
  readonly targets: readonly PingTarget[];
  readonly script: string;
}

export interface SamplePlan {
  readonly samples: readonly PodPlan[];
  readonly checks: readonly CheckPlan[];
  /** Why some attachments are not pinged; shown to the user. */
  readonly notes: readonly string[];
}

export interface SampleOptions {
  readonly connectivityCheck: boolean;
}

/** Networks whose pods on one node can reach each other and whose addresses can be pinned. */
export function isPingable(network: MultusNetwork): boolean {
  return hasFixedRange(network.ipam) && (network.cni === "ipvlan" || network.mode === "bridge");
}

function suffixed(name: string, zone: string, multiZone: boolean): string {
  return multiZone ? `${name}-${zoneSuffix(zone)}` : name;
}

/** Addresses handed out top-down from the range end of each (network, zone). */
class PinnedAddresses {
  private readonly used = new Map<string, number>();

  next(network: MultusNetwork, zone: string, owner: string): string {
    const subnet = network.subnets.find((candidate) => candidate.availabilityZone === zone);
    if (!subnet) throw new Error(`Multus network "${network.name}" has no subnet in ${zone}`);
    const key = `${network.name}@${zone}`;
    const taken = this.used.get(key) ?? 0;
    const size = addressToNumber(subnet.rangeEnd) - addressToNumber(subnet.rangeStart) + 1;
    if (taken >= size) {
      throw new Error(
        `network "${network.name}": its range ${subnet.rangeStart}-${subnet.rangeEnd} in ${zone} has ${size} ` +
          `address(es), too few to pin one for ${owner} as well; widen rangeStart/rangeEnd or set connectivityCheckEnabled to false`,
      );
    }
    this.used.set(key, taken + 1);
    return `${addressAt(subnet.cidr, offsetOf(subnet.cidr, subnet.rangeEnd) - taken)}/${prefixLength(subnet.cidr)}`;
  }
}

function annotationOf(attachments: readonly PodAttachment[], pinned: boolean): string {
  if (!pinned) return attachments.map((attachment) => attachment.nad).join(", ");
  return JSON.stringify(
    attachments.map((attachment) => ({
      name: attachment.nad,
      interface: attachment.interface,
      ...(attachment.address ? { ips: [attachment.address] } : {}),
    })),
  );
}

function pingScript(targets: readonly PingTarget[]): string {
  const lines = [
    "failed=0",
    'probe() { if ping -c 3 -W 2 -I "$1" "$2" >/dev/null 2>&1; then echo "ok   $3"; else echo "FAIL $3"; failed=1; fi; }',
    ...targets.map((target) => {
      const address = target.address.split("/")[0];
      return `probe ${target.fromInterface} ${address} "${target.sample} on ${target.network} (${address}) from ${target.fromInterface}"`;
    }),
    'if [ "$failed" -ne 0 ]; then echo "Multus connectivity check failed: see the FAIL lines above"; fi',
    'exit "$failed"',
  ];
  return lines.join("\n");
}

export function planSamples(
  networks: readonly MultusNetwork[],
  nodeZones: readonly string[],
  nads: readonly NetworkAttachmentPlan[],
  options: SampleOptions,
): SamplePlan {
  if (networks.length === 0) return { samples: [], checks: [], notes: [] };
  const multiZone = nodeZones.length > 1;
  const pinned = options.connectivityCheck;
  const addresses = new PinnedAddresses();
  const notes = networks
    .slice(0, 2)
    .filter((network) => pinned && !isPingable(network))
    .map((network) =>
      network.ipam === "eni-prefix"
        ? `network "${network.name}": not pinged (eni-prefix addresses are chosen per node at run time)`
        : `network "${network.name}": not pinged (macvlan mode ${network.mode} blocks pod-to-pod traffic on one node)`,
    );

  const samples: PodPlan[] = [];
  const checks: CheckPlan[] = [];
  for (const zone of nodeZones) {
    const attach = (used: readonly MultusNetwork[], owner: string): PodAttachment[] =>
      used.map((network, index) => ({
        nad: attachmentFor(nads, network, zone).name,
        network: network.name,
        ipam: network.ipam,
        interface: `net${index + 1}`,
        ...(pinned && isPingable(network) ? { address: addresses.next(network, zone, owner) } : {}),
      }));
    const zonePods: PodPlan[] = [];
    const sampleNetworks: [string, MultusNetwork[]][] = [
      [SAMPLE_SINGLE, networks.slice(0, 1)],
      ...(networks.length > 1 ? [[SAMPLE_DUAL, networks.slice(0, 2)] as [string, MultusNetwork[]]] : []),
    ];
    for (const [stem, used] of sampleNetworks) {
      const name = suffixed(stem, zone, multiZone);
      const attachments = attach(used, name);
      zonePods.push({
        name,
        availabilityZone: zone,
        attachments,
        networksAnnotation: annotationOf(attachments, pinned),
        labels: { app: "multus-sample", [SAMPLE_LABEL]: name },
        ...(multiZone ? { nodeSelector: { [ZONE_LABEL]: zone } } : {}),
        ...(pinned && zonePods.length > 0 ? { sameNodeAs: zonePods[0].name } : {}),
        ...(zone === nodeZones[0] ? { otherLayoutName: suffixed(stem, zone, !multiZone) } : {}),
      });
    }
    samples.push(...zonePods);
    if (!options.connectivityCheck) continue;

    const checkNetworks = networks.slice(0, 2).filter(isPingable);
    if (checkNetworks.length === 0) continue;
    const name = suffixed(CHECK_JOB, zone, multiZone);
    const attachments = attach(checkNetworks, name);
    const targets = zonePods.flatMap((pod) =>
      pod.attachments
        .filter((attachment) => attachment.address !== undefined)
        .map((attachment) => ({
          sample: pod.name,
          network: attachment.network,
          fromInterface: attachments.find((own) => own.network === attachment.network)!.interface,
          address: attachment.address!,
        })),
    );
    checks.push({
      name,
      availabilityZone: zone,
      attachments,
      networksAnnotation: annotationOf(attachments, true),
      labels: { app: "multus-connectivity-check", [SAMPLE_LABEL]: name },
      ...(multiZone ? { nodeSelector: { [ZONE_LABEL]: zone } } : {}),
      sameNodeAs: zonePods[0].name,
      targets,
      script: pingScript(targets),
    });
  }
  return { samples, checks, notes };
}

/** Limits for a container whose only counted resources are its vpc-ip attachments (if any). */
export function containerResources(
  attachments: readonly { readonly network: string; readonly ipam: IpamMode }[],
): { resources?: { limits: Record<string, string> } } {
  const limits = vpcIpResourceLimits(attachments);
  return Object.keys(limits).length > 0 ? { resources: { limits } } : {};
}

/** Pod affinity that puts a pod on the node of the named sample: one required term. */
export function sameNodeAffinity(name: string | undefined): Record<string, unknown> | undefined {
  if (name === undefined) return undefined;
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { [SAMPLE_LABEL]: name } }, topologyKey: HOSTNAME_LABEL },
      ],
    },
  };
}

/** Runs until deleted; answers pings on its Multus interfaces. */
export const SAMPLE_COMMAND = [
  "sh",
  "-c",
  "trap 'exit 0' TERM INT; while true; do sleep 3600 & wait $!; done",
];

export function samplePodSpec(plan: PodPlan, image: string): Record<string, unknown> {
  const affinity = sameNodeAffinity(plan.sameNodeAs);
  return {
    containers: [
      {
        name: "sample",
        image,
        command: SAMPLE_COMMAND,
        // No added capabilities: ping's raw socket comes from the runtime's default set (containerd's
        // includes NET_RAW), and Pod Security `baseline` refuses NET_RAW in capabilities.add.
        resources: {
          requests: { cpu: "10m", memory: "16Mi" },
          limits: { memory: "64Mi", ...vpcIpResourceLimits(plan.attachments) },
        },
      },
    ],
    terminationGracePeriodSeconds: 5,
    ...(plan.nodeSelector ? { nodeSelector: plan.nodeSelector } : {}),
    ...(affinity ? { affinity } : {}),
  };
}

/** Samples are found by this label (the check's pod affinity), never by pod name. */
export function sampleSelector(plan: PodPlan): Record<string, string> {
  return { [SAMPLE_LABEL]: plan.name };
}

/**
 * A sample as a Deployment of one replica: when its node goes (an instance refresh terminates the
 * old node), Kubernetes creates a new pod on another node; a bare Pod would be gone for good.
 *
 * Recreate, not RollingUpdate: a rollout deletes the old pod before it creates the new one, so a
 * pinned address (`ips`) is never claimed by two pods; RollingUpdate's surge would start the new pod
 * first, possibly on another node, where host-local would hand out the same address again. When a
 * node goes, the ReplicaSet replaces a pod only once it is being deleted; the sample exits at once on
 * SIGTERM, and vpc-ip refuses an address another ENI still holds (EC2 is its lock).
 */
export function sampleDeployment(plan: PodPlan, namespace: string, image: string): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: sampleMetadata(plan, namespace),
    spec: sampleDeploymentSpec(plan, image),
  };
}

export function sampleMetadata(plan: PodPlan, namespace: string): Record<string, unknown> {
  return { name: plan.name, namespace, labels: { ...plan.labels } };
}

export function sampleDeploymentSpec(plan: PodPlan, image: string): Record<string, unknown> {
  return {
    replicas: 1,
    strategy: { type: "Recreate" },
    selector: { matchLabels: sampleSelector(plan) },
    template: {
      metadata: {
        labels: { ...plan.labels },
        annotations: { [NETWORKS_ANNOTATION]: plan.networksAnnotation },
      },
      spec: samplePodSpec(plan, image),
    },
  };
}

export const CHECK_BACKOFF_LIMIT = 2;
export const CHECK_DEADLINE_SECONDS = 300;

export function checkJobSpec(plan: CheckPlan, image: string): Record<string, unknown> {
  const affinity = sameNodeAffinity(plan.sameNodeAs);
  return {
    backoffLimit: CHECK_BACKOFF_LIMIT,
    activeDeadlineSeconds: CHECK_DEADLINE_SECONDS,
    template: {
      metadata: { labels: plan.labels, annotations: { [NETWORKS_ANNOTATION]: plan.networksAnnotation } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "ping",
            image,
            command: ["sh", "-c", plan.script],
            // The log tail becomes the failure message Pulumi shows.
            terminationMessagePolicy: "FallbackToLogsOnError",
            ...containerResources(plan.attachments),
          },
        ],
        ...(plan.nodeSelector ? { nodeSelector: plan.nodeSelector } : {}),
        ...(affinity ? { affinity } : {}),
      },
    },
  };
}
