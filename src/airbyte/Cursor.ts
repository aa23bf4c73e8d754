/**
 * The rules of per-partition incremental cursors, in one place for every incremental stream: the
 * stream state (instants read and written by `Instant`: zone-less is UTC, ISO 8601 UTC with
 * milliseconds out), compact so that it stays small at thousands of partitions
 * (`{<cursor>, <partitions>: {"<id>": cursor | entry}, reconciled_at, activity_at, sweep_filter}`),
 * and what each entry claims; where a partition starts (resume a pass at its offset with exactly
 * the query it was counted against, checking the rows it recorded; reconcile with a full read
 * when one is due; or read on from its cursor less the lookback, followed by an activity sweep);
 * and how an entry moves when a pass ends (never backwards, never past its pass's start less a
 * margin, not at all when the pass may have missed rows). It is pure: no I/O, time passed in.
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
  /** A full read (reconciliation or first sync): completing it sets `reconciledAt`. */
  readonly full: boolean
  /** When the sync that started the pass began. */
  readonly startedAt: number
  /** The keys of the last rows delivered before `offset`: a resume asks for them again and checks them. */
  readonly lastKeys?: ReadonlyArray<Key>
  /**
   * The newest cursor value the pass may move the cursor to, so a resumed pass ends with the
   * right cursor: the newest delivered, or, once rows were inserted behind the read position, the
   * newest delivered before that (`shifted`).
   */
  readonly newest?: number
  /** Rows were inserted behind the read position during the pass: `newest` stays where it was then. */
  readonly shifted?: boolean
}

/** A row key as state records it. */
export type Key = string | number

/** One partition's position. */
export interface Entry {
  /** Every record with a cursor value at or before this was delivered (unless `offset` says a pass is under way). */
  readonly cursor: number | undefined
  /** A pass is under way: this many rows of `pass`'s query were delivered. */
  readonly offset?: number
  readonly pass?: Pass
  /**
   * The start of the last completed full read (for an entry adopted from a hand-written state:
   * the start of the sync that adopted it, when its reconciliation clock started).
   */
  readonly reconciledAt?: number
  /** The start of the last sync whose activity sweep (or full read) of this partition completed. */
  readonly activityAt?: number
  /**
   * The start of the last sync that did this partition's slow-clock read (see `Tiers`): an
   * inactive partition's read, or an active one's lookback re-read.
   */
  readonly refreshedAt?: number
  /** The label (status) of an inactive partition when it was last read, so a change is read at once. */
  readonly label?: string
}

/** What the stream learnt of the API's activity filter, by asking it. */
export interface SweepFilter {
  /** A request for activity after a future instant came back empty. */
  readonly honoured: boolean
  readonly checkedAt: number
}

/**
 * A stream's state: a cursor per partition; `cursor` is the newest of them (or the hand-written
 * one). The partition map is the sync's working copy: the reader updates it in place and
 * encodes it only at a checkpoint.
 */
export interface State {
  readonly cursor: number | undefined
  /** Undefined for a hand-written state whose cursor applies to every partition. */
  readonly partitions: Map<string, Entry> | undefined
  readonly sweepFilter?: SweepFilter | undefined
}

/** Where the keys of a stream's state are. */
export interface Keys {
  /** The cursor field, used as the cursor's key at the top and in each entry (`created_at`). */
  readonly cursor: string
  /** The key of the partition map (`campaigns`). */
  readonly partitions: string
}

/** State keys shared by every partitioned stream. */
const RECONCILED_AT = "reconciled_at"
const ACTIVITY_AT = "activity_at"
const REFRESHED_AT = "refreshed_at"
const LABELS = "labels"
const SWEEP_FILTER = "sweep_filter"

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0
const isKey = (value: unknown): value is Key => typeof value === "string" || typeof value === "number"
const isId = (value: string): boolean => /^\d+$/.test(value)

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Decodes a stream state; `{}` is no state. Left names what is wrong. Cursors are normalised.
 * Reads the compact layout `encode` writes and the per-entry layout of version 0.1.0 (whose
 * `total`, `full_rows` and `sweep_off` are no longer needed and are ignored).
 */
