/**
 * A small HTTP front for moto that answers only the calls moto 5.2.5 does not serve for the China
 * regions, and forwards everything else to moto unchanged:
 * - EC2 DescribeInstanceTypeOfferings (moto has no offering data for cn-* regions: empty list);
 * - EKS DescribeClusterVersions and DescribeAddonVersions (not implemented in moto);
 * - SSM GetParameter of the public /aws/service/eks/ parameters (moto has none and refuses to
 *   create names under /aws/);
 * - Service Quotas GetServiceQuota outside the "vpc" service (moto knows only VPC quotas);
 * - and, when a test asks, an error for one action (AccessDenied...) or another caller identity.
 * The answers are shaped as the AWS APIs document them; `answered` records what the fake served.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { forward, readBody } from "../support/http-front";
import type { AddressInfo } from "node:net";

export interface ClusterVersion {
  readonly clusterVersion: string;
  readonly versionStatus: "STANDARD_SUPPORT" | "EXTENDED_SUPPORT" | "UNSUPPORTED";
}

/** One version of an add-on, as DescribeAddonVersions lists it (EKS API reference, AddonVersionInfo). */
export interface AddonVersion {
  readonly addonVersion: string;
  readonly compatibilities: readonly { clusterVersion: string; defaultVersion: boolean }[];
}

export interface GapAnswers {
  /** Instance type → AZs that offer it. */
  offerings: Record<string, string[]>;
  clusterVersions: ClusterVersion[];
  /** Add-on name → its versions. */
  addonVersions: Record<string, AddonVersion[]>;
  /** Public SSM parameters (name → value). */
  parameters: Record<string, string>;
  /** "service/QuotaCode" → applied value, for services moto does not know. */
  quotas: Record<string, number>;
  /** "<signing service>:<Action>" → an error answer instead of the call (e.g. "ecr:GetAuthorizationToken"). */
  errors: Record<string, { status: number; code: string; message: string }>;
  /** Zone name → state: when set, DescribeAvailabilityZones answers these zones (moto's are all available). */
  zoneStates?: Record<string, string>;
  /** Answer STS GetCallerIdentity with this ARN instead of moto's. */
  callerArn?: string;
}

export interface FakeAwsGaps {
  readonly endpoint: string;
  readonly answers: GapAnswers;
  /** "<service>:<Action>" of every call the fake answered itself. */
  readonly answered: string[];
  reset(): void;
  stop(): Promise<void>;
}

export function emptyAnswers(): GapAnswers {
  return { offerings: {}, clusterVersions: [], addonVersions: {}, parameters: {}, quotas: {}, errors: {} };
}

/** SigV4 names the service in its scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request. */
function signingService(message: IncomingMessage): string {
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(message.headers.authorization ?? "")?.[1] ?? "";
}

function signingRegion(message: IncomingMessage): string {
  return /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(message.headers.authorization ?? "")?.[1] ?? "";
}

/** The action: query protocol's Action=, JSON protocol's X-Amz-Target, or EKS's REST path. */
function actionOf(message: IncomingMessage, body: string): string {
  const target = message.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? "";
  const query = new URLSearchParams(body).get("Action");
  if (query) return query;
  if (message.method === "GET" && (message.url ?? "").startsWith("/cluster-versions"))
    return "DescribeClusterVersions";
  if (message.method === "GET" && (message.url ?? "").startsWith("/addons/supported-versions"))
    return "DescribeAddonVersions";
  return "";
}

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function ec2Error(response: ServerResponse, status: number, code: string, message: string): void {
  send(
    response,
    status,
    `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>fake</RequestID></Response>`,
    "text/xml",
  );
}

function jsonError(response: ServerResponse, status: number, code: string, message: string): void {
  send(response, status, JSON.stringify({ __type: code, message }), "application/x-amz-json-1.1");
}

