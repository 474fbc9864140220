// The settings reference (docs/settings.md) stays complete and true: every setting the program
// accepts (the schema's keys) has its row with the schema's type and default, every row names a
// real setting, and every field the parser accepts in a `networks` or `nodeGroups` entry has its
// row. The field lists are taken from the parser's own "unknown field" answer, not from a copy.
import * as assert from "assert";
import * as path from "path";
import { ConfigError, parseSettings } from "../../stacks/config";
import { SETTINGS } from "../../stacks/config/schema";
import { rawConfig } from "../../stacks/offline/engine";
import { readStackFile } from "../../stacks/offline/stack-file";
import { MarkdownTable, parseMarkdown } from "../support/markdown-docs";

const REFERENCE = path.resolve(__dirname, "../../docs/settings.md");

/** The fields the parser accepts in an entry of `setting`, as it lists them when refusing `bogus`. */
function acceptedFields(setting: "networks" | "nodeGroups", entry: Record<string, unknown>): string[] {
  try {
    parseSettings(
      { ...rawConfig(readStackFile("ningxia")), [setting]: [{ ...entry, bogus: 1 }] },
      { project: "multus-eks", stack: "test" },
    );
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const refusal = error.problems.find((problem) => problem.setting === `multus-eks:${setting}[0].bogus`);
    assert.ok(refusal, error.message);
    const list = /use (?:one of )?(.*)$/.exec(refusal.message);
    assert.ok(list, refusal.message);
    return list[1].split(", ");
  }
  assert.fail(`${setting} with a bogus field was accepted`);
}

/** The code spans of each row's first cell, in the tables under a heading matching `heading`. */
function firstColumnKeys(tables: readonly MarkdownTable[], heading: RegExp): string[] {
  return tables
    .filter((table) => heading.test(table.heading))
    .flatMap((table) => table.codeSpans.flatMap((row) => row[0] ?? []));
}

describe("settings reference (docs/settings.md)", () => {
  const page = parseMarkdown(REFERENCE);

  it("has a row for every setting, with the schema's type and default, and no row for a setting that does not exist", () => {
    const rows = page.tables
      .filter((table) => /^Settings/.test(table.heading))
      .flatMap((table) => table.codeSpans.map((spans, index) => ({ spans, cells: table.rows[index] })));
    const documented = rows.map((row) => row.spans[0][0]);
    assert.deepStrictEqual([...documented].sort(), Object.keys(SETTINGS).sort());
    for (const row of rows) {
      const spec = SETTINGS[row.spans[0][0] as keyof typeof SETTINGS];
      assert.strictEqual(row.cells[1], spec.kind, `type of ${row.spans[0][0]}`);
      if (
        spec.kind !== "object" ||
        JSON.stringify(spec.default) === "{}" ||
        JSON.stringify(spec.default) === "[]"
      ) {
        assert.strictEqual(row.spans[2][0], JSON.stringify(spec.default), `default of ${row.spans[0][0]}`);
      }
    }
  });

  it("has a row for every field of a network", () => {
    const fields = acceptedFields("networks", { name: "net-a" });
    assert.ok(fields.includes("deviceIndex") && fields.includes("ipam"), fields.join(","));
    const documented = firstColumnKeys(page.tables, /networks/);
    assert.deepStrictEqual(
      fields.filter((field) => !documented.includes(field)),
      [],
    );
  });

  it("has a row for every field of a node group", () => {
    const fields = acceptedFields("nodeGroups", { name: "group-a" });
    assert.ok(fields.includes("instanceType") && fields.includes("networks"), fields.join(","));
    const documented = firstColumnKeys(page.tables, /nodeGroups/);
    assert.deepStrictEqual(
      fields.filter((field) => !documented.includes(field)),
      [],
    );
  });
});
