import { strict as assert } from "node:assert";
import { AuthorizationRefusedError, requestResources } from "../../lambda/src/authorization";

describe("ENI Lambda: refused calls", () => {
  it("collects the resource IDs a request names, nested and in Describe filters", () => {
    assert.deepEqual(
      requestResources({
        NetworkInterfaceId: "eni-1",
        Attachment: { AttachmentId: "eni-attach-1", DeleteOnTermination: true },
      }),
      [
        { type: "network-interface", id: "eni-1" },
        { type: "attachment", id: "eni-attach-1" },
      ],
    );
    assert.deepEqual(
      requestResources({
        Filters: [
          { Name: "instance-id", Values: ["i-1"] },
          { Name: "tag:x", Values: ["y"] },
        ],
      }),
      [{ type: "instance", id: "i-1" }],
    );
    assert.deepEqual(requestResources({ NetworkInterfaceIds: ["eni-2"] }), [
      { type: "network-interface", id: "eni-2" },
    ]);
    assert.deepEqual(requestResources({ SubnetId: "subnet-1", Groups: ["sg-1"] }), [
      { type: "subnet", id: "subnet-1" },
    ]);
  });

  it("says which action was refused on which resources, and what to grant", () => {
    const error = new AuthorizationRefusedError(
      "ec2:AttachNetworkInterface",
      [
        { type: "network-interface", id: "eni-1" },
        { type: "instance", id: "i-1" },
      ],
      "UnauthorizedOperation",
      "You are not authorized to perform this operation.",
    );
    assert.equal(error.name, "AuthorizationRefused");
    assert.match(
      error.message,
      /^ec2:AttachNetworkInterface on network-interface eni-1, instance i-1 was refused \(UnauthorizedOperation\): grant ec2:AttachNetworkInterface/,
    );
  });
});
