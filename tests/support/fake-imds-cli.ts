/**
 * Runs the fake IMDS as its own process, for tests that need it inside a network namespace
 * (`ip netns exec NS node -r ts-node/register/transpile-only tests/support/fake-imds-cli.ts OPTIONS.json`).
 * Prints one JSON line {"endpoint": ...} once listening; stops on SIGTERM or when stdin closes.
 */

import { readFileSync } from "node:fs";
import { FakeImdsOptions, startFakeImds } from "./fake-imds";

async function main(): Promise<void> {
  const optionsFile = process.argv[2];
  if (optionsFile === undefined) throw new Error("usage: fake-imds-cli.ts OPTIONS.json");
  const options = JSON.parse(readFileSync(optionsFile, "utf8")) as FakeImdsOptions;
  const imds = await startFakeImds(options);
  process.stdout.write(`${JSON.stringify({ endpoint: imds.endpoint })}\n`);
  const stop = () => void imds.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
