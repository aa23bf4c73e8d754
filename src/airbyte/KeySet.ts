/**
 * The keys a partition has delivered in a sync, kept in about 4.5 bytes a key. A read of one
 * campaign can reach millions of rows, and its keys must all be remembered (a pass that restarts,
 * or a sweep after it, must not deliver a row twice); in a `Set`, a number above 2^31 (SmartLead's
 * ids) costs a heap number and a table slot, about 50 bytes, so a million-row campaign would hold
 * 50 MB. Here finite numbers go to a small `Set` of recent keys, merged every `BATCH` keys into
 * a sorted typed array (`middle`) that is merged in turn, once it holds a sixteenth of them, into
 * the main sorted array (so merging stays linear overall). The main array lies in blocks of
 * `BLOCK` keys and grows a block at a time, merged in place from its end: it is never copied
 * whole, so growing it never holds two copies (a 1,000,000-lead campaign peaked 3–4 MB higher
 * when it was one array grown by a quarter). The arrays are `Uint32Array`s while every key is an
 * integer from 0 to 2^32 − 1 (SmartLead's lead ids, so far), `Float64Array`s once one is not.
 * Lookups there are two binary searches. About 4.5 bytes a key in all (9 with doubles). Any
 * other key (a string id) stays in a `Set`. A key deleted after it was merged is remembered as
 * deleted until it is added again.
 */

const MAX_UINT32 = 0xffff_ffff

/** Recent numeric keys kept in a `Set` before they are merged into the sorted arrays. */
export const BATCH = 4096

/** Keys per block of the main sorted array (a power of two): 128 KB of 32-bit keys. */
export const BLOCK = 32_768

type Keys = Uint32Array | Float64Array

const EMPTY = new Uint32Array(0)

/** A set of row keys: `add` says whether the key was new. */
export class KeySet {
  private readonly recent = new Set<number>()
  private readonly others = new Set<unknown>()
  private readonly deleted = new Set<number>()
  /** Keys merged from `recent`, sorted, one array: at most a sixteenth of `main`'s (or a batch). */
  private middle: Keys = EMPTY
  /** The bulk of the keys, sorted, in blocks of `block` keys; `length` of them are used. */
  private readonly blocks: Array<Keys> = []
  private length = 0
  /** Whether the arrays hold doubles (some key is not an integer from 0 to 2^32 − 1). */
  private wide = false
  private count = 0
  private readonly shift: number
  private readonly mask: number

  /**
   * `batch`: recent numeric keys kept before a merge; `block`: keys per block of the main array,
   * a power of two (both smaller only in tests).
   */
  constructor(private readonly batch: number = BATCH, private readonly block: number = BLOCK) {
    this.shift = Math.round(Math.log2(block))
    if (2 ** this.shift !== block) throw new RangeError(`KeySet: a block of ${block} keys is not a power of two`)
    this.mask = block - 1
  }

  /** Keys in the set. */
  get size(): number {
    return this.count
  }

  /** Bytes held by the sorted arrays (what the set costs besides its last few thousand keys). */
  get sortedBytes(): number {
    let bytes = this.middle.byteLength
    for (const block of this.blocks) bytes += block.byteLength
    return bytes
  }

  /** Whether the sorted arrays hold doubles: 8 bytes a key, not 4. */
  get holdsDoubles(): boolean {
    return this.wide
  }

  /** Adds `key`; true when it was not in the set. */
  add(key: unknown): boolean {
    if (typeof key !== "number" || !Number.isFinite(key)) {
      const size = this.others.size
      if (this.others.add(key).size === size) return false
      this.count++
      return true
    }
    if (this.inSorted(key)) {
      if (this.deleted.size === 0 || !this.deleted.delete(key)) return false
      this.count++
      return true
    }
    const recent = this.recent
    const size = recent.size
    if (recent.add(key).size === size) return false
    this.count++
    if (recent.size >= this.batch) this.mergeRecent()
    return true
  }

  /** Whether `key` is in the set. */
  has(key: unknown): boolean {
    if (typeof key !== "number" || !Number.isFinite(key)) return this.others.has(key)
    if (this.recent.has(key)) return true
    return this.inSorted(key) && !this.deleted.has(key)
  }

  /** Removes `key`; true when it was in the set. */
  delete(key: unknown): boolean {
    if (typeof key !== "number" || !Number.isFinite(key)) {
      if (!this.others.delete(key)) return false
    } else if (!this.recent.delete(key)) {
      if (!this.inSorted(key) || this.deleted.has(key)) return false
      this.deleted.add(key)
    }
    this.count--
    return true
  }

  private inSorted(key: number): boolean {
    const middle = this.middle
    let low = 0
    let high = middle.length - 1
    while (low <= high) {
      const index = (low + high) >>> 1
      const value = middle[index]!
      if (value < key) low = index + 1
      else if (value > key) high = index - 1
      else return true
    }
    const { blocks, mask, shift } = this
    low = 0
    high = this.length - 1
    while (low <= high) {
      const index = (low + high) >>> 1
      const value = blocks[index >>> shift]![index & mask]!
      if (value < key) low = index + 1
      else if (value > key) high = index - 1
      else return true
    }
    return false
  }

  /** An empty array of the current kind. */
  private keys(length: number): Keys {
    return this.wide ? new Float64Array(length) : new Uint32Array(length)
  }

  /** Doubles from now on, for good: a key that is not an integer from 0 to 2^32 − 1 came. */
  private widen(): void {
    this.wide = true
    this.middle = Float64Array.from(this.middle)
    for (let i = 0; i < this.blocks.length; i++) this.blocks[i] = Float64Array.from(this.blocks[i]!)
  }

  /** Moves the recent keys into `middle`, and `middle` into the blocks once it holds a sixteenth of them. */
  private mergeRecent(): void {
    const incoming = Float64Array.from(this.recent).sort()
    this.recent.clear()
    if (
      !this.wide && incoming.length > 0 &&
      (incoming[0]! < 0 || incoming[incoming.length - 1]! > MAX_UINT32 || !incoming.every(Number.isInteger))
    ) this.widen()
    const middle = this.middle
    const merged = this.keys(middle.length + incoming.length)
    let i = 0
    let j = 0
    for (let k = 0; k < merged.length; k++) {
      merged[k] = j >= incoming.length || (i < middle.length && middle[i]! < incoming[j]!)
        ? middle[i++]!
        : incoming[j++]!
    }
    this.middle = merged
    if (merged.length >= Math.max(this.batch, this.length >>> 4)) this.mergeMiddle()
  }

  /**
   * Moves `middle` into the blocks, merged in place from the end (so the blocks' keys are read
   * before they are overwritten); they grow a block at a time, never copied.
   */
  private mergeMiddle(): void {
    const middle = this.middle
    const total = this.length + middle.length
    const { blocks, mask, shift } = this
    while (blocks.length * this.block < total) blocks.push(this.keys(this.block))
    let i = this.length - 1
    let j = middle.length - 1
    for (let k = total - 1; j >= 0; k--) {
      const kept = i >= 0 ? blocks[i >>> shift]![i & mask]! : -Infinity
      if (kept > middle[j]!) {
        blocks[k >>> shift]![k & mask] = kept
        i--
      } else {
        blocks[k >>> shift]![k & mask] = middle[j--]!
      }
    }
    this.length = total
    this.middle = this.keys(0)
  }
}
