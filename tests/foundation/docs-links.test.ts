// The docs link check: README.md and docs/*.md as GitHub renders them (markdown-it for the
// Markdown, github-slugger for the heading anchors GitHub assigns). Relative links must reach a
// file, anchors a heading of their page, every docs page must be linked from the README, every
// `npm run <script>` quoted must exist in package.json, and every repository path quoted must exist.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docsLinkProblems, parseMarkdown } from "../support/markdown-docs";

const ROOT = path.resolve(__dirname, "../..");

describe("docs links", () => {
  it("README.md and docs/*.md have no broken link or anchor, and the README links every page", () => {
    assert.deepStrictEqual(docsLinkProblems(ROOT), []);
  });

  it("computes heading anchors as GitHub does", () => {
    // Expected anchors: GitHub's own, for headings of this shape (code spans lose their backticks,
    // punctuation goes, spaces become '-', a repeated heading gets -1).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-anchors-"));
    try {
      const file = path.join(dir, "page.md");
      fs.writeFileSync(
        file,
        "# IPAM modes: `host-local` (default), `eni-prefix` and `vpc-ip`\n\n## 1. Preflight: find it, before `pulumi up` does\n\n## Notes\n\n## Notes\n",
      );
      assert.deepStrictEqual(
        [...parseMarkdown(file).anchors],
        [
          "ipam-modes-host-local-default-eni-prefix-and-vpc-ip",
          "1-preflight-find-it-before-pulumi-up-does",
          "notes",
          "notes-1",
        ],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails on a missing file, a missing anchor, an unknown script, a missing quoted path and a page the README does not link", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-links-"));
    try {
      fs.mkdirSync(path.join(dir, "docs"));
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ scripts: { plan: "x" } }));
      fs.writeFileSync(
        path.join(dir, "README.md"),
        "# Front\n\n[good](docs/good.md#a-section) and [self](#front), `npm run plan`\n",
      );
      fs.writeFileSync(
        path.join(dir, "docs", "good.md"),
        "# Good\n\n## A section\n\n[back](../README.md#front) [web](https://example.com/x#y)\n",
      );
      fs.writeFileSync(
        path.join(dir, "docs", "broken.md"),
        [
          "# Broken",
          "",
          "[gone](missing.md) and [wrong anchor](good.md#no-such-section)",
          "",
          "[own anchor](#not-here) then `npm run plan:nowhere` in `stacks/gone.ts`",
          "",
        ].join("\n"),
      );
      assert.deepStrictEqual(docsLinkProblems(dir), [
        "docs/broken.md:3: link to missing.md: missing.md does not exist",
        "docs/broken.md:3: link to good.md#no-such-section: no heading of docs/good.md has the anchor #no-such-section",
        "docs/broken.md:5: link to #not-here: no heading of docs/broken.md has the anchor #not-here",
        'docs/broken.md: "npm run plan:nowhere" is not a script of package.json',
        "docs/broken.md: `stacks/gone.ts` does not exist",
        "docs/broken.md is not linked from README.md",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
