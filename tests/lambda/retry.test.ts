import { strict as assert } from "node:assert";
import { SDK_BACKOFF_BASE_MS, SDK_MAX_BACKOFF_MS } from "../../lambda/src/retry-settings";
import { backoffDelayMs } from "../../lambda/src/retry-strategy";

describe("ENI Lambda: SDK backoff", () => {
  it("doubles from the base and never waits longer than the cap (full jitter)", () => {
    const top = (): number => 0.999999;
    assert.equal(backoffDelayMs(0, top), SDK_BACKOFF_BASE_MS - 1);
    assert.equal(backoffDelayMs(2, top), 4 * SDK_BACKOFF_BASE_MS - 1);
    assert.equal(backoffDelayMs(30, top), SDK_MAX_BACKOFF_MS - 1);
    assert.equal(
      backoffDelayMs(30, () => 0),
      0,
    );
    for (let attempt = 0; attempt < 60; attempt++) {
      const delay = backoffDelayMs(attempt);
      assert.ok(delay >= 0 && delay < SDK_MAX_BACKOFF_MS, `attempt ${attempt}: ${delay}`);
    }
  });
});