export const decode = (keys: Keys, json: JsonObject): Either.Either<State | undefined, string> => {
  if (Object.keys(json).length === 0) return Either.right(undefined)
  const instant = (value: unknown, where: string): Either.Either<number | undefined, string> => {
    if (value === undefined || value === null) return Either.right(undefined)
    const ms = Instant.parse(value)
    if (ms === undefined) return Either.left(`${where} must be an ISO 8601 date-time, got ${JSON.stringify(value)}`)
    return Either.right(ms <= 0 ? undefined : ms)
  }
  /** A `{"<instant>": [ids]}` map, as `encode` groups shared clocks. */
  const groups = (value: unknown, where: string): Either.Either<Map<string, number>, string> =>
    Either.gen(function*() {
      const byId = new Map<string, number>()
      if (value === undefined) return byId
      if (!isJsonObject(value)) return yield* Either.left(`${where} must be an object of date-time: [ids]`)
      for (const [at, ids] of Object.entries(value)) {
        const ms = yield* instant(at, `${where} key`)
        if (!Array.isArray(ids)) return yield* Either.left(`${where}.${at} must be an array of ids`)
        for (const id of ids) {
          if (!isKey(id) || !isId(String(id))) {
            return yield* Either.left(`${where}.${at} holds ${JSON.stringify(id)}, not an id`)
          }
          if (ms !== undefined) byId.set(String(id), ms)
        }
      }
      return byId
    })
  return Either.gen(function*() {
    const top = yield* instant(json[keys.cursor], keys.cursor)
    const map = json[keys.partitions]
    let sweepFilter: SweepFilter | undefined
    const filter = json[SWEEP_FILTER]
    if (isJsonObject(filter) && typeof filter["honoured"] === "boolean") {
      const checkedAt = yield* instant(filter["checked_at"], `${SWEEP_FILTER}.checked_at`)
      if (checkedAt !== undefined) sweepFilter = { honoured: filter["honoured"], checkedAt }
    }
    if (map === undefined) {
      if (top === undefined) {
        return yield* Either.left(
          `${keys.cursor} must be an ISO 8601 date-time when there is no ${keys.partitions} map`
        )
      }
      return { cursor: top, partitions: undefined, sweepFilter }
    }
    if (!isJsonObject(map)) return yield* Either.left(`${keys.partitions} must be an object keyed by id`)
    const reconciled = yield* groups(json[RECONCILED_AT], RECONCILED_AT)
    const activity = yield* groups(json[ACTIVITY_AT], ACTIVITY_AT)
    const refreshed = yield* groups(json[REFRESHED_AT], REFRESHED_AT)
    const labels = new Map<string, string>()
    const labelled = json[LABELS]
    if (labelled !== undefined) {
      if (!isJsonObject(labelled)) return yield* Either.left(`${LABELS} must be an object of label: [ids]`)
      for (const [label, ids] of Object.entries(labelled)) {
        if (!Array.isArray(ids) || !ids.every((id) => isKey(id) && isId(String(id)))) {
          return yield* Either.left(`${LABELS}.${label} must be an array of ids`)
        }
        for (const id of ids) labels.set(String(id), label)
      }
    }
    const partitions = new Map<string, Entry>()
    for (const [id, raw] of Object.entries(map)) {
      const at = `${keys.partitions}.${id}`
      if (!isId(id)) return yield* Either.left(`${keys.partitions} key ${JSON.stringify(id)} is not an id`)
      const entry: Mutable<Entry> = { cursor: undefined }
      if (typeof raw === "string") {
        entry.cursor = yield* instant(raw, at)
      } else if (isJsonObject(raw)) {
        entry.cursor = yield* instant(raw[keys.cursor], `${at}.${keys.cursor}`)
        if (raw["offset"] !== undefined) {
          if (!isCount(raw["offset"])) {
            return yield* Either.left(
              `${at}.offset must be a non-negative integer, got ${JSON.stringify(raw["offset"])}`
            )
          }
          const pass = raw["pass"]
          // An offset without what it was counted against cannot be trusted: the pass restarts.
          if (isJsonObject(pass)) {
            const lastKeys = pass["last_keys"]
            if (lastKeys !== undefined && !(Array.isArray(lastKeys) && lastKeys.every(isKey))) {
              return yield* Either.left(`${at}.pass.last_keys must be an array of strings or numbers`)
            }
            entry.offset = raw["offset"]
            const newest = yield* instant(pass["newest"], `${at}.pass.newest`)
            entry.pass = {
              from: yield* instant(pass["from"], `${at}.pass.from`),
              full: pass["full"] === true,
              startedAt: (yield* instant(pass["started_at"], `${at}.pass.started_at`)) ?? 0,
              ...(lastKeys === undefined ? {} : { lastKeys: lastKeys as ReadonlyArray<Key> }),
              ...(newest === undefined ? {} : { newest }),
              ...(pass["shifted"] === true ? { shifted: true } : {})
            }
          }
        }
        const reconciledAt = yield* instant(raw[RECONCILED_AT], `${at}.${RECONCILED_AT}`)
        if (reconciledAt !== undefined) entry.reconciledAt = reconciledAt
        const activityAt = yield* instant(raw[ACTIVITY_AT], `${at}.${ACTIVITY_AT}`)
        if (activityAt !== undefined) entry.activityAt = activityAt
      } else if (raw !== null) {
        return yield* Either.left(`${at} must be a date-time, an object or null`)
      }
      const reconciledAt = reconciled.get(id)
      if (reconciledAt !== undefined) entry.reconciledAt = reconciledAt
      const activityAt = activity.get(id)
      if (activityAt !== undefined) entry.activityAt = activityAt
      const refreshedAt = refreshed.get(id)
      if (refreshedAt !== undefined) entry.refreshedAt = refreshedAt
      const label = labels.get(id)
      if (label !== undefined) entry.label = label
      partitions.set(id, entry)
    }
    return { cursor: top, partitions, sweepFilter }
  })
}

