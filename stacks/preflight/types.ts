/**
 * One preflight check: a name, the family it belongs to, and an async run that answers ✓, ✗ (with
 * the fix) or skipped (with why).
 */
import type { PreflightContext } from "./context";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly status: CheckStatus;
  /** What was found, one line. */
  readonly detail: string;
  /** For ✗: what the user should do. */
  readonly fix?: string;
}

/** A check of the preflight (before `pulumi up`), or of another command's context (`npm run verify`). */
export interface Check<Context = PreflightContext> {
  /** Family shown in the table: credentials, zones, kubernetes, instance type, images, quotas, machine. */
  readonly family: string;
  readonly name: string;
  run(context: Context): Promise<CheckResult>;
}

export const pass = (detail: string): CheckResult => ({ status: "pass", detail });
export const fail = (detail: string, fix: string): CheckResult => ({ status: "fail", detail, fix });
export const skip = (detail: string): CheckResult => ({ status: "skip", detail });

/** An SDK error's code and message, for details. */
export function errorText(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

/** Errors that mean "these credentials do not work here", reported once by the credentials check. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "AuthFailure",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
]);

export function isCredentialError(error: unknown): boolean {
  return CREDENTIAL_ERRORS.has(errorName(error));
}

/** A failed AWS call: skipped when the credentials are the cause (the credentials line says so). */
export function awsCallFailed(call: string, error: unknown, fix: string): CheckResult {
  if (isCredentialError(error))
    return skip(`not checked: ${call} needs working AWS credentials (see credentials)`);
  return fail(`${call} failed: ${errorText(error)}`, fix);
}
