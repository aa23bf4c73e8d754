/**
 * The keys a partition has delivered in a sync, kept in about 8 bytes a key. A read of one
 * campaign can reach millions of rows, and its keys must all be remembered (a pass that restarts,
 * or a sweep after it, must not deliver a row twice); in a `Set`, a number above 2^31 (SmartLead's
 * ids) costs a heap number and a table slot, about 50 bytes, so a million-row campaign would hold
 * 50 MB. Here finite numbers go to a small `Set` of recent keys that is merged, once it holds
 * `BATCH` keys and a sixteenth of the merged ones (so merging stays linear overall), into one
 * sorted typed array (grown by a quarter at a time, merged in place from its end): a
 * `Uint32Array` while every key is an integer from 0 to 2^32 − 1 (SmartLead's lead ids, so far),
 * a `Float64Array` once one is not. Lookups there are a binary search. About 6 bytes a key in
 * all (11 with doubles). Any other key (a string id) stays in a `Set`. A
 * key deleted after it was merged is remembered as deleted until it is added again.
 */

const MAX_UINT32 = 0xffff_ffff

/** Recent numeric keys kept in a `Set` before they are merged into the sorted array. */
export const BATCH = 4096

/** A set of row keys: `add` says whether the key was new. */
export class KeySet {
  private recent = new Set<number>()
  private others = new Set<unknown>()
  private deleted = new Set<number>()
  private sorted: Uint32Array | Float64Array = new Uint32Array(0)
  private count = 0
  private length = 0

  /** `batch`: recent numeric keys kept before a merge (smaller only in tests). */
  constructor(private readonly batch: number = BATCH) {}

  /** Keys in the set. */
  get size(): number {
    return this.count
  }

  /** Adds `key`; true when it was not in the set. */
  add(key: unknown): boolean {
    if (typeof key !== "number" || !Number.isFinite(key)) {
      const size = this.others.size
      if (this.others.add(key).size === size) return false
      this.count++
      return true
    }
    const recent = this.recent
    const size = recent.size
    if (this.length > 0 && this.inSorted(key)) {
      if (this.deleted.size === 0 || !this.deleted.delete(key)) return false
      this.count++
      return true
    }
    if (recent.add(key).size === size) return false
    this.count++
    if (recent.size >= this.batch && recent.size >= this.length >>> 4) this.merge()
    return true
  }

  /** Whether `key` is in the set. */
  has(key: unknown): boolean {
    if (typeof key !== "number" || !Number.isFinite(key)) return this.others.has(key)
    if (this.recent.has(key)) return true
    return this.length > 0 && this.inSorted(key) && !this.deleted.has(key)
  }

  /** Removes `key`; true when it was in the set. */
  delete(key: unknown): boolean {
    if (typeof key !== "number" || !Number.isFinite(key)) {
      if (!this.others.delete(key)) return false
    } else if (!this.recent.delete(key)) {
      if (this.length === 0 || !this.inSorted(key) || this.deleted.has(key)) return false
      this.deleted.add(key)
    }
    this.count--
    return true
  }

  private inSorted(key: number): boolean {
    const sorted = this.sorted
    let low = 0
    let high = this.length - 1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const value = sorted[middle]!
      if (value < key) low = middle + 1
      else if (value > key) high = middle - 1
      else return true
    }
    return false
  }

  /** Moves the recent keys into the sorted array. */
  private merge(): void {
    const incoming = Float64Array.from(this.recent).sort()
    this.recent.clear()
    const total = this.length + incoming.length
    // Ids that fit in 32 bits unsigned (SmartLead's, so far) take 4 bytes; any other number
    // turns the array into doubles for good.
    const narrow = this.sorted instanceof Uint32Array &&
      (incoming.length === 0 || (incoming[0]! >= 0 && incoming[incoming.length - 1]! <= MAX_UINT32)) &&
      incoming.every(Number.isInteger)
    if (total > this.sorted.length || !narrow && this.sorted instanceof Uint32Array) {
      const capacity = Math.max(total, Math.ceil(this.sorted.length * 1.25))
      const grown = narrow ? new Uint32Array(capacity) : new Float64Array(capacity)
      grown.set(this.sorted.subarray(0, this.length))
      this.sorted = grown
    }
    // From the end backwards, so the array's own keys are read before they are overwritten.
    const sorted = this.sorted
    let i = this.length - 1
    let j = incoming.length - 1
    for (let k = total - 1; j >= 0; k--) {
      sorted[k] = i >= 0 && sorted[i]! > incoming[j]! ? sorted[i--]! : incoming[j--]!
    }
    this.length = total
  }
}
