/**
 * The rules of per-partition incremental cursors, in one place for every incremental stream:
 * the stream state (instants read and written by `Instant`: zone-less is UTC, ISO 8601 UTC with
 * milliseconds out) `{<cursor>, partitions: {"<id>": entry}}` and what each entry claims, where a partition starts
 * (resume a pass at its offset with exactly the query it was counted against, reconcile with a
 * full read when one is due, or read on from its cursor less the lookback), and how an entry
 * moves when a pass ends (never backwards, never past the sync's start, not at all when the pass
 * may have missed rows). It is pure: no I/O, time passed in. The state key of the partition map
 * is the stream's (`campaigns` for per-campaign streams).
 */
import { Either } from "effect"
import * as Instant from "./Instant.js"
import { isJsonObject } from "./Protocol.js"
import type { JsonObject } from "./Protocol.js"

// ---------------------------------------------------------------------------------------------
// State

/** What a pass in progress was counted against, so a resume sends exactly the same query. */
export interface Pass {
  /** The query's lower bound on the cursor field (epoch ms), or undefined for none. */
  readonly from: number | undefined
  /** The partition's total when the pass started, if the API reported one. */
  readonly total: number | undefined
  /** A full read (reconciliation or first sync): completing it sets `reconciledAt`. */
  readonly full: boolean
  /** When the sync that started the pass began. */
  readonly startedAt: number
}

/** One partition's position. */
export interface Entry {
  /** Every record with a cursor value at or before this was delivered (unless `offset` says a pass is under way). */
  readonly cursor: number | undefined
  /** A pass is under way: this many rows of `pass`'s query were delivered. */
  readonly offset?: number
  readonly pass?: Pass
  /**
   * The start of the last completed full read (for an entry adopted from a hand-written or older
   * state: the start of the sync that adopted it, when its reconciliation clock started).
   */
  readonly reconciledAt?: number
  /** The start of the last sync whose activity sweep (or first read) of this partition completed. */
  readonly activityAt?: number
  /** Rows of the last completed full read. */
  readonly fullRows?: number
  /** Sweeps are off until the next full read (the API ignored the sweep's filter). */
  readonly sweepOff?: boolean
}

/** A stream's state: a cursor per partition; `cursor` is the newest of them (or the hand-written one). */
export interface State {
  readonly cursor: number | undefined
  /** Undefined for a hand-written state whose cursor applies to every partition. */
  readonly partitions: ReadonlyMap<string, Entry> | undefined
}

