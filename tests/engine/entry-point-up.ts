/**
 * `pulumi up` of the program's real entry point (stacks/index.ts) through the real engine, for a
 * shipped stack with changed settings. Run as its own process (the inline program shares the
 * Pulumi runtime with its host, which mocha's mock-engine tests also use):
 *
 *   ts-node tests/engine/entry-point-up.ts <stack> '<JSON of setting changes>'
 *
 * Prints one JSON line: the error's message (if `up` failed), and the resources the backend holds
 * afterwards (the stack itself included).
 */
import { startEngine } from "./real-engine";
import { entryConfig } from "../support/entry-point";

async function main(): Promise<void> {
  const [stackName, changes] = process.argv.slice(2);
  const engine = await startEngine();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../stacks/index") as () => Promise<Record<string, unknown>>;
    const stack = await engine.stack("multus-eks", stackName, program);
    const config = entryConfig(stackName, JSON.parse(changes) as Record<string, unknown>);
    await stack.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value }])),
    );
    let error: string | undefined;
    try {
      await stack.up();
    } catch (caught) {
      error = (caught as Error).message;
    }
    const state = (await stack.exportStack()).deployment as { resources?: { type: string; urn: string }[] };
    console.log(
      JSON.stringify({ error, resources: (state.resources ?? []).map((resource) => resource.type) }),
    );
  } finally {
    engine.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