export async function startFakeAwsGaps(motoEndpoint: string): Promise<FakeAwsGaps> {
  const upstream = new URL(motoEndpoint);
  const answered: string[] = [];
  let answers = emptyAnswers();

  const server = createServer((message, response) => {
    void readBody(message).then((buffer) => {
      const body = buffer.toString("utf8");
      const service = signingService(message);
      const action = actionOf(message, body);
      const key = `${service}:${action}`;
      const error = answers.errors[key];
      if (error) {
        answered.push(key);
        if (service === "ec2") ec2Error(response, error.status, error.code, error.message);
        else if (service === "sts")
          send(
            response,
            error.status,
            `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
            "text/xml",
          );
        else if (service === "eks")
          send(response, error.status, JSON.stringify({ message: error.message }), "application/json");
        else jsonError(response, error.status, error.code, error.message);
        return;
      }
      if (
        service === "ec2" &&
        action === "DescribeInstanceTypeOfferings" &&
        signingRegion(message).startsWith("cn-")
      ) {
        answered.push(key);
        const params = new URLSearchParams(body);
        const types = [...params.entries()]
          .filter(([name]) => /^Filter\.\d+\.Value\.\d+$/.test(name))
          .map(([, value]) => value);
        const items = types.flatMap((type) =>
          (answers.offerings[type] ?? []).map(
            (zone) =>
              `<item><instanceType>${type}</instanceType><locationType>availability-zone</locationType><location>${zone}</location></item>`,
          ),
        );
        send(
          response,
          200,
          `<?xml version="1.0" encoding="UTF-8"?><DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake</requestId><instanceTypeOfferingSet>${items.join("")}</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>`,
          "text/xml",
        );
        return;
      }
      if (service === "ec2" && action === "DescribeAvailabilityZones" && answers.zoneStates) {
        answered.push(key);
        const region = signingRegion(message);
        const items = Object.entries(answers.zoneStates).map(
          ([zone, state]) =>
            `<item><zoneName>${zone}</zoneName><zoneState>${state}</zoneState><regionName>${region}</regionName><zoneType>availability-zone</zoneType></item>`,
        );
        send(
          response,
          200,
          `<?xml version="1.0" encoding="UTF-8"?><DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake</requestId><availabilityZoneInfo>${items.join("")}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`,
          "text/xml",
        );
        return;
      }
      if (service === "eks" && action === "DescribeClusterVersions") {
        answered.push(key);
        send(response, 200, JSON.stringify({ clusterVersions: answers.clusterVersions }), "application/json");
        return;
      }
      if (service === "eks" && action === "DescribeAddonVersions") {
        answered.push(key);
        // GET /addons/supported-versions?addonName=...&kubernetesVersion=...: only the versions
        // compatible with that Kubernetes version (EKS API reference, DescribeAddonVersions).
        const query = new URL(message.url ?? "/", "http://fake").searchParams;
        const name = query.get("addonName") ?? "";
        const kubernetes = query.get("kubernetesVersion");
        const versions = (answers.addonVersions[name] ?? []).filter(
          (version) => !kubernetes || version.compatibilities.some((c) => c.clusterVersion === kubernetes),
        );
        const addons =
          versions.length > 0 ? [{ addonName: name, type: "networking", addonVersions: versions }] : [];
        send(response, 200, JSON.stringify({ addons }), "application/json");
        return;
      }
      if (service === "ssm" && action === "GetParameter") {
        const name = (JSON.parse(body) as { Name: string }).Name;
        if (name.startsWith("/aws/service/eks/")) {
          answered.push(key);
          const value = answers.parameters[name];
          if (value === undefined)
            jsonError(response, 400, "ParameterNotFound", `Parameter ${name} not found.`);
          else
            send(
              response,
              200,
              JSON.stringify({
                Parameter: {
                  Name: name,
                  Type: "String",
                  Value: value,
                  Version: 1,
                  DataType: "aws:ec2:image",
                },
              }),
              "application/x-amz-json-1.1",
            );
          return;
        }
      }
      if (service === "servicequotas" && action === "GetServiceQuota") {
        const { ServiceCode, QuotaCode } = JSON.parse(body) as { ServiceCode: string; QuotaCode: string };
        const value = answers.quotas[`${ServiceCode}/${QuotaCode}`];
        if (value !== undefined) {
          answered.push(key);
          send(
            response,
            200,
            JSON.stringify({
              Quota: { ServiceCode, QuotaCode, Value: value, Adjustable: true, GlobalQuota: false },
            }),
            "application/x-amz-json-1.1",
          );
          return;
        }
      }
      if (service === "sts" && action === "GetCallerIdentity" && answers.callerArn) {
        answered.push(key);
        const account = answers.callerArn.split(":")[4];
        send(
          response,
          200,
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${answers.callerArn}</Arn><UserId>FAKE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          "text/xml",
        );
        return;
      }
      forward(upstream, message, buffer, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get answers() {
      return answers;
    },
    answered,
    reset() {
      answers = emptyAnswers();
      answered.length = 0;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
