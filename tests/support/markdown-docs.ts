/**
 * Reads the project's Markdown (README.md and docs/*.md) the way GitHub renders it: headings and
 * their anchors (github-slugger, the slug algorithm of github.com), links, tables and code, parsed
 * by markdown-it (CommonMark + GitHub tables). Used by the docs link check and the settings
 * reference check.
 */
import * as fs from "fs";
import * as path from "path";
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";

export interface MarkdownLink {
  readonly href: string;
  /** 1-based line of the paragraph, table or list item holding the link. */
  readonly line: number;
}

export interface MarkdownTable {
  /** Text of the nearest heading above the table. */
  readonly heading: string;
  /** Each body row's cells, as rendered text (code spans without their backticks). */
  readonly rows: readonly (readonly string[])[];
  /** Each body row's cells, as the code spans they hold. */
  readonly codeSpans: readonly (readonly (readonly string[])[])[];
}

export interface MarkdownPage {
  readonly file: string;
  /** The anchor of every heading, as GitHub assigns it (duplicates get -1, -2, ...). */
  readonly anchors: ReadonlySet<string>;
  readonly headings: readonly string[];
  readonly links: readonly MarkdownLink[];
  readonly tables: readonly MarkdownTable[];
  /** Inline code spans and fenced code blocks, in order. */
  readonly code: readonly string[];
}

const markdown = new MarkdownIt();
type Token = MarkdownIt.Token;

/** Rendered text of an inline token: what GitHub slugs for a heading's anchor. */
function inlineText(token: Token): string {
  return (token.children ?? [])
    .filter((child) => child.type === "text" || child.type === "code_inline")
    .map((child) => child.content)
    .join("");
}

function inlineCode(token: Token): string[] {
  return (token.children ?? []).filter((child) => child.type === "code_inline").map((child) => child.content);
}

export function parseMarkdown(file: string): MarkdownPage {
  const tokens = markdown.parse(fs.readFileSync(file, "utf8"), {});
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const headings: string[] = [];
  const links: MarkdownLink[] = [];
  const tables: MarkdownTable[] = [];
  const code: string[] = [];
  let heading = "";
  let table: { rows: string[][]; codeSpans: string[][][] } | undefined;
  let inBody = false;
  let line = 0;
  tokens.forEach((token, index) => {
    if (token.map) line = token.map[0] + 1;
    if (token.type === "heading_open") {
      heading = inlineText(tokens[index + 1]);
      headings.push(heading);
      anchors.add(slugger.slug(heading));
    } else if (token.type === "table_open") {
      table = { rows: [], codeSpans: [] };
    } else if (token.type === "table_close" && table) {
      tables.push({ heading, ...table });
      table = undefined;
    } else if (token.type === "tbody_open") {
      inBody = true;
    } else if (token.type === "tbody_close") {
      inBody = false;
    } else if (token.type === "tr_open" && table && inBody) {
      table.rows.push([]);
      table.codeSpans.push([]);
    } else if (token.type === "inline" && table && inBody && tokens[index - 1]?.type === "td_open") {
      table.rows[table.rows.length - 1].push(inlineText(token));
      table.codeSpans[table.codeSpans.length - 1].push(inlineCode(token));
    } else if (token.type === "fence" || token.type === "code_block") {
      code.push(token.content);
    }
    if (token.type === "inline") {
      code.push(...inlineCode(token));
      for (const child of token.children ?? []) {
        const href =
          child.type === "link_open" ? child.attrs?.find(([name]) => name === "href")?.[1] : undefined;
        if (href !== undefined) links.push({ href: String(href), line });
      }
    }
  });
  return { file, anchors, headings, links, tables, code };
}

/** README.md and every docs/*.md of a project root. */
export function projectPages(root: string): string[] {
  const docs = path.join(root, "docs");
  const pages = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => path.join(docs, name))
    : [];
  return [path.join(root, "README.md"), ...pages];
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;
const NPM_RUN = /\bnpm run(?: -s)? ([A-Za-z0-9:_-]+)/g;
/** A repository path quoted as code: `stacks/regions.ts`, `components/nodegroup/rootfs/` (no patterns). */
const REPOSITORY_PATH = /^(?:components|stacks|lambda|tests|policies|examples|docs)\/[A-Za-z0-9._/-]*$/;

/**
 * Every broken link of the project's Markdown: a relative link to a file that does not exist, an
 * anchor that no heading of the target page has, a docs page the README does not link to, an
 * `npm run <script>` that package.json does not define, and a repository path quoted as code that
 * does not exist. Each problem names the page (and the line for links).
 */
export function docsLinkProblems(root: string): string[] {
  const files = projectPages(root);
  const pages = new Map<string, MarkdownPage>();
  const pageOf = (file: string): MarkdownPage => {
    let page = pages.get(file);
    if (!page) {
      page = parseMarkdown(file);
      pages.set(file, page);
    }
    return page;
  };
  const scripts = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: object }).scripts ??
      {},
  );
  const problems: string[] = [];
  const linkedFromReadme = new Set<string>();
  for (const file of files) {
    const page = pageOf(file);
    const where = (line: number) => `${path.relative(root, file)}:${line}`;
    for (const link of page.links) {
      if (EXTERNAL.test(link.href)) continue;
      const hash = link.href.indexOf("#");
      const target = decodeURIComponent(hash < 0 ? link.href : link.href.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(link.href.slice(hash + 1));
      const resolved = target === "" ? file : path.resolve(path.dirname(file), target);
      if (!fs.existsSync(resolved)) {
        problems.push(`${where(link.line)}: link to ${link.href}: ${target} does not exist`);
        continue;
      }
      if (file === files[0]) linkedFromReadme.add(resolved);
      if (anchor !== undefined && resolved.endsWith(".md") && !pageOf(resolved).anchors.has(anchor)) {
        problems.push(
          `${where(link.line)}: link to ${link.href}: no heading of ${path.relative(root, resolved)} has the anchor #${anchor}`,
        );
      }
    }
    for (const snippet of page.code) {
      if (REPOSITORY_PATH.test(snippet) && !fs.existsSync(path.join(root, snippet))) {
        problems.push(`${path.relative(root, file)}: \`${snippet}\` does not exist`);
      }
      for (const match of snippet.matchAll(NPM_RUN)) {
        if (!scripts.includes(match[1])) {
          problems.push(
            `${path.relative(root, file)}: "npm run ${match[1]}" is not a script of package.json`,
          );
        }
      }
    }
  }
  for (const file of files.slice(1)) {
    if (!linkedFromReadme.has(file))
      problems.push(`${path.relative(root, file)} is not linked from README.md`);
  }
  return problems;
}
