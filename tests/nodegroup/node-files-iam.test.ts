// The node files bucket's name prefix must be a valid S3 bucket name start for any EKS cluster name
// (S3: 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit; bucketPrefix at most 37 characters, the provider appends the rest).

import { strict as assert } from "node:assert";
import fc from "fast-check";
import { nodeFilesBucketPrefix } from "../../components/nodegroup/node-files-iam";

describe("nodeFilesBucketPrefix", function () {
  it("turns any EKS cluster name (1-100 of [A-Za-z0-9-_]) into a valid S3 name prefix of at most 37 characters", function () {
    const eksName = fc.stringMatching(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/);
    fc.assert(
      fc.property(eksName, (name) => {
        const prefix = nodeFilesBucketPrefix(name);
        assert.ok(prefix.length <= 37, prefix);
        assert.match(prefix, /^[a-z0-9][a-z0-9-]*-node-files-$/);
        assert.doesNotMatch(prefix, /--node-files-$/);
      }),
    );
  });

  it("keeps a plain name readable", function () {
    assert.equal(nodeFilesBucketPrefix("eks-multus-cluster"), "eks-multus-cluster-node-files-");
    assert.equal(nodeFilesBucketPrefix("My_Cluster"), "my-cluster-node-files-");
  });
});
