/**
 * Keeps a long read's memory flat. V8 lets garbage that survived a young-generation collection
 * pile up in the old generation until its own heuristics call for a full collection, so a read
 * of millions of records would end with a much larger heap (and RSS) than a short one although
 * what is live stays the same. `relieve`, called after each written batch, runs a full
 * collection whenever the heap has grown by more than `HEADROOM` bytes since the last one: a
 * few milliseconds every few seconds of a fast read, and a bound that holds under a container's
 * memory limit.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/** Heap growth allowed between two full collections. */
export const HEADROOM = 32 * 1024 * 1024

let collect: (() => void) | undefined
let floor = 0

const collector = (): (() => void) => {
  if (collect === undefined) {
    setFlagsFromString("--expose-gc")
    collect = runInNewContext("gc") as () => void
  }
  return collect
}

/** Runs a full collection if the heap grew by more than `HEADROOM` since the last one. */
export const relieve = (): void => {
  const used = getHeapStatistics().used_heap_size
  if (floor === 0) floor = used
  if (used < floor + HEADROOM) return
  collector()()
  floor = getHeapStatistics().used_heap_size
}
