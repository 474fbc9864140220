/**
 * Refactorings of the components (issue 23) must not change what `pulumi up` declares: the offline
 * engine's whole resource graph of every shipped and example stack (types, names, parents,
 * providers, inputs, dependencies and resource options) equals the one recorded before the change
 * (tests/refactor/fixtures, written by `npm run graph:record`).
 *
 * A change that is meant to change the graph records it again in the same commit, so the diff of
 * the fixture shows the reviewer exactly what `pulumi up` will do differently.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { graphFixture, graphStacks, resourceGraph, type GraphNode } from "./resource-graph";

describe("the resource graph of every stack is the recorded one", function () {
  this.timeout(120_000);

  for (const stack of graphStacks()) {
    it(stack, async () => {
      const file = graphFixture(stack);
      assert.ok(existsSync(file), `no recorded graph for ${stack}: run npm run graph:record`);
      const recorded = JSON.parse(readFileSync(file, "utf8")) as GraphNode[];
      const current = JSON.parse(JSON.stringify(await resourceGraph(stack))) as GraphNode[];
      const keys = (graph: GraphNode[]) => graph.map((node) => node.key);
      assert.deepEqual(keys(current), keys(recorded), "resources added or removed");
      for (const node of current) {
        const before = recorded.find((candidate) => candidate.key === node.key);
        assert.deepEqual(node, before, `${node.key} changed`);
      }
    });
  }
});
