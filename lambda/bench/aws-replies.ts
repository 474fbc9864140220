/**
 * The error and success bodies the chaos proxy writes itself, in the wire formats of the EC2 query
 * protocol (`<Response><Errors><Error>`) and the Auto Scaling query protocol (`<ErrorResponse>`),
 * which the SDK's deserializers read into named exceptions.
 */

import { randomUUID } from "node:crypto";

export interface Reply {
  status: number;
  body: string;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function ec2Error(status: number, code: string, message: string): Reply {
  return {
    status,
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
  };
}

/** EC2's throttling answer: HTTP 503 with code RequestLimitExceeded. */
export const requestLimitExceeded = (): Reply =>
  ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");

export function autoScalingError(status: number, code: string, message: string): Reply {
  const type = status >= 500 ? "Receiver" : "Sender";
  return {
    status,
    body:
      `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
      `</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

export function completeLifecycleActionOk(): Reply {
  return {
    status: 200,
    body:
      `<CompleteLifecycleActionResponse><CompleteLifecycleActionResult/>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></CompleteLifecycleActionResponse>`,
  };
}

/** A server-side failure of the given service, as a random 5xx fault. */
export function serverError(service: "ec2" | "autoscaling", status: 500 | 503): Reply {
  const [code, message] =
    status === 500
      ? ["InternalError", "An internal error has occurred (injected)."]
      : ["Unavailable", "The service is unavailable (injected)."];
  return service === "ec2" ? ec2Error(status, code, message) : autoScalingError(status, code, message);
}
