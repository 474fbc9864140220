/**
 * Finds every `throw` that can run after the program has started declaring resources: inside an
 * `Output.apply` callback (it runs when the cloud answers, in the middle of `pulumi up`), inside
 * a ComponentResource constructor (earlier components are already declared by then), or anywhere
 * in the program's body once it declares its first resource (`programRoots`), including every
 * throw in the project's own functions those call, transitively.
 *
 * Calls are resolved with the TypeScript type checker, so a throw two calls away from an `apply`
 * is found as well as one written in it. Only the project's sources are followed (not node_modules).
 */
import * as path from "node:path";
import * as ts from "typescript";

export interface LateThrow {
  /** `file::function` of the throw, stable under edits elsewhere in the file. */
  readonly key: string;
  /** Where it is, for the reader: `file:line`. */
  readonly at: string;
  /** The thrown expression's text, shortened. */
  readonly thrown: string;
  /** How it is first reached: the root (an apply callback or a constructor), then each call. */
  readonly via: readonly string[];
  /** Whether some path reaches it from an `apply` callback (it runs mid-deployment). */
  readonly inApply: boolean;
}

type FunctionLike = ts.FunctionLikeDeclaration;

function isProjectSource(file: ts.SourceFile, root: string): boolean {
  return (
    !file.isDeclarationFile &&
    !file.fileName.includes("/node_modules/") &&
    path.resolve(file.fileName).startsWith(root) &&
    !path.relative(root, file.fileName).startsWith("tests/")
  );
}

function functionName(node: ts.Node): string {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (ts.isConstructorDeclaration(current)) {
      const owner = current.parent;
      return `${ts.isClassDeclaration(owner) && owner.name ? owner.name.text : "class"}.constructor`;
    }
    if (
      (ts.isFunctionDeclaration(current) || ts.isMethodDeclaration(current)) &&
      current.name &&
      ts.isIdentifier(current.name)
    ) {
      const owner = current.parent;
      const prefix = ts.isClassDeclaration(owner) && owner.name ? `${owner.name.text}.` : "";
      return `${prefix}${current.name.text}`;
    }
    if (
      (ts.isArrowFunction(current) || ts.isFunctionExpression(current)) &&
      ts.isVariableDeclaration(current.parent) &&
      ts.isIdentifier(current.parent.name)
    ) {
      return current.parent.name.text;
    }
  }
  return "(module)";
}

function isComponentClass(node: ts.ClassLikeDeclaration): boolean {
  return (node.heritageClauses ?? []).some((clause) =>
    clause.types.some((type) => /ComponentResource\b/.test(type.expression.getText())),
  );
}

/** `x.apply(fn)` with `fn` a function written in place. */
function applyCallback(node: ts.Node): FunctionLike | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "apply") return undefined;
  const [callback] = node.arguments;
  return callback && (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))
    ? callback
    : undefined;
}

/** A function whose body declares resources from its first statement on: `file` relative to the root. */
export interface ProgramRoot {
  readonly file: string;
  readonly name: string;
}

export function findLateThrows(
  projectRoot: string,
  entryFiles: readonly string[],
  programRoots: readonly ProgramRoot[] = [],
): LateThrow[] {
  const root = path.resolve(projectRoot);
  const rootDir = root;
  const configPath = path.join(root, "tsconfig.json");
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram(
    entryFiles.map((file) => path.join(root, file)),
    config.options,
  );
  const checker = program.getTypeChecker();
  const sources = program.getSourceFiles().filter((file) => isProjectSource(file, root));

  const where = (node: ts.Node): string => {
    const file = node.getSourceFile();
    const { line } = file.getLineAndCharacterOfPosition(node.getStart());
    return `${path.relative(root, file.fileName)}:${line + 1}`;
  };
  const describe = (node: ts.Node): string =>
    `${path.relative(root, node.getSourceFile().fileName)}::${functionName(node)}`;

  /** The project function a call or `new` runs, if it is one of ours with a body. */
  const callee = (node: ts.CallExpression | ts.NewExpression): FunctionLike | undefined => {
    const declaration = checker.getResolvedSignature(node)?.declaration;
    if (!declaration || !ts.isFunctionLike(declaration)) return undefined;
    const body = (declaration as FunctionLike).body;
    if (!body || !isProjectSource(declaration.getSourceFile(), root)) return undefined;
    return declaration as FunctionLike;
  };

  const found = new Map<string, LateThrow>();
  const visiting = new Set<ts.Node>();

  // An apply callback met inside another walk is not followed there: it is a root of its own.
  const walk = (fn: FunctionLike, via: readonly string[], inApply: boolean): void => {
    if (visiting.has(fn)) return;
    visiting.add(fn);
    const visit = (node: ts.Node): void => {
      if (applyCallback(node)) {
        ts.forEachChild((node as ts.CallExpression).expression, visit);
        return;
      }
      if (ts.isThrowStatement(node)) {
        const key = describe(node);
        const earlier = found.get(key);
        if (!earlier || (inApply && !earlier.inApply)) {
          const thrown = (node.expression?.getText() ?? "").replace(/\s+/g, " ").slice(0, 100);
          found.set(key, { key, at: where(node), thrown, via, inApply });
        }
      }
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        const target = callee(node);
        if (target) walk(target, [...via, `${describe(target)} (called at ${where(node)})`], inApply);
      }
      ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
    visiting.delete(fn);
  };

  for (const source of sources) {
    const visit = (node: ts.Node): void => {
      const callback = applyCallback(node);
      if (callback) walk(callback, [`apply callback at ${where(callback)}`], true);
      if (ts.isConstructorDeclaration(node) && ts.isClassLike(node.parent) && isComponentClass(node.parent)) {
        walk(node, [`constructor ${describe(node)}`], false);
      }
      if (
        ts.isFunctionDeclaration(node) &&
        node.name &&
        programRoots.some(
          (root) => root.name === node.name!.text && path.relative(rootDir, source.fileName) === root.file,
        )
      ) {
        walk(node, [`program ${describe(node)}`], false);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key));
}
