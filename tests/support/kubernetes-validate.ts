/**
 * kubernetes-validate (PyPI, pinned in kubernetes-validate-requirements.txt) in its own virtualenv,
 * .venv-kubernetes-validate, made on first use the way moto.ts makes moto's: validates Kubernetes
 * objects against the OpenAPI schemas of a given Kubernetes version, in strict mode (unknown
 * fields are errors). crd-schema-validate.py checks custom objects against a CRD's openAPIV3Schema.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./moto";

const VENV = join(REPO_ROOT, ".venv-kubernetes-validate");
const REQUIREMENTS = join(__dirname, "kubernetes-validate-requirements.txt");
const STAMP = join(VENV, ".requirements.sha256");
const VALIDATOR = join(VENV, "bin", "kubernetes-validate");
const PYTHON = join(VENV, "bin", "python");
const CRD_SCRIPT = join(__dirname, "crd-schema-validate.py");

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  }
}

export function ensureKubernetesValidate(): void {
  const wanted = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
  if (existsSync(VALIDATOR) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === wanted) return;
  if (!existsSync(PYTHON)) run("python3", ["-m", "venv", VENV]);
  run(join(VENV, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS]);
  writeFileSync(STAMP, wanted);
}

export interface ValidationOutcome {
  readonly ok: boolean;
  readonly output: string;
}

/** Validates each object (one file each) for Kubernetes `version` (e.g. "1.35"), strict. */
export function kubernetesValidate(objects: readonly object[], version: string): ValidationOutcome[] {
  ensureKubernetesValidate();
  const directory = mkdtempSync(join(tmpdir(), "k8s-validate-"));
  try {
    return objects.map((object, index) => {
      const file = join(directory, `object-${index}.json`);
      writeFileSync(file, JSON.stringify(object));
      const result = spawnSync(VALIDATOR, ["--strict", "-k", `${version}.0`, file], { encoding: "utf8" });
      return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Validates objects against a CRD version's openAPIV3Schema (JSON Schema draft 4 as the API server
 * reads it); an object with `properties` is closed, as the server prunes unknown fields.
 */
export function crdSchemaValidate(schema: object, objects: readonly object[]): ValidationOutcome[] {
  ensureKubernetesValidate();
  const result = spawnSync(PYTHON, ["-I", CRD_SCRIPT], {
    input: JSON.stringify({ schema, objects }),
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`crd-schema-validate.py failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as string[][]).map((errors) => ({
    ok: errors.length === 0,
    output: errors.join("\n"),
  }));
}