/** One partition's entry as JSON: its cursor alone when no pass is under way (see `encode`). */
const encodeEntry = (keys: Keys, entry: Entry): unknown => {
  if (entry.offset === undefined || entry.pass === undefined) {
    return entry.cursor === undefined ? null : Instant.format(entry.cursor)
  }
  const out: Record<string, unknown> = {}
  if (entry.cursor !== undefined) out[keys.cursor] = Instant.format(entry.cursor)
  out["offset"] = entry.offset
  const pass: Record<string, unknown> = {
    from: entry.pass.from === undefined ? null : Instant.format(entry.pass.from),
    full: entry.pass.full,
    started_at: Instant.format(entry.pass.startedAt)
  }
  if (entry.pass.lastKeys !== undefined && entry.pass.lastKeys.length > 0) pass["last_keys"] = entry.pass.lastKeys
  if (entry.pass.newest !== undefined) pass["newest"] = Instant.format(entry.pass.newest)
  if (entry.pass.shifted === true) pass["shifted"] = true
  out["pass"] = pass
  return out
}

/** An id as state writes it in a group: a number when it is one (shorter), else the text. */
const idValue = (id: string): Key => {
  const n = Number(id)
  return Number.isSafeInteger(n) && String(n) === id ? n : id
}

/**
 * The state as the JSON a STATE message carries, compact so that it stays small at thousands of
 * partitions: `{<cursor>: newest, <partitions>: {"<id>": cursor | null | {<cursor>, offset,
 * pass}}, reconciled_at: {"<instant>": [ids]}, activity_at: {"<instant>": [ids]},
 * refreshed_at: {"<instant>": [ids]}, labels: {"<label>": [ids]}, sweep_filter}`. A partition
 * whose pass is done is its cursor alone (`null` before it has one); its reconciliation, sweep
 * and slow-read clocks, which most partitions of a sync share, are grouped by instant, and the
 * labels of inactive partitions by label. Instants are ISO 8601 UTC with milliseconds.
 */
export const encode = (keys: Keys, state: State): JsonObject => {
  const json: Record<string, unknown> = {}
  if (state.partitions === undefined) {
    if (state.cursor !== undefined) json[keys.cursor] = Instant.format(state.cursor)
  } else {
    let newest = state.cursor
    const map: Record<string, unknown> = {}
    const reconciled = new Map<number, Array<Key>>()
    const activity = new Map<number, Array<Key>>()
    const refreshed = new Map<number, Array<Key>>()
    const labels = new Map<string, Array<Key>>()
    const group = <G>(into: Map<G, Array<Key>>, at: G | undefined, id: string) => {
      if (at === undefined) return
      const ids = into.get(at)
      if (ids === undefined) into.set(at, [idValue(id)])
      else ids.push(idValue(id))
    }
    for (const [id, entry] of state.partitions) {
      if (entry.cursor !== undefined && (newest === undefined || entry.cursor > newest)) newest = entry.cursor
      map[id] = encodeEntry(keys, entry)
      group(reconciled, entry.reconciledAt, id)
      group(activity, entry.activityAt, id)
      group(refreshed, entry.refreshedAt, id)
      group(labels, entry.label, id)
    }
    if (newest !== undefined) json[keys.cursor] = Instant.format(newest)
    json[keys.partitions] = map
    const groups = (from: Map<number, Array<Key>>) =>
      Object.fromEntries(Array.from(from).sort(([a], [b]) => a - b).map(([at, ids]) => [Instant.format(at), ids]))
    if (reconciled.size > 0) json[RECONCILED_AT] = groups(reconciled)
    if (activity.size > 0) json[ACTIVITY_AT] = groups(activity)
    if (refreshed.size > 0) json[REFRESHED_AT] = groups(refreshed)
    if (labels.size > 0) json[LABELS] = Object.fromEntries(labels)
  }
  if (state.sweepFilter !== undefined) {
    json[SWEEP_FILTER] = {
      honoured: state.sweepFilter.honoured,
      checked_at: Instant.format(state.sweepFilter.checkedAt)
    }
  }
  return json as JsonObject
}

