// The `pulumi preview`/`up` path: the program reads the node type's facts from the provider's data
// sources (aws.ec2.getInstanceType, getInstanceTypeOfferings), answered here from moto's
// DescribeInstanceTypes (AWS's published figures), never from the program's table.
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../stacks/config/problems";
import { readStackFile } from "../../stacks/offline/stack-file";
import { useMoto } from "../support/moto";
import {
  GET_INSTANCE_TYPE,
  GET_OFFERINGS,
  providerFacts,
  type ProviderFacts,
} from "../support/provider-facts";
import { resourcesOfType, runStack } from "../support/offline";

describe("instance-type facts at pulumi preview/up", function () {
  this.timeout(120_000);
  const moto = useMoto();
  let facts: ProviderFacts;
  const providerCalls: ProviderFacts["call"] = (token, inputs) => facts.call(token, inputs);

  beforeEach(() => {
    facts = providerFacts(moto.endpoint, ["cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"]);
  });

  it("derives maxPods from EC2's figures for a type the table does not list (m7i.large)", async () => {
    const run = await runStack(
      "ningxia",
      { nodeInstanceType: "m7i.large" },
      { instanceFacts: "provider", call: providerCalls },
    );
    assert.deepEqual(facts.calls.sort(), [GET_INSTANCE_TYPE, GET_OFFERINGS]);
    assert.equal(run.instanceFacts?.source, "ec2");
    // moto: m7i.large has 3 ENIs of 10 IPv4 → (3 − 2 Multus) × 9 + 2.
    assert.equal((run.outputs.nodeGroup as { maxPods: number }).maxPods, 11);
    assert.equal(
      resourcesOfType(run, "aws:ec2/launchTemplate:LaunchTemplate")[0].inputs.instanceType,
      "m7i.large",
    );
  });

  it("the offline plan refuses the same type, which is not in its table, asking for nodeMaxPods", async () => {
    await assert.rejects(runStack("ningxia", { nodeInstanceType: "m7i.large" }), (error: ConfigError) =>
      error.problems.some(
        (problem) => problem.setting === "multus-eks:nodeMaxPods" && /m7i\.large/.test(problem.message),
      ),
    );
  });

  it("refuses a type EC2 reports as Xen (m4.xlarge) for an eni-prefix network", async () => {
    await assert.rejects(
      runStack(
        "ningxia",
        { nodeInstanceType: "m4.xlarge", networks: [{ name: "routed", ipam: "eni-prefix" }] },
        { instanceFacts: "provider", call: providerCalls },
      ),
      (error: ConfigError) =>
        error.problems.some(
          (problem) =>
            problem.setting === "multus-eks:nodeInstanceType" &&
            /m4\.xlarge is not a Nitro instance/.test(problem.message),
        ),
    );
  });

  it("refuses a type with too few ENIs, and a node AZ that does not offer the type, together", async () => {
    facts.offeredZones = ["cn-northwest-1b"];
    await assert.rejects(
      runStack(
        "ningxia",
        { nodeInstanceType: "m4.large" },
        { instanceFacts: "provider", call: providerCalls },
      ),
      (error: ConfigError) => {
        const messages = error.problems.map((problem) => `${problem.setting}: ${problem.message}`);
        assert.equal(messages.length, 2, messages.join("\n"));
        assert.match(messages[0], /^multus-eks:nodeInstanceType: m4\.large attaches at most 2 ENIs/);
        assert.match(
          messages[1],
          /^multus-eks:nodeInstanceType: m4\.large is not offered in cn-northwest-1a \(cn-northwest-1 offers it in cn-northwest-1b\)/,
        );
        return true;
      },
    );
  });

  it("the entry point (stacks/index.ts) reads EC2's facts before declaring anything and reports misfits as the settings' problems", async () => {
    const config = Object.fromEntries(
      Object.entries({
        ...readStackFile("ningxia").config,
        "multus-eks:nodeInstanceType": "m4.large",
        "multus-eks:deployFrom": "vpc",
      }).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
    const declared: string[] = [];
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          declared.push(args.type);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => providerCalls(args.token, args.inputs) ?? args.inputs,
      },
      "multus-eks",
      "ningxia",
      true,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../stacks/index") as () => Promise<Record<string, unknown>>;
    await assert.rejects(program(), (error: Error) => {
      assert.ok(pulumi.RunError.isInstance(error), `not a RunError: ${error}`);
      assert.match(error.message, /multus-eks:nodeInstanceType: m4\.large attaches at most 2 ENIs/);
      return true;
    });
    assert.deepEqual(facts.calls.sort(), [GET_INSTANCE_TYPE, GET_OFFERINGS]);
    assert.deepEqual(declared, []);
  });
});
