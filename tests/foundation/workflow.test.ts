/**
 * The PR workflow's supply-chain and trust rules: third-party actions pinned by full commit SHA
 * (with the tag in a comment), the cloud preview only for branches of this repository, and AWS
 * credentials only through GitHub's OIDC provider (no long-lived keys).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  PREVIEW_ENVIRONMENT,
  previewRoleManagedPolicyArns,
  previewRoleTrustPolicy,
} from "../../stacks/ci/preview-role";
import { findRegion } from "../../stacks/regions";
import { conditionHolds } from "../iam/evaluate";
import { REPO_ROOT } from "../support/moto";

const REGION = findRegion("cn-northwest-1")!;
const ACCOUNT = "123456789012";

const text = readFileSync(join(REPO_ROOT, ".github", "workflows", "pr.yml"), "utf8");
interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
const workflow = parse(text) as {
  jobs: Record<
    string,
    {
      if?: string;
      environment?: string;
      env?: Record<string, string>;
      permissions?: Record<string, string>;
      steps: Step[];
    }
  >;
};
const preview = workflow.jobs.preview;

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

  // Issue 21 (6): a same-repository PR can change this workflow, so nothing may rest on the YAML alone.
  it("runs the preview in the china-preview Environment, whose OIDC subject is the only one the role trusts", () => {
    assert.equal(preview.environment, PREVIEW_ENVIRONMENT);
    const trust = previewRoleTrustPolicy({
      partition: REGION,
      accountId: ACCOUNT,
      repository: "acme/multus-eks",
    }) as {
      Statement: { Effect: "Allow"; Action: string; Condition: Record<string, Record<string, string>> }[];
    };
    const [statement] = trust.Statement;
    // GitHub's subject claims (GitHub docs, OIDC "Example subject claims"): environment, pull_request, branch.
    const claims = (sub: string) => ({
      "token.actions.githubusercontent.com:sub": sub,
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com.cn",
    });
    assert.equal(conditionHolds(statement, claims("repo:acme/multus-eks:environment:china-preview")), true);
    for (const other of [
      "repo:acme/multus-eks:pull_request",
      "repo:acme/multus-eks:ref:refs/heads/main",
      "repo:acme/multus-eks:environment:production",
      "repo:evil/multus-eks:environment:china-preview",
    ]) {
      assert.equal(conditionHolds(statement, claims(other)), false, other);
    }
    assert.deepEqual(previewRoleManagedPolicyArns(REGION), ["arn:aws-cn:iam::aws:policy/ReadOnlyAccess"]);
  });

  it("gives each secret to the one step that uses it, none at job level", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      assert.doesNotMatch(JSON.stringify(job.env ?? {}), /secrets\./, `${name} has a job-level secret`);
    }
    const withToken = preview.steps.filter((step) =>
      JSON.stringify(step.env ?? {}).includes("secrets.PULUMI_ACCESS_TOKEN"),
    );
    assert.deepEqual(
      withToken.map((step) => step.name),
      ["Check for the Pulumi token and the AWS China role", "pulumi preview with the policy pack"],
    );
  });

  it("installs packages without their scripts and the CLI pinned by go.sum, never `curl | sh`", () => {
    const runs = preview.steps.map((step) => step.run ?? "").join("\n");
    for (const install of runs.match(/npm (--prefix \S+ )?ci[^\n]*/g) ?? []) {
      assert.match(install, /--ignore-scripts/, install);
    }
    assert.doesNotMatch(text, /curl[^\n]*\|\s*(ba)?sh/);
    assert.match(runs, /bash tests\/engine\/build\.sh --cli-only/);
  });

  it("runs actionlint in CI", () => {
    assert.match(text, /go install github\.com\/rhysd\/actionlint\/cmd\/actionlint@v1\.7\.7/);
  });
});