/** A partition's entry; a hand-written top-level cursor stands for every partition. */
export const entryOf = (state: State | undefined, id: string): Entry | undefined =>
  state === undefined ? undefined : state.partitions === undefined ? { cursor: state.cursor } : state.partitions.get(id)

/**
 * The sync's working copy of the state: every partition of the input (those not read this sync
 * keep their entries), a hand-written cursor spread over `ids`.
 */
export const working = (state: State | undefined, ids: ReadonlyArray<string>): State => ({
  cursor: state?.partitions === undefined ? state?.cursor : undefined,
  partitions: state === undefined
    ? new Map()
    : state.partitions === undefined
    ? new Map(ids.map((id) => [id, { cursor: state.cursor }] as const))
    : new Map(state.partitions),
  sweepFilter: state?.sweepFilter
})

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
  /**
   * When set, the lookback is a slow-clock re-read: an incremental read re-reads the lookback
   * before the cursor only when asked to (`plan`'s `refresh`), and otherwise reads on from the
   * cursor. The window reaches the lookback before the cursor, or before the previous re-read
   * when that is earlier (a row that changed since then, while within the lookback of its
   * writing, may have aged out of the window by now). It ends at the cursor, not at the sync's
   * start: a partition that stopped writing rows (a finished campaign) still re-reads its last
   * rows, which may change later.
   */
  readonly refreshMs?: number | undefined
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
  /** The pass re-reads the lookback window on the slow clock (see `Policy.refreshMs`). */
  readonly refresh?: boolean
}

/** The query lower bound for a cursor: the cursor less the lookback and 1 ms, so ties are read again. */
export const fromCursor = (cursor: number | undefined, lookbackMs: number): number | undefined =>
  cursor === undefined ? undefined : Math.max(0, cursor - lookbackMs - 1) || undefined

/** The query lower bound for a start date: 1 ms before it, so a record created exactly at the start date is read. */
export const fromStartDate = (startDate: number | undefined): number | undefined =>
  startDate === undefined ? undefined : startDate - 1

/**
 * A full read is due when the last one is older than the interval. An entry with a cursor but
 * no `reconciledAt` (a hand-written state) is not due: its reconciliation clock starts with this
 * sync.
 */
const reconcileDue = (entry: Entry, policy: Policy): boolean =>
  policy.reconcileMs !== undefined &&
  (policy.reconcileMs === 0 ||
    (entry.reconciledAt !== undefined && policy.syncStart - entry.reconciledAt >= policy.reconcileMs))

/**
 * Where an activity sweep of a partition starts: the last sweep's (or full read's) sync start,
 * else its reconciliation clock, else its cursor (never later than the sync that set it), less
 * the margin; undefined when sweeps are off or that instant is not before this sync.
 */
const sweepFrom = (entry: Entry, policy: Policy): number | undefined => {
  if (!policy.sweep) return undefined
  const since = entry.activityAt ?? entry.reconciledAt ?? entry.cursor
  // Nothing can have happened after the sync's start (a far-future cursor, say).
  if (since === undefined || since >= policy.syncStart) return undefined
  return Math.max(0, since - policy.sweepMarginMs)
}

/** Where an incremental read from a cursor starts, with or without its lookback (see `Policy.refreshMs`). */
const incrementalFrom = (cursor: number, refreshedAt: number | undefined, policy: Policy, refresh: boolean) => {
  if (policy.refreshMs === undefined) return fromCursor(cursor, policy.lookbackMs)
  if (!refresh) return fromCursor(cursor, 0)
  return fromCursor(Math.min(cursor, refreshedAt ?? cursor), policy.lookbackMs)
}

/**
 * Where a partition starts. `refresh`: this sync is the partition's slow-clock re-read of its
 * lookback window (only with `Policy.refreshMs`).
 */
