/**
 * The API server's own record of the writes one identity makes (kube-apiserver audit log, level
 * Metadata, written before each response in `blocking` mode): what a client really did, in the
 * order the server received it, independent of what the client reports.
 *
 *   const audit = writeAudit(identity);
 *   const cluster = useKubeCluster({ apiServerFlags: audit.flags });
 *   const mark = audit.events().length;  ...  const writes = audit.events().slice(mark);
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One audit event (audit.k8s.io/v1 Event), the fields the tests read. */
export interface AuditEvent {
  readonly verb: string;
  readonly requestURI: string;
  readonly objectRef?: {
    readonly resource?: string;
    readonly namespace?: string;
    readonly name?: string;
    readonly apiGroup?: string;
  };
  readonly responseStatus?: { readonly code?: number };
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
}

export interface AuditLog {
  /** kube-apiserver flags that write the log. */
  readonly flags: readonly string[];
  /** Every write (create, update, patch, delete) of the identity so far, in the server's order. */
  events(): AuditEvent[];
  dispose(): void;
}

const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"];

export function writeAudit(username: string): AuditLog {
  const dir = mkdtempSync(join(tmpdir(), "kube-audit-"));
  const policy = join(dir, "policy.yaml");
  const log = join(dir, "audit.log");
  writeFileSync(
    policy,
    JSON.stringify({
      apiVersion: "audit.k8s.io/v1",
      kind: "Policy",
      omitStages: ["RequestReceived"],
      rules: [{ level: "Metadata", users: [username], verbs: WRITE_VERBS }, { level: "None" }],
    }),
  );
  return {
    flags: [`--audit-policy-file=${policy}`, `--audit-log-path=${log}`, "--audit-log-mode=blocking"],
    events: () => {
      let text = "";
      try {
        text = readFileSync(log, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEvent & { stage: string })
        .filter((event) => event.stage === "ResponseComplete");
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A dry run (`?dryRun=All`: what `pulumi preview` asks the server), which changes nothing. */
export function isDryRun(event: AuditEvent): boolean {
  return /[?&]dryRun=All\b/.test(event.requestURI);
}

/** `resource/namespace/name` of an event, for messages and comparisons. */
export function auditTarget(event: AuditEvent): string {
  const ref = event.objectRef ?? {};
  return [ref.resource, ref.namespace, ref.name].filter(Boolean).join("/");
}
