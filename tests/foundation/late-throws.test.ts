/**
 * Issue 20's rule: nothing stops a deployment half-way that the settings could have refused before
 * the first resource. Every `throw` reachable from an `apply` callback (it runs mid-deployment, on
 * a value the cloud returned) or from a component constructor (earlier components exist by then)
 * is listed here with the reason it may stay. A new one fails this test until it is either moved
 * into the settings validation (stacks/config) or given a reason below.
 *
 * Kinds of reason:
 *   cloud      it judges a value the cloud returns (an ID, the endpoint, the CA): only known in the
 *              apply; its message names the setting where one is involved.
 *   checked    the same input is refused earlier, before anything is declared: by the settings
 *              validation (named) for the program, and by the component's own argument check for
 *              a component used on its own. tests/foundation/settings-never-throw-late.test.ts
 *              runs random settings through the program to back this up.
 *   invariant  no input reaches it: the values are built by this program itself.
 */
import * as assert from "node:assert/strict";
import { findLateThrows, LateThrow } from "../support/late-throws";
import { REPO_ROOT } from "../support/moto";

type Kind = "cloud" | "checked" | "invariant";

const ALLOWED: Readonly<Record<string, { kind: Kind; reason: string }>> = {
  "components/model/network.ts::subnetInZone": {
    kind: "checked",
    reason: "the subnet layout planned by parseSettings gives every network a subnet in every AZ",
  },
  "components/networks/ipam/index.ts::eniPrefixIpamConfig": {
    kind: "invariant",
    reason: "the NAD planner passes the network's own name",
  },
  "components/networks/ipam/index.ts::validatedRoute": {
    kind: "checked",
    reason: "networks[].routes are CIDR-checked by stacks/config/networks.ts; subnet CIDRs by the layout",
  },
  "components/networks/ipam/vpc-ip.ts::vpcIpIpamConfig": {
    kind: "checked",
    reason: "networks[].routes are CIDR-checked by stacks/config/networks.ts",
  },
  "components/networks/nad.ts::attachmentFor": {
    kind: "invariant",
    reason: "looks up a NAD the same constructor planned for every node AZ",
  },
  "components/networks/nad.ts::cniConfigFor": {
    kind: "invariant",
    reason: "host-local NADs are planned per AZ with that AZ's subnet",
  },
  "components/networks/nad.ts::planNetworkAttachments": {
    kind: "checked",
    reason: "readMultusSettings (stacks/config/multus.ts) runs nadNameProblems and the node AZ checks first",
  },
  "components/networks/nad.ts::zoneSuffix": {
    kind: "checked",
    reason: "availabilityZones must be AZs of the region (stacks/config/parse.ts), all with a suffix",
  },
  "components/networks/samples.ts::PinnedAddresses.next": {
    kind: "checked",
    reason: "readMultusSettings plans the samples and refuses a range too small to pin their addresses",
  },
  "components/nodegroup/args-problems.ts::lambdaConfigProblems": {
    kind: "invariant",
    reason: "rethrows only what is not a LambdaConfigError (a defect), the rest becomes a problem",
  },
  "components/nodegroup/args-problems.ts::refuseInvalidArgs": {
    kind: "checked",
    reason: "the component's argument check, before super(): the settings validation covers each case",
  },
  "components/nodegroup/lambda-iam.ts::requireIds": {
    kind: "cloud",
    reason: "the subnet and security group IDs EC2 returned",
  },
  "components/nodegroup/lambda-iam.ts::requireText": {
    kind: "cloud",
    reason: "the account ID STS returned (partition, region and cluster name are settings, checked first)",
  },
  "components/nodegroup/max-pods.ts::resolveMaxPods": {
    kind: "checked",
    reason: "maxPodsProblems runs in nodeGroupArgsProblems before; the settings check instanceTypeProblems",
  },
  "components/nodegroup/node-bundle.ts::nodeBundleFiles": {
    kind: "invariant",
    reason: "the rootfs tree is this repository's (tests/nodegroup/node-files-conformance.test.ts)",
  },
  "components/nodegroup/node-bundle.ts::tarHeader": {
    kind: "invariant",
    reason: "the rootfs paths are this repository's, all short",
  },
  "components/nodegroup/node-config.ts::fixedRange": {
    kind: "checked",
    reason:
      "ranges are host offsets of the network setting, the same in every AZ (stacks/config/networks.ts)",
  },
  "components/nodegroup/node-config.ts::nodeConfig": {
    kind: "checked",
    reason: "the layout gives every network a subnet in every AZ",
  },
  "components/nodegroup/node-iam.ts::vpcIpNodePolicyDocument": {
    kind: "cloud",
    reason: "the account ID STS returned; partition, region and cluster name are settings, checked first",
  },
  "components/nodegroup/plan.ts::multusSecurityGroupId": {
    kind: "cloud",
    reason: "MultusVpc's security group IDs by network, as the VPC component returned them",
  },
  "components/nodegroup/plan.ts::multusSubnetId": {
    kind: "cloud",
    reason: "MultusVpc's subnet IDs by network and AZ; the message names nodeAvailabilityZones",
  },
  "components/nodegroup/userdata.ts::mimePart": {
    kind: "checked",
    reason:
      "only extraBootstrapScript could hold the boundary: nodeUserDataSettingsProblems refuses it first",
  },
  "components/nodegroup/userdata.ts::renderNodeUserData": {
    kind: "cloud",
    reason:
      "the size depends on the CA bundle EKS returns; everything else in it is bounded (userdata-size.test.ts)",
  },
  "components/nodegroup/userdata.ts::validateNodeUserDataArgs": {
    kind: "cloud",
    reason: "the endpoint, CA and bucket EKS and S3 return; the settings part ran in the constructor",
  },
  "components/security/irsa.ts::irsaTrustPolicy": {
    kind: "cloud",
    reason: "the OIDC provider ARN and issuer EKS returned",
  },
  "lambda/src/config.ts::parseGraceMinutes": {
    kind: "checked",
    reason:
      "the same configuration with placeholder IDs is validated in the constructor (lambdaConfigProblems)",
  },
  "lambda/src/config.ts::parseIpam": {
    kind: "checked",
    reason: "validated in the constructor with placeholder IDs (lambdaConfigProblems)",
  },
  "lambda/src/config.ts::parseLambdaConfig": {
    kind: "checked",
    reason: "validated in the constructor with placeholder IDs (lambdaConfigProblems)",
  },
  "lambda/src/config.ts::parseNetwork": {
    kind: "cloud",
    reason: "the subnet and security group IDs EC2 returned; the rest was validated in the constructor",
  },
  "lambda/src/config.ts::parseTags": {
    kind: "checked",
    reason: "validated in the constructor with placeholder IDs; tags are checked by stacks/config/tags.ts",
  },
  "lambda/src/config.ts::requireString": {
    kind: "cloud",
    reason: "the IDs EC2 returned must be non-empty strings",
  },
  "lambda/src/config.ts::requireUnique": {
    kind: "checked",
    reason: "network names and device indexes are unique by stacks/config/networks.ts",
  },
};

