/**
 * The PR workflow's supply-chain and trust rules: third-party actions pinned by full commit SHA
 * (with the tag in a comment), the cloud preview only for branches of this repository, and AWS
 * credentials only through GitHub's OIDC provider (no long-lived keys).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../support/moto";

const text = readFileSync(join(REPO_ROOT, ".github", "workflows", "pr.yml"), "utf8");
const workflow = parse(text) as {
  jobs: Record<string, { if?: string; permissions?: Record<string, string>; steps: { uses?: string }[] }>;
};

describe("PR workflow", () => {
  it("pins every third-party action by a 40-hex commit SHA with its tag in a comment", () => {
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
    assert.ok(uses.length >= 5);
    for (const [, target, rest] of uses) {
      if (target.startsWith("./")) continue;
      assert.match(target, /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/, `${target} is not pinned by SHA`);
      assert.match(rest, /#\s*v\d+\.\d+\.\d+/, `${target} has no tag comment`);
    }
  });

  it("runs pulumi preview only for branches of this repository, never for forks", () => {
    assert.equal(
      workflow.jobs.preview.if,
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
  });

  it("gets AWS credentials through OIDC with the China audience, and holds no AWS keys", () => {
    assert.equal(workflow.jobs.preview.permissions?.["id-token"], "write");
    assert.match(text, /audience: sts\.amazonaws\.com\.cn/);
    assert.doesNotMatch(text, /AWS_(CN_)?(ACCESS_KEY_ID|SECRET_ACCESS_KEY)/);
  });

  it("runs actionlint in CI", () => {
    assert.match(text, /go install github\.com\/rhysd\/actionlint\/cmd\/actionlint@v1\.7\.7/);
  });
});
