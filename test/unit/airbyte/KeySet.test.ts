/**
 * `KeySet` against a `Set`: any sequence of adds, deletes and lookups of numeric ids (SmartLead's
 * are above 2^31), small integers, negative zero and string ids answers as a `Set` would, with
 * merges into the sorted arrays on the way (batches of 1–5 keys and blocks of 1–8, so a few keys
 * merge many times and span many blocks).
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { BATCH, BLOCK, KeySet } from "../../../src/airbyte/KeySet.js"

const key = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => 2_995_276_770 + n),
  fc.integer({ min: -2, max: 2 }).map((n) => 4_294_967_295 + n), // either side of 2^32
  fc.constant(0.5),
  fc.integer({ min: -5, max: 5 }),
  fc.constant(-0),
  fc.constantFrom("a", "b", "2995276770"),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)
)
const op = fc.tuple(fc.constantFrom("add", "delete", "has"), key)

describe("KeySet", () => {
  it("answers as a Set does for any sequence of operations", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(1, 2, 4, 8),
        (ops, batch, block) => {
          const model = new Set<unknown>()
          const set = new KeySet(batch, block)
          for (const [name, k] of ops) {
            if (name === "add") {
              const fresh = !model.has(k)
              model.add(k)
              expect(set.add(k)).toBe(fresh)
            } else if (name === "delete") {
              expect(set.delete(k)).toBe(model.delete(k))
            } else {
              expect(set.has(k)).toBe(model.has(k))
            }
            expect(set.size).toBe(model.size)
          }
          for (const k of model) expect(set.has(k)).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("keeps 300,000 ids in about 4 bytes each while they fit 32 bits, and finds every one", () => {
    const set = new KeySet()
    const n = 300_000
    // Ids in no order: a multiplicative hash of the index, all above 2^31.
    const id = (i: number) => (i * 2_654_435_761) % 4_294_967_291
    let added = 0
    for (let i = 0; i < n; i++) if (set.add(id(i))) added++
    expect(added).toBe(n)
    expect(set.size).toBe(n)
    let found = 0
    for (let i = 0; i < n; i += 997) if (!set.add(id(i))) found++
    expect(found).toBe(Math.ceil(n / 997))
    expect(set.has(id(n))).toBe(false)
    // The sorted arrays hold all but the recent keys (less than a batch), 4 bytes each, with
    // at most one block spare.
    expect(set.holdsDoubles).toBe(false)
    expect(set.sortedBytes).toBeGreaterThanOrEqual((n - BATCH) * 4)
    expect(set.sortedBytes).toBeLessThanOrEqual((n + BLOCK) * 4)
    // A key past 32 bits turns them into doubles, and every key is still found.
    for (let i = 0; i <= BATCH; i++) set.add(2 ** 32 + i)
    expect(set.holdsDoubles).toBe(true)
    expect(set.sortedBytes).toBeGreaterThanOrEqual(n * 8)
    for (let i = 0; i < n; i += 997) expect(set.has(id(i))).toBe(true)
    expect(set.has(2 ** 32 + 7)).toBe(true)
  })

  it("refuses a block size that is not a power of two", () => {
    expect(() => new KeySet(BATCH, 3)).toThrow(/not a power of two/)
  })
})
