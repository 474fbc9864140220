/**
 * Prints the node user data size for the default ningxia stack and for the largest configuration
 * (15 networks, every IPAM mode), against EC2's 16,384-byte limit, and the node files object size.
 * The offline program uses a short mock CA: the figures are also given with a real-sized EKS CA
 * bundle (about 1,100 bytes of PEM, 1,468 of base64) and a 63-character bucket name.
 *   npx ts-node --transpile-only tests/support/print-user-data-size.ts
 */
import { renderNodeUserData, userDataPayload } from "../../components/nodegroup/userdata";
import { largestNetworks } from "./largest-config";
import { startMoto } from "./moto";
import { resourcesOfType, runStack, type OfflineRun } from "./offline";
import { providerFacts } from "./provider-facts";

const LIMIT = 16384;

function launchTemplateBytes(run: OfflineRun): number {
  const [template] = resourcesOfType(run, "aws:ec2/launchTemplate:LaunchTemplate");
  return Buffer.from(String(template.inputs.userData), "base64").length;
}

function objectBytes(run: OfflineRun): number {
  const [object] = resourcesOfType(run, "aws:s3/bucketObjectv2:BucketObjectv2");
  return Buffer.from(String(object.inputs.contentBase64), "base64").length;
}

async function main(): Promise<void> {
  const defaults = await runStack("ningxia");
  // c6in.32xlarge's figures from EC2's published data (moto), as `pulumi up` reads them.
  const moto = await startMoto();
  const largest = await runStack(
    "ningxia",
    { networks: largestNetworks(), nodeInstanceType: "c6in.32xlarge", nodeMaxPods: 250 },
    {
      instanceFacts: "provider",
      call: providerFacts(moto.endpoint, ["cn-northwest-1a", "cn-northwest-1b"]).call,
    },
  ).finally(() => moto.stop());
  const realCa = Buffer.from(
    `-----BEGIN CERTIFICATE-----\n${"A".repeat(1050)}\n-----END CERTIFICATE-----\n`,
  ).toString("base64");
  const realistic = userDataPayload(
    renderNodeUserData({
      clusterName: "eks-multus-cluster",
      apiServerEndpoint: "https://0123456789ABCDEF0123456789ABCDEF.gr7.cn-northwest-1.eks.amazonaws.com.cn",
      certificateAuthority: realCa,
      serviceCidr: "172.20.0.0/16",
      maxPods: 250,
      labels: { "multus-eks/role": "multus" },
      networks: largestNetworks().map((network, index) => ({
        name: String(network.name),
        deviceIndex: index + 1,
        interfaceName: `multus${index + 1}`,
      })),
      nodeFiles: {
        bucket: `eks-multus-cluster-node-files-${"0".repeat(33)}`,
        key: `node-files/${"f".repeat(64)}.tar.gz`,
        sha256: "f".repeat(64),
        region: "cn-northwest-1",
      },
    }),
  ).length;
  const rows: [string, number, boolean][] = [
    ["default ningxia stack (mock CA), user data", launchTemplateBytes(defaults), true],
    ["15 networks, every IPAM mode (mock CA), user data", launchTemplateBytes(largest), true],
    ["15 networks, real-sized CA and bucket name, user data", realistic, true],
    ["15 networks, node files object (.tar.gz in S3, not user data)", objectBytes(largest), false],
  ];
  for (const [label, bytes, limited] of rows) {
    const share = limited ? ` (${((100 * bytes) / LIMIT).toFixed(1)}% of EC2's ${LIMIT})` : "";
    console.log(`${label}: ${bytes} bytes${share}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
