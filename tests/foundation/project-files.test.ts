/**
 * Pulumi.yaml declares the same settings as stacks/config/schema.ts, and the stack files set only
 * what makes them a China stack.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SETTINGS, parseSettings, settingKey } from "../../stacks/config";
import { rawConfig } from "../../stacks/offline/engine";
import { PROJECT_ROOT, readStackFile } from "../../stacks/offline/stack-file";

interface Declaration {
  type?: string;
  description?: string;
  default?: unknown;
  items?: unknown;
}

const projectText = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8");
const project = parse(projectText) as { name: string; config: Record<string, Declaration> };
const settings = Object.entries(SETTINGS) as [
  string,
  { kind: string; description: string; default: unknown },
][];

describe("Pulumi.yaml and the settings schema", () => {
  it("names the project as the schema does", () => {
    assert.strictEqual(settingKey("x"), `${project.name}:x`);
  });

  for (const [name, spec] of settings.filter(([, spec]) => spec.kind !== "object")) {
    it(`declares ${name} as in the schema`, () => {
      const declared = project.config[name];
      assert.ok(declared, `Pulumi.yaml has no config entry "${name}"`);
      const expected: Declaration = {
        type: spec.kind,
        description: spec.description,
        default: spec.default,
        ...(spec.kind === "array" ? { items: { type: "string" } } : {}),
      };
      assert.deepStrictEqual(declared, expected);
    });
  }

  it("declares nothing the schema does not know, and no object setting as a typed entry", () => {
    const typed = settings.filter(([, spec]) => spec.kind !== "object").map(([name]) => name);
    assert.deepStrictEqual(
      Object.keys(project.config).filter((name) => !typed.includes(name)),
      [],
    );
  });

  it("documents every object setting in its comment", () => {
    const comments = projectText
      .split("\n")
      .filter((line) => line.trimStart().startsWith("#"))
      .join("\n");
    for (const [name] of settings.filter(([, spec]) => spec.kind === "object")) {
      assert.match(
        comments,
        new RegExp(`#\\s+${name}\\s+\\(`),
        `Pulumi.yaml's comment does not describe "${name}"`,
      );
    }
  });
});

describe("stack files", () => {
  for (const [stack, region, zones] of [
    ["ningxia", "cn-northwest-1", ["cn-northwest-1a", "cn-northwest-1b"]],
    ["beijing", "cn-north-1", ["cn-north-1a", "cn-north-1b"]],
  ] as const) {
    it(`Pulumi.${stack}.yaml sets only the region, the partition and the AZs, and parses cleanly`, () => {
      const own = parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      assert.deepStrictEqual(own.config, {
        "aws:region": region,
        "multus-eks:partition": "aws-cn",
        "multus-eks:availabilityZones": zones,
      });
      const parsed = parseSettings(rawConfig(readStackFile(stack)), { project: project.name, stack });
      assert.strictEqual(parsed.region.name, region);
      assert.strictEqual(parsed.region.partition, "aws-cn");
      assert.deepStrictEqual(parsed.availabilityZones, zones);
      assert.strictEqual(parsed.vpcCidr, "10.0.0.0/16");
    });
  }
});
