/**
 * The attachment-check schedule and the deadline-bounded poll, without AWS. Expected values come
 * from what EC2 is reported to do, not from the schedule's own constants:
 * - an attachment is usually done within 5 s (cilium/cilium#16494: "usually, it doesn't take more
 *   than 5 seconds for the ENI to be available on the node"); one timed case took under 2.1 s
 *   (aws/amazon-vpc-cni-k8s#1872);
 * - issue 22 asks a launch to end within 0.5 s of its attach time, so within those 5 s no pause
 *   between checks may exceed 0.5 s;
 * - past them, a stuck attachment must not keep a launch polling EC2's Describe bucket (100 + 20/s,
 *   shared by every launch of the account) at that pace: the pauses grow, up to the SDK-like 5 s
 *   the Lambda's other waits use;
 * - when EC2 pushes back (throttles a check: the Describe bucket is shared by every launch of the
 *   account), the checks slow down: EC2's throttling guidance is to retry with exponential backoff;
 * - the wait ends at the invocation's deadline, not after a number of checks.
 */

import { strict as assert } from "node:assert";
import { ATTACH_CHECKS, attachCheckDelayMs, nominalAttachCheckMs } from "../../lambda/src/attachment-wait";
import { pollUntil, WaitTimeoutError } from "../../lambda/src/waiting";

/** The pauses a launch makes while an attachment stays `attaching` for `attachMs`. */
function pauses(attachMs: number, random: () => number): { atMs: number; pauseMs: number }[] {
  const made: { atMs: number; pauseMs: number }[] = [];
  let at = ATTACH_CHECKS.firstCheckMs;
  for (let checks = 1; at < attachMs; checks++) {
    const pause = attachCheckDelayMs(ATTACH_CHECKS, checks, at, random);
    made.push({ atMs: at, pauseMs: pause });
    at += pause;
  }
  return made;
}

describe("attachment-check schedule", () => {
  it("pauses at most 0.5 s between checks while within the usual 5 s attach time, whatever the jitter", () => {
    for (const random of [() => 0, () => 0.5, () => 0.999]) {
      const within = pauses(5_000, random);
      assert.ok(within.length > 1);
      for (const { atMs, pauseMs } of within) assert.ok(pauseMs <= 500, `${pauseMs} ms pause at ${atMs} ms`);
    }
  });

  it("backs off past the usual attach time, never shrinking, up to 5 s, so a stuck attachment polls ever less", () => {
    const tail = pauses(120_000, () => 1).filter(({ atMs }) => atMs > 5_000);
    for (let i = 1; i < tail.length; i++) assert.ok(tail[i].pauseMs >= tail[i - 1].pauseMs);
    assert.equal(Math.max(...tail.map(({ pauseMs }) => pauseMs)), 5_000);
    // Two minutes of a stuck attachment: far fewer checks than 0.4 s polling (300) would make.
    assert.ok(tail.length < 40, `${tail.length} checks`);
  });

  it("doubles the pauses for each check EC2 pushed back on, up to 5 s, so a busy Describe bucket gets room", () => {
    const at = (pushedBack: number) => attachCheckDelayMs(ATTACH_CHECKS, 4, 2_000, () => 1, pushedBack);
    assert.ok(at(0) <= 500, "within the usual attach time, unthrottled: 0.5 s at most");
    assert.equal(at(1), 2 * at(0));
    assert.equal(at(2), 4 * at(0));
    assert.equal(at(10), 5_000);
  });

  it("jitters each pause between half and all of its nominal length, so concurrent launches spread out", () => {
    const nominal = nominalAttachCheckMs(ATTACH_CHECKS, 3, 2_000);
    assert.equal(
      attachCheckDelayMs(ATTACH_CHECKS, 3, 2_000, () => 0),
      nominal / 2,
    );
    assert.equal(
      attachCheckDelayMs(ATTACH_CHECKS, 3, 2_000, () => 1),
      nominal,
    );
    const drawn = new Set(Array.from({ length: 20 }, () => attachCheckDelayMs(ATTACH_CHECKS, 3, 2_000)));
    assert.ok(drawn.size > 1, "random pauses differ");
  });
});

describe("pollUntil", () => {
  it("is bounded by time, not by a number of checks: 30 checks when the deadline allows them", async () => {
    let checks = 0;
    const value = await pollUntil(
      "thirty checks",
      async () => (++checks >= 30 ? { done: true, value: checks } : { done: false, seen: `check ${checks}` }),
      { firstDelayMs: 0, nextDelayMs: () => 1, remainingMs: () => 60_000 },
    );
    assert.equal(value, 30);
  });

  it("gives up, saying what it last saw, rather than check or sleep past its deadline", async () => {
    const until = Date.now() + 150;
    let checks = 0;
    await assert.rejects(
      pollUntil(
        "eni-1 to be attached",
        async () => ({ done: false, seen: `eni-1 attaching (check ${++checks})` }),
        { firstDelayMs: 0, nextDelayMs: () => 40, remainingMs: () => until - Date.now() },
      ),
      (error: unknown) =>
        error instanceof WaitTimeoutError &&
        /gave up waiting for eni-1 to be attached after [1-4] checks in \d+ ms \(no time left\); last seen: eni-1 attaching/.test(
          error.message,
        ),
    );
    assert.ok(Date.now() <= until + 5, "no check or sleep past the deadline");
  });
});