describe("throws that could stop a deployment half-way (issue 20)", function () {
  this.timeout(120_000);
  let found: LateThrow[];

  before(() => {
    // buildStack declares the VPC first: any throw it reaches is after the first resource.
    found = findLateThrows(
      REPO_ROOT,
      ["stacks/index.ts"],
      [{ file: "stacks/program.ts", name: "buildStack" }],
    );
  });

  it("finds the throws inside apply callbacks and constructors, also through calls", () => {
    // The analysis itself: the user data render is reached from an apply three calls deep.
    const userData = found.find(
      (entry) => entry.key === "components/nodegroup/userdata.ts::validateNodeUserDataArgs",
    );
    assert.ok(userData, "the user data validation reached from the launch template's apply");
    assert.equal(userData.inApply, true);
    assert.ok(found.length >= 20, `only ${found.length} found: the call graph walk is broken`);
  });

  it("has a reason for every throw that runs after the first resource", () => {
    const unexplained = found.filter((entry) => !(entry.key in ALLOWED));
    assert.deepEqual(
      unexplained.map(
        (entry) =>
          `${entry.key} at ${entry.at}${entry.inApply ? " (in an apply)" : ""}: throw ${entry.thrown}\n    via ${entry.via.join("\n    -> ")}`,
      ),
      [],
      "move the check into the settings validation (stacks/config), or add it to ALLOWED with its reason",
    );
  });

  it("lists no throw that is gone (the list stays true)", () => {
    const keys = new Set(found.map((entry) => entry.key));
    assert.deepEqual(
      Object.keys(ALLOWED).filter((key) => !keys.has(key)),
      [],
    );
  });
});
