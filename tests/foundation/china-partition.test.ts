/**
 * The China stacks must carry no global-partition ARN and no global-form principal of a service
 * that is China-suffixed (ec2, s3): IAM in aws-cn rejects them. The global variant proves the
 * values come from the partition and are not simply missing.
 */
import * as assert from "assert";
import { OfflineRun, inMemoryStack, resourceKey, runStack, stringsIn } from "../support/offline";

const GLOBAL_ARN = /arn:aws:/;
/** Global-form principals and endpoints of the China-suffixed services, not followed by ".cn". */
const GLOBAL_SERVICE_HOST = /(^|[^\w.-])(ec2|s3)\.amazonaws\.com(?![\w.])/;
const GLOBAL_PRINCIPALS = ["ec2.amazonaws.com", "s3.amazonaws.com"];

interface Finding {
  readonly where: string;
  readonly text: string;
}

const BASE64 = /^[A-Za-z0-9+/]{16,}={0,2}$/;

/** A string plus, when it is base64 of text (EC2 user data), the decoded text. */
function withDecoded(text: string): string[] {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return [text];
  const decoded = Buffer.from(text, "base64").toString("utf8");
  return /^[\t\n\r\x20-\x7e]*$/.test(decoded) ? [text, decoded] : [text];
}

/** Every string of every recorded resource input (JSON documents and user data included) and of the outputs. */
function allStrings(run: OfflineRun): Finding[] {
  const found = (where: string, value: unknown): Finding[] =>
    stringsIn(value).flatMap((text) => withDecoded(text).map((decoded) => ({ where, text: decoded })));
  return [
    ...run.resources.flatMap((resource) => found(resourceKey(resource), resource.inputs)),
    ...found("stack outputs", run.outputs),
  ];
}

function describeFindings(findings: readonly Finding[]): string {
  return findings.map((finding) => `${finding.where}: ${finding.text.slice(0, 200)}`).join("\n");
}

describe("partition correctness", () => {
  for (const [stack, region] of [
    ["ningxia", "cn-northwest-1"],
    ["beijing", "cn-north-1"],
  ]) {
    describe(`${stack} (${region})`, () => {
      let run: OfflineRun;
      let strings: Finding[];
      before(async () => {
        run = await runStack(stack);
        strings = allStrings(run);
      });

      it("runs in the aws-cn partition", () => {
        assert.strictEqual(run.settings.region.name, region);
        assert.strictEqual(run.settings.region.partition, "aws-cn");
        assert.strictEqual(run.outputs.partition, "aws-cn");
      });

      it("has no arn:aws: anywhere in its resource inputs or outputs", () => {
        const found = strings.filter((finding) => GLOBAL_ARN.test(finding.text));
        assert.deepStrictEqual(describeFindings(found), "");
      });

      it("has no global-form ec2 or s3 principal or host anywhere", () => {
        const found = strings.filter(
          (finding) => GLOBAL_PRINCIPALS.includes(finding.text) || GLOBAL_SERVICE_HOST.test(finding.text),
        );
        assert.deepStrictEqual(describeFindings(found), "");
      });

      it("decodes the node user data for the scan", () => {
        assert.ok(
          strings.some((finding) => finding.text.startsWith("MIME-Version:")),
          "no base64 user data was decoded; the scan would miss principals inside it",
        );
      });

      it("does use China ARNs and the China ec2 principal (the scan sees them)", () => {
        assert.ok(
          strings.some((finding) => finding.text.startsWith("arn:aws-cn:")),
          "no arn:aws-cn: found",
        );
        assert.ok(
          strings.some((finding) => finding.text === "ec2.amazonaws.com.cn"),
          "the bastion role should trust ec2.amazonaws.com.cn",
        );
      });
    });
  }

  describe("a global-partition variant (us-west-2)", () => {
    let strings: Finding[];
    before(async () => {
      const run = await runStack(
        inMemoryStack(
          { "aws:region": "us-west-2", partition: "aws", availabilityZones: ["us-west-2a", "us-west-2b"] },
          "oregon",
        ),
      );
      assert.strictEqual(run.settings.region.partition, "aws");
      strings = allStrings(run);
    });

    it("produces arn:aws: and ec2.amazonaws.com, and nothing of the China partition", () => {
      assert.ok(
        strings.some((finding) => finding.text.startsWith("arn:aws:")),
        "no arn:aws: found",
      );
      assert.ok(
        strings.some((finding) => finding.text === "ec2.amazonaws.com"),
        "no ec2.amazonaws.com",
      );
      const china = strings.filter((finding) => /arn:aws-cn:|amazonaws\.com\.cn/.test(finding.text));
      assert.deepStrictEqual(describeFindings(china), "");
    });
  });
});
