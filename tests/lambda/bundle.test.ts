/**
 * The esbuild bundle: it builds, has a sane size, exposes `handler` when loaded on its own from a
 * temporary directory (no node_modules around it), and, configured only through environment
 * variables (MULTUS_ENI_CONFIG and the SDK's standard AWS_ENDPOINT_URL), runs a sweep against moto
 * and logs structured JSON.
 */

import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateNetworkInterfaceCommand, DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import {
  ENI_LAMBDA_HANDLER,
  ENI_LAMBDA_RUNTIME,
  bundleEniLambda,
  eniLambdaArchive,
} from "../../components/nodegroup/lambda-bundle";
import { CLUSTER_TAG_KEY, INSTANCE_TAG_KEY } from "../../components/model/tags";
import { LAMBDA_CONFIG_ENV, encodeLambdaConfig } from "../../lambda/src/config";
import { useMoto, useMotoEnvironment } from "../support/moto";
import { AZ_A, CLUSTER, SWEEP_EVENT, buildWorld, configFor, ec2For } from "./fixture";

type BundledModule = { handler: (event: unknown) => Promise<{ kind: string; deletedEniIds?: string[] }> };

describe("ENI Lambda bundle", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let dir: string;
  let bundled: BundledModule;

  before(() => {
    const { code, sizeBytes } = bundleEniLambda();
    console.log(`      bundle size: ${(sizeBytes / 1024).toFixed(0)} KiB (SDK v3 clients bundled)`);
    // Bundled SDK + Powertools is about 1.5 MiB minified; far more would mean a bundling mistake.
    assert.ok(sizeBytes > 100_000 && sizeBytes < 5_000_000, `unexpected bundle size ${sizeBytes}`);
    dir = mkdtempSync(join(tmpdir(), "eni-lambda-"));
    writeFileSync(join(dir, "index.js"), code);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- load the bundle like the runtime does
    bundled = require(join(dir, "index.js")) as BundledModule;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exposes the handler named by ENI_LAMBDA_HANDLER for the nodejs22.x runtime", async () => {
    assert.equal(ENI_LAMBDA_RUNTIME, "nodejs22.x");
    assert.equal(ENI_LAMBDA_HANDLER, "index.handler");
    assert.equal(typeof bundled.handler, "function");
    const assets = await eniLambdaArchive().assets;
    assert.deepEqual(Object.keys(assets), ["index.js"]);
    assert.equal(await (assets["index.js"] as { text?: Promise<string> }).text, bundleEniLambda().code);
  });

  it("runs a sweep configured only by environment variables and logs JSON lines", async () => {
    const ec2 = ec2For(moto.endpoint);
    const world = await buildWorld(ec2, 1);
    const leaked = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: world.networks[0].subnetIdsByAz[AZ_A],
        TagSpecifications: [
          {
            ResourceType: "network-interface",
            Tags: [
              { Key: CLUSTER_TAG_KEY, Value: CLUSTER },
              { Key: INSTANCE_TAG_KEY, Value: "i-0000000000000dead" },
            ],
          },
        ],
      }),
    );
    const leakedId = leaked.NetworkInterface?.NetworkInterfaceId as string;

    const restore = useMotoEnvironment(moto.endpoint);
    process.env[LAMBDA_CONFIG_ENV] = encodeLambdaConfig(configFor(world));
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let outcome;
    try {
      outcome = await bundled.handler(SWEEP_EVENT);
    } finally {
      process.stdout.write = write;
      delete process.env[LAMBDA_CONFIG_ENV];
      restore();
    }

    assert.equal(outcome.kind, "sweep");
    assert.deepEqual(outcome.deletedEniIds, [leakedId]);
    const left = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: `tag:${CLUSTER_TAG_KEY}`, Values: [CLUSTER] }],
      }),
    );
    assert.equal(left.NetworkInterfaces?.length, 0);
    const records = lines
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const swept = records.find((record) => record.message === "swept ENI");
    assert.ok(swept, `no "swept ENI" log line in: ${lines.join("")}`);
    assert.deepEqual(swept.eniIds, [leakedId]);
    assert.equal(swept.service, "multus-eni-attach");
    assert.equal(swept.level, "INFO");
  });
});