/** Where the keys of a stream's state are. */
export interface Keys {
  /** The cursor field, used as the cursor's key at the top and in each entry (`created_at`). */
  readonly cursor: string
  /** The key of the partition map (`campaigns`). */
  readonly partitions: string
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0

/** Decodes a stream state; `{}` is no state. Left names what is wrong. Cursors are normalised. */
export const decode = (keys: Keys, json: JsonObject): Either.Either<State | undefined, string> => {
  if (Object.keys(json).length === 0) return Either.right(undefined)
  const instant = (value: unknown, where: string): Either.Either<number | undefined, string> => {
    if (value === undefined || value === null) return Either.right(undefined)
    const ms = Instant.parse(value)
    if (ms === undefined) return Either.left(`${where} must be an ISO 8601 date-time, got ${JSON.stringify(value)}`)
    // The epoch (what older versions wrote before a first pass completed) is no cursor.
    return Either.right(ms <= 0 ? undefined : ms)
  }
  return Either.gen(function*() {
    const top = yield* instant(json[keys.cursor], keys.cursor)
    const map = json[keys.partitions]
    if (map === undefined) {
      if (top === undefined) {
        return yield* Either.left(
          `${keys.cursor} must be an ISO 8601 date-time when there is no ${keys.partitions} map`
        )
      }
      return { cursor: top, partitions: undefined }
    }
    if (!isJsonObject(map)) return yield* Either.left(`${keys.partitions} must be an object keyed by id`)
    const partitions = new Map<string, Entry>()
    for (const [id, raw] of Object.entries(map)) {
      const at = `${keys.partitions}.${id}`
      if (!/^\d+$/.test(id)) return yield* Either.left(`${keys.partitions} key ${JSON.stringify(id)} is not an id`)
      if (!isJsonObject(raw)) return yield* Either.left(`${at} must be an object`)
      const cursor = yield* instant(raw[keys.cursor], `${at}.${keys.cursor}`)
      const entry: { -readonly [K in keyof Entry]: Entry[K] } = { cursor }
      if (raw["offset"] !== undefined) {
        if (!isCount(raw["offset"])) {
          return yield* Either.left(`${at}.offset must be a non-negative integer, got ${JSON.stringify(raw["offset"])}`)
        }
        const pass = raw["pass"]
        // An offset without what it was counted against (an older state) cannot be trusted: the pass restarts.
        if (isJsonObject(pass)) {
          if (pass["total"] !== undefined && pass["total"] !== null && !isCount(pass["total"])) {
            return yield* Either.left(`${at}.pass.total must be a non-negative integer or null`)
          }
          entry.offset = raw["offset"]
          entry.pass = {
            from: yield* instant(pass["from"], `${at}.pass.from`),
            total: isCount(pass["total"]) ? pass["total"] : undefined,
            full: pass["full"] === true,
            startedAt: (yield* instant(pass["started_at"], `${at}.pass.started_at`)) ?? 0
          }
        }
      }
      const reconciledAt = yield* instant(raw["reconciled_at"], `${at}.reconciled_at`)
      if (reconciledAt !== undefined) entry.reconciledAt = reconciledAt
      const activityAt = yield* instant(raw["activity_at"], `${at}.activity_at`)
      if (activityAt !== undefined) entry.activityAt = activityAt
      if (isCount(raw["full_rows"])) entry.fullRows = raw["full_rows"]
      if (raw["sweep_off"] === true) entry.sweepOff = true
      partitions.set(id, entry)
    }
    return { cursor: top, partitions }
  })
}

/** One partition's entry as JSON (see `encode`). */
const encodeEntry = (keys: Keys, entry: Entry): JsonObject => {
  const out: Record<string, unknown> = {}
  if (entry.cursor !== undefined) out[keys.cursor] = Instant.format(entry.cursor)
  if (entry.offset !== undefined && entry.pass !== undefined) {
    out["offset"] = entry.offset
    out["pass"] = {
      from: entry.pass.from === undefined ? null : Instant.format(entry.pass.from),
      total: entry.pass.total ?? null,
      full: entry.pass.full,
      started_at: Instant.format(entry.pass.startedAt)
    }
  }
  if (entry.reconciledAt !== undefined) out["reconciled_at"] = Instant.format(entry.reconciledAt)
  if (entry.activityAt !== undefined) out["activity_at"] = Instant.format(entry.activityAt)
  if (entry.fullRows !== undefined) out["full_rows"] = entry.fullRows
  if (entry.sweepOff === true) out["sweep_off"] = true
  return out
}

/**
 * Encoded entries, per `Keys` and entry. Entries are immutable and a state keeps the entry of
 * every partition that did not move, so a checkpoint after each page encodes only the partition
 * the page belongs to. The JSON is never mutated, so states may share it.
 */
const encodedEntries = new WeakMap<Keys, WeakMap<Entry, JsonObject>>()

/**
 * The state as the JSON a STATE message carries (cursors ISO UTC with milliseconds, keys in a
 * stable order). A partition without a cursor yet (its first pass is under way) has no cursor
 * key: its query is what `pass.from` says, never a bound made from a placeholder.
 */
export const encode = (keys: Keys, state: State): JsonObject => {
  const json: Record<string, unknown> = {}
  if (state.cursor !== undefined) json[keys.cursor] = Instant.format(state.cursor)
  if (state.partitions === undefined) return json
  let encoded = encodedEntries.get(keys)
  if (encoded === undefined) encodedEntries.set(keys, encoded = new WeakMap())
  const map: Record<string, unknown> = {}
  for (const [id, entry] of state.partitions) {
    let out = encoded.get(entry)
    if (out === undefined) encoded.set(entry, out = encodeEntry(keys, entry))
    map[id] = out
  }
  json[keys.partitions] = map
  return json
}

/** A partition's entry; a hand-written top-level cursor stands for every partition. */
export const entryOf = (state: State | undefined, id: string): Entry | undefined =>
  state === undefined ? undefined : state.partitions === undefined ? { cursor: state.cursor } : state.partitions.get(id)

// ---------------------------------------------------------------------------------------------
// Plans

/** How a sync reads partitions. */
export interface Policy {
  /** When this sync started (epoch ms). */
  readonly syncStart: number
  /** The earliest cursor value to read on a first sync and on full reads (the config's start date). */
  readonly startDate: number | undefined
  /** Re-read this much before the cursor. */
  readonly lookbackMs: number
  /** A full read is due when the last one is older than this; 0 means every sync; undefined means never. */
  readonly reconcileMs: number | undefined
  /** Whether incremental reads also sweep for records with activity since the previous sync. */
  readonly sweep: boolean
  /** How far before the previous sync's start a sweep reaches (lookback and clock skew). */
  readonly sweepMarginMs: number
}

/** What to read of a partition in this sync. */
export interface Plan {
  /** The main pass: its query's lower bound, where to start, and what it was counted against. */
  readonly pass: Pass
  readonly offset: number
  /** Why: for logs. */
  readonly reason: "first" | "resume" | "restart" | "reconcile" | "incremental"
  /** A sweep for activity after this instant, after the main pass. */
  readonly sweepSince: number | undefined
}

/** The query lower bound for a cursor: the cursor less the lookback and 1 ms, so ties are read again. */
export const fromCursor = (cursor: number | undefined, lookbackMs: number): number | undefined =>
  cursor === undefined ? undefined : Math.max(0, cursor - lookbackMs - 1) || undefined

/** The query lower bound for a start date: 1 ms before it, so a record created exactly at the start date is read. */
export const fromStartDate = (startDate: number | undefined): number | undefined =>
  startDate === undefined ? undefined : startDate - 1

/**
 * A full read is due when the last one is older than the interval. An entry with a cursor but
 * no `reconciledAt` (a hand-written state, or one from an older version) is not due: its
 * reconciliation clock starts with this sync.
 */
const reconcileDue = (entry: Entry, policy: Policy): boolean =>
  policy.reconcileMs !== undefined &&
  (policy.reconcileMs === 0 ||
    (entry.reconciledAt !== undefined && policy.syncStart - entry.reconciledAt >= policy.reconcileMs))

/**
 * Where a partition starts. `totalNow` is not known yet when planning; a resume is checked
 * against the partition's total by `resumeHolds` once the first page answers.
 */
export const plan = (entry: Entry | undefined, policy: Policy): Plan => {
  const full = (reason: Plan["reason"]): Plan => ({
    pass: { from: fromStartDate(policy.startDate), total: undefined, full: true, startedAt: policy.syncStart },
    offset: 0,
    reason,
    sweepSince: undefined
  })
  if (entry === undefined) return full("first")
  if (entry.offset !== undefined && entry.pass !== undefined) {
    return { pass: entry.pass, offset: entry.offset, reason: "resume", sweepSince: undefined }
  }
  if (reconcileDue(entry, policy) || entry.cursor === undefined) return full("reconcile")
  const sweepSince = policy.sweep && entry.sweepOff !== true && entry.activityAt !== undefined
    ? Math.max(0, entry.activityAt - policy.sweepMarginMs)
    : undefined
  return {
    pass: {
      from: fromCursor(entry.cursor, policy.lookbackMs),
      total: undefined,
      full: false,
      startedAt: policy.syncStart
    },
    offset: 0,
    reason: "incremental",
    sweepSince
  }
}

/** A resumed pass can go on from its offset only while the partition's total is what it was. */
export const resumeHolds = (pass: Pass, totalNow: number | undefined): boolean =>
  pass.total !== undefined && totalNow !== undefined && pass.total === totalNow

/** The entry while a pass is under way: `offset` rows of `pass` delivered. */
export const inProgress = (entry: Entry | undefined, pass: Pass, offset: number): Entry => ({
  ...(entry ?? { cursor: undefined }),
  offset,
  pass
})

/** How a pass ended. */
export interface Outcome {
  /** The newest cursor value among the records delivered. */
  readonly newest: number | undefined
  /** The pass may have missed rows (the set moved under it): the cursor stays. */
  readonly mayHaveMissed: boolean
  /** Rows the pass delivered (for `fullRows`). */
  readonly rows: number
}

/**
 * The entry once the main pass has ended: the cursor moves to the newest value delivered, never
 * backwards, never past the pass's sync start, and not at all when the pass may have missed
 * rows. A full pass records `reconciledAt` and its row count and turns sweeps back on.
 */
export const passCompleted = (entry: Entry | undefined, pass: Pass, outcome: Outcome): Entry => {
  const previous = entry?.cursor
  const capped = outcome.newest === undefined ? undefined : Math.min(outcome.newest, pass.startedAt)
  const cursor = outcome.mayHaveMissed || capped === undefined
    ? previous
    : previous === undefined
    ? capped
    : Math.max(previous, capped)
  const { offset: _offset, pass: _pass, ...rest } = entry ?? { cursor: undefined }
  const next: { -readonly [K in keyof Entry]: Entry[K] } = { ...rest, cursor }
  if (pass.full && !outcome.mayHaveMissed) {
    next.reconciledAt = pass.startedAt
    next.fullRows = outcome.rows
    delete next.sweepOff
    // A full read delivers all activity too.
    next.activityAt = pass.startedAt
  }
  // The reconciliation and sweep clocks of an entry that had none start with this pass.
  if (next.reconciledAt === undefined) next.reconciledAt = pass.startedAt
  if (next.activityAt === undefined) next.activityAt = pass.startedAt
  return next
}

/** The entry once this sync's sweep ended: `activityAt` moves to the sync's start unless the sweep may have missed rows. */
export const sweepCompleted = (
  entry: Entry,
  syncStart: number,
  outcome: { readonly mayHaveMissed: boolean; readonly turnOff: boolean }
): Entry => {
  if (outcome.turnOff) return { ...entry, sweepOff: true }
  return outcome.mayHaveMissed ? entry : { ...entry, activityAt: syncStart }
}

/** The state with one partition's entry replaced; a hand-written cursor is spread over the partitions first. */
export const withEntry = (state: State | undefined, ids: ReadonlyArray<string>, id: string, entry: Entry): State => {
  const partitions = new Map<string, Entry>(
    state === undefined
      ? []
      : state.partitions === undefined
      ? ids.map((other) => [other, { cursor: state.cursor }] as const)
      : state.partitions
  )
  partitions.set(id, entry)
  let newest = state?.cursor
  for (const other of partitions.values()) {
    if (other.cursor !== undefined && (newest === undefined || other.cursor > newest)) newest = other.cursor
  }
  return { cursor: newest, partitions }
}
