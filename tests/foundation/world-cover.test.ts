/**
 * coversWorld: a set of CIDRs is world-open when its union is all of IPv4 or IPv6, whatever the
 * split. Property tests build covering sets by splitting the whole space at random and check
 * that removing any one block, or any address, makes them non-covering.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { coversWorld, worldCoveredFamilies } from "../../components/model/world-cover";

/** Splits `prefix/length` (IPv4, as a number) into a random partition of blocks. */
function partition(start: number, length: number, splits: boolean[], at = { i: 0 }): string[] {
  const split = length < 12 && splits[at.i++ % splits.length];
  if (!split) return [`${[24, 16, 8, 0].map((shift) => (start >>> shift) & 255).join(".")}/${length}`];
  const half = 2 ** (31 - length);
  return [...partition(start, length + 1, splits, at), ...partition(start + half, length + 1, splits, at)];
}

const partitions = fc
  .array(fc.boolean(), { minLength: 1, maxLength: 64 })
  .map((splits) => partition(0, 0, [true, ...splits]));

describe("coversWorld", () => {
  it("knows the obvious cases", () => {
    assert.equal(coversWorld(["0.0.0.0/0"]), true);
    assert.equal(coversWorld(["::/0"]), true);
    assert.equal(coversWorld(["0.0.0.0/1", "128.0.0.0/1"]), true);
    assert.equal(coversWorld(["::/1", "8000::/1"]), true);
    assert.equal(coversWorld(["0.0.0.0/1"]), false);
    assert.equal(coversWorld(["10.0.0.0/8", "192.168.0.0/16"]), false);
    assert.equal(coversWorld([]), false);
    assert.equal(coversWorld(["not a cidr", "0.0.0.0/33"]), false);
    assert.deepEqual(worldCoveredFamilies(["0.0.0.0/0", "::/1"]), ["IPv4"]);
  });

  it("every random partition of IPv4 covers the world, in any order", () => {
    fc.assert(
      fc.property(partitions, fc.integer(), (blocks, seed) => {
        const shuffled = [...blocks].sort(
          (a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7),
        );
        return coversWorld(shuffled);
      }),
    );
  });

  it("a partition with any one block removed does not cover the world", () => {
    fc.assert(
      fc.property(
        partitions.filter((blocks) => blocks.length > 1),
        fc.nat(),
        (blocks, pick) => {
          const without = blocks.filter((_, index) => index !== pick % blocks.length);
          return !coversWorld(without);
        },
      ),
    );
  });

  it("adding overlapping or duplicate blocks never changes the answer", () => {
    fc.assert(
      fc.property(partitions, fc.nat(), (blocks, pick) => {
        const extra = blocks[pick % blocks.length];
        return (
          coversWorld([...blocks, extra, "10.0.0.0/8"]) && !coversWorld([extra, "10.0.0.0/8"].slice(0, 1))
        );
      }),
    );
  });

  it("is false whenever some address lies outside every block", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2 ** 32 - 1), fc.integer({ min: 1, max: 32 })), { maxLength: 40 }),
        fc.nat(2 ** 32 - 1),
        (raw, address) => {
          const blocks = raw.map(([value, length]) => {
            const size = 2 ** (32 - length);
            const start = value - (value % size);
            return {
              start,
              end: start + size,
              cidr: `${[24, 16, 8, 0].map((shift) => (start >>> shift) & 255).join(".")}/${length}`,
            };
          });
          const outside = blocks.every((block) => address < block.start || address >= block.end);
          return !outside || !coversWorld(blocks.map((block) => block.cidr));
        },
      ),
    );
  });
});
