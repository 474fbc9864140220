/**
 * The pack's shape, checked without importing policies/index.ts (constructing a PolicyPack starts
 * the analyzer server).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { POLICY_PACK_NAME, policies } from "../../policies/rules";

const PACK = path.resolve(__dirname, "..", "..", "policies");

const MANDATORY = [
  "multus-eni-no-manage",
  "subnets-no-overlap",
  "nad-range-in-subnet",
  "china-partition",
  "imdsv2-required",
  "no-world-open-ingress",
  "eks-endpoint-access",
  "eks-secrets-encryption",
  // Mandatory since issue 21: an over-wide ENI Lambda role blocks a preview.
  "lambda-role-ec2-scope",
];
const ADVISORY = ["host-local-single-node", "ebs-encryption", "eks-control-plane-logging"];
const EXPECTED = [...MANDATORY, ...ADVISORY];

describe("policy pack multus-eks", () => {
  it("lists every policy once, each with a description and the intended enforcement level", () => {
    assert.deepEqual(policies.map((policy) => policy.name).sort(), [...EXPECTED].sort());
    const levels = Object.fromEntries(policies.map((policy) => [policy.name, policy.enforcementLevel]));
    for (const name of MANDATORY) assert.equal(levels[name], "mandatory", name);
    for (const name of ADVISORY) assert.equal(levels[name], "advisory", name);
    for (const policy of policies) assert.ok(policy.description.length > 20, policy.name);
  });

  it('has an entry file that only constructs new PolicyPack("multus-eks", { policies })', () => {
    const source = fs.readFileSync(path.join(PACK, "index.ts"), "utf8");
    const code = source
      .split("\n")
      .filter((line) => !line.trim().startsWith("//") && line.trim() !== "")
      .join("\n");
    assert.equal(POLICY_PACK_NAME, "multus-eks");
    assert.match(code, /new PolicyPack\("multus-eks", \{ policies: \[\.\.\.policies\] \}\);/);
    assert.match(code, /import \{ policies \} from "\.\/rules";/);
    assert.equal(
      code.split("\n").length,
      3,
      `index.ts should hold two imports and the constructor:\n${code}`,
    );
  });

  it("is a nodejs policy pack with pinned dependencies and a lock file", () => {
    const manifest = parse(fs.readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8")) as {
      runtime: string;
    };
    assert.equal(manifest.runtime, "nodejs");
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8")) as {
      version: string;
      dependencies: Record<string, string>;
    };
    assert.equal(pkg.dependencies["@pulumi/policy"], "1.21.0");
    assert.equal(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
    assert.ok(pkg.version, "PolicyPack reads the version from package.json");
    assert.ok(fs.existsSync(path.join(PACK, "package-lock.json")));
  });

  it("keeps global-partition literals out of the pack's sources", () => {
    const files = fs
      .readdirSync(PACK, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.startsWith("node_modules"));
    assert.ok(files.length >= 10);
    for (const file of files) {
      const text = fs.readFileSync(path.join(PACK, file), "utf8");
      // The VPC CNI's tag key (node.k8s.amazonaws.com/no_manage) is a name, not an endpoint.
      assert.doesNotMatch(text, /arn:aws:|(?<!k8s\.)amazonaws\.com(?!\.cn)/, file);
    }
  });
});