export const plan = (entry: Entry | undefined, policy: Policy, refresh = false): Plan => {
  const full = (reason: Plan["reason"]): Plan => ({
    pass: { from: fromStartDate(policy.startDate), full: true, startedAt: policy.syncStart },
    offset: 0,
    reason,
    sweepSince: undefined
  })
  if (entry === undefined) return full("first")
  if (entry.offset !== undefined && entry.pass !== undefined) {
    // A resumed pass is followed by a sweep: a full one for activity since it started (on rows
    // delivered before the resume), an incremental one as any incremental read.
    const sweepSince = entry.pass.full
      ? sweepFrom({ cursor: undefined, activityAt: entry.pass.startedAt }, policy)
      : sweepFrom(entry, policy)
    // An offset with no keys to check it against (a page without overlap) restarts the pass.
    if (entry.offset > 0 && (entry.pass.lastKeys === undefined || entry.pass.lastKeys.length === 0)) {
      return { pass: entry.pass, offset: 0, reason: "restart", sweepSince }
    }
    return { pass: entry.pass, offset: entry.offset, reason: "resume", sweepSince }
  }
  if (reconcileDue(entry, policy) || entry.cursor === undefined) return full("reconcile")
  return {
    pass: {
      from: incrementalFrom(entry.cursor, entry.refreshedAt, policy, refresh),
      full: false,
      startedAt: policy.syncStart
    },
    offset: 0,
    reason: "incremental",
    sweepSince: sweepFrom(entry, policy),
    ...(refresh && policy.refreshMs !== undefined ? { refresh: true } : {})
  }
}

/**
 * The entry while a pass is under way: `offset` rows of `pass` delivered, the last of them
 * `lastKeys`, the newest cursor value among them `newest`.
 */
export const inProgress = (
  entry: Entry | undefined,
  pass: Pass,
  offset: number,
  lastKeys: ReadonlyArray<unknown>,
  newest?: number,
  shifted?: boolean
): Entry => ({
  ...(entry ?? { cursor: undefined }),
  offset,
  pass: {
    from: pass.from,
    full: pass.full,
    startedAt: pass.startedAt,
    lastKeys: lastKeys.filter(isKey),
    ...(newest === undefined ? {} : { newest }),
    ...(shifted === true ? { shifted: true } : {})
  }
})

/** How a pass ended. */
export interface Outcome {
  /** The newest cursor value among the records delivered. */
  readonly newest: number | undefined
  /** The pass may have missed rows: the cursor stays. */
  readonly mayHaveMissed: boolean
  /**
   * How long before the pass's start the cursor stops: a row created while the pass read (or
   * stamped by a clock running behind ours) may sit behind the read position, in any order the
   * API returns rows, so the next pass reads that window again. 0 by default.
   */
  readonly settleMs?: number
}

/**
 * The entry once the main pass has ended: the cursor moves to the newest value delivered, never
 * backwards, never past the pass's sync start less `settleMs`, and not at all when the pass may
 * have missed rows. A full pass records `reconciledAt` and `activityAt`.
 */
export const passCompleted = (entry: Entry | undefined, pass: Pass, outcome: Outcome): Entry => {
  const previous = entry?.cursor
  const capped = outcome.newest === undefined
    ? undefined
    : Math.min(outcome.newest, pass.startedAt - (outcome.settleMs ?? 0))
  const cursor = outcome.mayHaveMissed || capped === undefined
    ? previous
    : previous === undefined
    ? capped
    : Math.max(previous, capped)
  const { offset: _offset, pass: _pass, ...rest } = entry ?? { cursor: undefined }
  const next: Mutable<Entry> = { ...rest, cursor }
  if (pass.full && !outcome.mayHaveMissed) {
    next.reconciledAt = pass.startedAt
    // A full read delivers all activity too.
    next.activityAt = pass.startedAt
  }
  // The reconciliation and sweep clocks of an entry that had none start with this pass.
  if (next.reconciledAt === undefined) next.reconciledAt = pass.startedAt
  if (next.activityAt === undefined) next.activityAt = pass.startedAt
  return next
}

/** The entry once this sync's sweep ended: `activityAt` moves to the sync's start unless the sweep may have missed rows. */
export const sweepCompleted = (entry: Entry, syncStart: number, outcome: { readonly mayHaveMissed: boolean }): Entry =>
  outcome.mayHaveMissed ? entry : { ...entry, activityAt: syncStart }

/** Whether the activity filter should be asked about again: never asked, or asked longer than `intervalMs` ago. */
export const sweepFilterDue = (filter: SweepFilter | undefined, now: number, intervalMs: number): boolean =>
  filter === undefined || now - filter.checkedAt >= intervalMs
