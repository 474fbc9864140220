/**
 * The handler against the latency model: attachments that stay `attaching` longer than the first
 * check must be waited for (CONTINUE only once every attachment is `attached`), with one Describe
 * per check for all ENIs of the launch.
 */

import { strict as assert } from "node:assert";
import { chaosDeps, INVOCATION_TIME_MS } from "../../lambda/bench/chaos-clients";
import { DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { startChaosProxy } from "../../lambda/bench/chaos-proxy";
import { createHandler } from "../../lambda/src/handler";
import type { LaunchOutcome } from "../../lambda/src/launch";
import { ATTACH_FIRST_CHECK_MS } from "../../lambda/src/retry-settings";
import { AZ_A, buildWorld, configFor, ec2For, launchEvent, launchInstance } from "../lambda/fixture";
import { useMoto } from "../support/moto";

describe("ENI Lambda under the latency model", function () {
  this.timeout(60_000);
  const moto = useMoto();

  it("waits until every attachment is attached before CONTINUE, checking all ENIs in one call", async () => {
    const direct = ec2For(moto.endpoint);
    const world = await buildWorld(direct, 2);
    const instanceId = await launchInstance(direct, world, AZ_A);
    // Attachments take longer than the first check: at least one more check is needed.
    const attachingMs = { min: ATTACH_FIRST_CHECK_MS + 300, max: ATTACH_FIRST_CHECK_MS + 600 };
    const proxy = await startChaosProxy({
      upstream: moto.endpoint,
      throttle: false,
      latency: { roundTripMs: { min: 10, max: 30 }, attachingMs, seed: 5 },
    });
    const container = chaosDeps(proxy.endpoint, configFor(world));
    try {
      const outcome = (await createHandler(container.deps)(
        launchEvent(instanceId),
        INVOCATION_TIME_MS,
      )) as LaunchOutcome;
      assert.equal(outcome.outcome, "CONTINUE", outcome.error);
      const [continued] = proxy.ledger.acceptedFor(instanceId);
      const attachments = await direct
        .send(
          new DescribeNetworkInterfacesCommand({
            NetworkInterfaceIds: outcome.eniIds,
          }),
        )
        .then((answer) =>
          (answer.NetworkInterfaces ?? []).map((eni) => eni.Attachment?.AttachmentId as string),
        );
      assert.equal(attachments.length, 2);
      for (const attachmentId of attachments) {
        const readyAt = proxy.latency?.readyAt(attachmentId);
        assert.ok(
          readyAt !== undefined && continued.atMs >= readyAt,
          `CONTINUE before ${attachmentId} was attached`,
        );
      }
      assert.ok((proxy.latency?.attachmentsShownAttaching ?? 0) >= 2, "the first check saw them attaching");
      const checks = container.calls.count("DescribeNetworkInterfaces");
      assert.ok(checks >= 2 && checks <= 3, `one Describe per check for both ENIs (got ${checks})`);
    } finally {
      container.destroy();
      await proxy.stop();
      direct.destroy();
    }
  });
});
