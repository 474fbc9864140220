/**
 * Builds the ENI-attach Lambda into one CommonJS file with esbuild, in memory, at program time.
 *
 * The AWS SDK v3 clients are bundled rather than left external: the Node.js 22 runtime ships an
 * SDK, but its version changes under the function without notice; bundling pins the exact
 * versions the tests ran against (package-lock.json) and keeps deployments reproducible. The cost
 * is a larger archive (see the size test) and a little more cold-start time.
 */

import { buildSync } from "esbuild";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const ENI_LAMBDA_RUNTIME = "nodejs22.x";
export const ENI_LAMBDA_HANDLER = "index.handler";
export const ENI_LAMBDA_ENTRY = resolve(__dirname, "..", "..", "lambda", "src", "handler.ts");
export { ENI_LAMBDA_TIMEOUT_SECONDS } from "../../lambda/src/retry-settings";
export {
  LAMBDA_CONFIG_ENV,
  encodeLambdaConfig,
  type LambdaConfig,
  type LambdaConfigInput,
} from "../../lambda/src/config";

export interface EniLambdaBundle {
  code: string;
  sizeBytes: number;
}

let cached: EniLambdaBundle | undefined;

/** The bundled handler source (cached per process: previews and tests call it more than once). */
export function bundleEniLambda(): EniLambdaBundle {
  if (cached) return cached;
  const result = buildSync({
    entryPoints: [ENI_LAMBDA_ENTRY],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    write: false,
    outfile: join("bundle", "index.js"),
    legalComments: "none",
    logLevel: "silent",
  });
  if (result.errors.length > 0 || result.outputFiles.length !== 1) {
    throw new Error(
      `bundling ${ENI_LAMBDA_ENTRY} failed: ${result.errors.map((error) => error.text).join("; ")}`,
    );
  }
  const code = result.outputFiles[0].text;
  cached = { code, sizeBytes: Buffer.byteLength(code, "utf8") };
  return cached;
}

/** The Lambda's code as a Pulumi archive holding index.js (matches ENI_LAMBDA_HANDLER). */
export function eniLambdaArchive(bundle: EniLambdaBundle = bundleEniLambda()): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundle.code) });
}
