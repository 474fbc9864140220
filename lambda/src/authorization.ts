/**
 * Calls that IAM refuses. A refused call is no transient fault: no retry or redelivery gets past
 * it, the launch is abandoned, and whoever reads the log must see at once WHICH action was refused
 * on WHICH resources (the policy grants actions per resource type; see docs/security.md, IAM cases), not
 * a generic ABANDON. A middleware on each client turns the service's refusal into an
 * AuthorizationRefusedError that names them.
 */

import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";

/** Error codes with which EC2 (UnauthorizedOperation) and Auto Scaling (AccessDenied) refuse a call. */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  "UnauthorizedOperation",
  "AccessDenied",
  "AccessDeniedException",
]);

/** Request fields that name a resource, and the resource type IAM knows them by. */
const RESOURCE_FIELDS: readonly [field: string, type: string][] = [
  ["NetworkInterfaceId", "network-interface"],
  ["InstanceId", "instance"],
  ["SubnetId", "subnet"],
  ["AttachmentId", "attachment"],
  ["AutoScalingGroupName", "autoScalingGroup"],
];

export interface RefusedResource {
  type: string;
  id: string;
}

export class AuthorizationRefusedError extends Error {
  constructor(
    /** IAM action, e.g. ec2:ModifyNetworkInterfaceAttribute. */
    readonly action: string,
    readonly resources: RefusedResource[],
    /** The service's error code (UnauthorizedOperation, AccessDenied). */
    readonly code: string,
    detail: string,
  ) {
    const on = resources.length ? resources.map((r) => `${r.type} ${r.id}`).join(", ") : "(no resource ID)";
    super(
      `${action} on ${on} was refused (${code}): grant ${action} in the ENI Lambda's role for these resource types. ${detail}`.trim(),
    );
    this.name = "AuthorizationRefused";
  }
}

/** Describe filters that name resources. */
const FILTER_TYPES: Readonly<Record<string, string>> = {
  "instance-id": "instance",
  "attachment.instance-id": "instance",
  "network-interface-id": "network-interface",
  "subnet-id": "subnet",
};

/** The resource IDs a request names, nested ones and Describe ID lists and filters included. */
export function requestResources(input: Record<string, unknown>): RefusedResource[] {
  const found: RefusedResource[] = [];
  const visit = (value: Record<string, unknown>): void => {
    for (const [field, type] of RESOURCE_FIELDS) {
      const id = value[field];
      if (typeof id === "string" && id.length > 0) found.push({ type, id });
      const ids = value[`${field}s`];
      if (Array.isArray(ids))
        for (const each of ids) if (typeof each === "string") found.push({ type, id: each });
    }
    if (Array.isArray(value.Filters)) {
      for (const filter of value.Filters as { Name?: string; Values?: string[] }[]) {
        const type = FILTER_TYPES[filter.Name ?? ""];
        if (type) for (const id of filter.Values ?? []) found.push({ type, id });
      }
    }
    for (const nested of Object.values(value)) {
      if (typeof nested === "object" && nested !== null && !Array.isArray(nested))
        visit(nested as Record<string, unknown>);
    }
  };
  visit(input);
  return found;
}

export function isRefusal(error: unknown): boolean {
  return error instanceof Error && REFUSAL_CODES.has(error.name);
}

/** Makes every refused call of `client` throw an AuthorizationRefusedError (idempotent). */
export function nameRefusals(client: EC2Client | AutoScalingClient, service: "ec2" | "autoscaling"): void {
  const stack = client.middlewareStack as unknown as EC2Client["middlewareStack"];
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
        throw new AuthorizationRefusedError(
          `${service}:${operation}`,
          requestResources(args.input as Record<string, unknown>),
          (error as Error).name,
          (error as Error).message,
        );
      }
    },
    // Initialize step: outside the retries, so it sees the final answer once per call.
    { step: "initialize", name: "nameRefusals", priority: "high", override: true },
  );
}
