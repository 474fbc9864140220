/**
 * `npm run graph:record`: writes the offline resource graph of every shipped and example stack to
 * tests/refactor/fixtures/. Run it before a refactoring that must not change what `pulumi up`
 * declares; `tests/refactor/graph-unchanged.test.ts` then compares the program with it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { graphFixture, graphStacks, resourceGraph } from "./resource-graph";

async function main(): Promise<void> {
  for (const stack of graphStacks()) {
    const graph = await resourceGraph(stack);
    const file = graphFixture(stack);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(graph, null, 1)}\n`);
    console.log(`${stack}: ${graph.length} resources -> ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
