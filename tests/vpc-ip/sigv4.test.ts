/**
 * The plugin's stdlib SigV4 signer against botocore's signer (the reference, pinned from PyPI):
 * same requests, same credentials and time, the Authorization headers must be identical. And the
 * EC2 endpoint comes from the instance's region and partition domain (IMDS), never a literal.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ensureMotoInstalled, REPO_ROOT } from "../support/moto";
import { VPC_IP_PLUGIN } from "./world";

interface SignedCase {
  url?: string;
  action?: string;
  ours?: string;
  botocore?: string;
  tokenHeader?: boolean;
  region?: string;
  domain?: string;
  endpoint?: string;
}

describe("multus-vpc-ip SigV4 signer", function () {
  this.timeout(180_000);
  let lines: SignedCase[] = [];
  before(() => {
    ensureMotoInstalled(); // the test virtualenv, with botocore
    const output = execFileSync(
      path.join(REPO_ROOT, ".venv", "bin", "python"),
      [path.join(__dirname, "sigv4_reference.py"), VPC_IP_PLUGIN],
      { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
    );
    lines = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as SignedCase);
  });

  it("signs every case exactly as botocore does (China and global regions, with and without a session token)", () => {
    const signed = lines.filter((line) => line.ours !== undefined);
    assert.equal(signed.length, 8);
    for (const line of signed) {
      assert.equal(line.ours, line.botocore, `${line.action} ${line.url}`);
      assert.ok(line.tokenHeader, `${line.action}: security token header differs`);
    }
  });

  it("derives the EC2 endpoint from IMDS placement/region and services/domain", () => {
    const endpoints = Object.fromEntries(
      lines.filter((line) => line.endpoint).map((line) => [line.region, line.endpoint]),
    );
    assert.deepEqual(endpoints, {
      "cn-north-1": "https://ec2.cn-north-1.amazonaws.com.cn/",
      "eu-west-1": "https://ec2.eu-west-1.amazonaws.com/",
    });
  });
});
