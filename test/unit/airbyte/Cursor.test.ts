/**
 * The cursor rules of `Cursor`, without processes or I/O: how a state is decoded (with errors naming the field) and encoded; where a
 * partition starts (first read, resume, reconciliation, incremental read, sweep); and how an entry
 * moves when a pass or sweep ends (never backwards, never past the sync's start, not at all when
 * rows may have been missed).
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { Entry, Keys, Pass, Policy, State } from "../../../src/airbyte/Cursor.js"
import * as Cursor from "../../../src/airbyte/Cursor.js"
import * as Instant from "../../../src/airbyte/Instant.js"
import type { JsonObject } from "../../../src/airbyte/Protocol.js"

const KEYS: Keys = { cursor: "created_at", partitions: "campaigns" }
const at = (iso: string): number => Date.parse(iso)
const HOUR = 3_600_000

const decoded = (json: JsonObject): State | undefined => {
  const result = Cursor.decode(KEYS, json)
  if (Either.isLeft(result)) throw new Error(`expected a state, got: ${result.left}`)
  return result.right
}
const decodeError = (json: unknown): string => {
  const result = Cursor.decode(KEYS, json as JsonObject)
  if (Either.isRight(result)) throw new Error(`expected an error, got ${JSON.stringify(result.right)}`)
  return result.left
}

describe("decode and encode", () => {
  const full = {
    created_at: "2025-03-01T10:00:00.000Z",
    campaigns: {
      "11": {
        created_at: "2025-03-01T10:00:00.000Z",
        reconciled_at: "2025-03-02T00:00:00.000Z",
        activity_at: "2025-03-03T00:00:00.000Z",
        full_rows: 120,
        sweep_off: true
      },
      "12": {
        created_at: "2025-02-01T00:00:00.000Z",
        offset: 40,
        pass: { from: "2025-01-31T23:59:59.999Z", total: 90, full: false, started_at: "2025-03-03T00:00:00.000Z" },
        reconciled_at: "2025-03-02T00:00:00.000Z",
        activity_at: "2025-03-02T00:00:00.000Z",
        full_rows: 80
      },
      "13": { offset: 10, pass: { from: null, total: null, full: true, started_at: "2025-03-03T00:00:00.000Z" } }
    }
  }

  it("{} is no state", () => {
    expect(decoded({})).toBeUndefined()
  })

  it("round-trips every entry field", () => {
    const state = decoded(full)!
    expect(state.cursor).toBe(at("2025-03-01T10:00:00Z"))
    expect(state.partitions!.get("11")).toEqual({
      cursor: at("2025-03-01T10:00:00Z"),
      reconciledAt: at("2025-03-02T00:00:00Z"),
      activityAt: at("2025-03-03T00:00:00Z"),
      fullRows: 120,
      sweepOff: true
    })
    expect(state.partitions!.get("12")).toEqual({
      cursor: at("2025-02-01T00:00:00Z"),
      offset: 40,
      pass: { from: at("2025-01-31T23:59:59.999Z"), total: 90, full: false, startedAt: at("2025-03-03T00:00:00Z") },
      reconciledAt: at("2025-03-02T00:00:00Z"),
      activityAt: at("2025-03-02T00:00:00Z"),
      fullRows: 80
    })
    // a first pass under way: no cursor, no lower bound, no total reported
    expect(state.partitions!.get("13")).toEqual({
      cursor: undefined,
      offset: 10,
      pass: { from: undefined, total: undefined, full: true, startedAt: at("2025-03-03T00:00:00Z") }
    })
    expect(Cursor.encode(KEYS, state)).toEqual(full)
  })

  it("writes entry keys in a stable order", () => {
    const json = Cursor.encode(KEYS, decoded(full)!) as { campaigns: Record<string, object> }
    expect(Object.keys(json)).toEqual(["created_at", "campaigns"])
    expect(Object.keys(json.campaigns["12"]!)).toEqual([
      "created_at",
      "offset",
      "pass",
      "reconciled_at",
      "activity_at",
      "full_rows"
    ])
    expect(Object.keys((json.campaigns["12"] as { pass: object }).pass)).toEqual([
      "from",
      "total",
      "full",
      "started_at"
    ])
  })

  it("normalises every instant to ISO 8601 UTC with milliseconds", () => {
    const state = decoded({
      created_at: "2025-01-01 12:00:00",
      campaigns: {
        "7": {
          created_at: "2025-01-01T14:00:00+02:00",
          reconciled_at: "2025-01-02",
          offset: 3,
          pass: { from: "2024-12-31 23:59:59.999", total: 5, full: false, started_at: "2025-01-02T01:00:00+01:00" }
        }
      }
    })!
    expect(Cursor.encode(KEYS, state)).toEqual({
      created_at: "2025-01-01T12:00:00.000Z",
      campaigns: {
        "7": {
          created_at: "2025-01-01T12:00:00.000Z",
          offset: 3,
          pass: { from: "2024-12-31T23:59:59.999Z", total: 5, full: false, started_at: "2025-01-02T00:00:00.000Z" },
          reconciled_at: "2025-01-02T00:00:00.000Z"
        }
      }
    })
  })

  it("a bare top-level cursor is a hand-written state for every partition", () => {
    const state = decoded({ created_at: "2025-01-01T00:00:00Z" })!
    expect(state).toEqual({ cursor: at("2025-01-01T00:00:00Z"), partitions: undefined })
    expect(Cursor.encode(KEYS, state)).toEqual({ created_at: "2025-01-01T00:00:00.000Z" })
    expect(Cursor.entryOf(state, "42")).toEqual({ cursor: at("2025-01-01T00:00:00Z") })
  })

  it("a map without a top-level cursor, and entries without one, are valid (no pass completed yet)", () => {
    const state = decoded({ campaigns: { "5": {} } })!
    expect(state.cursor).toBeUndefined()
    expect(Cursor.entryOf(state, "5")).toEqual({ cursor: undefined })
    expect(Cursor.entryOf(state, "6")).toBeUndefined()
    expect(Cursor.entryOf(undefined, "5")).toBeUndefined()
    expect(Cursor.encode(KEYS, state)).toEqual({ campaigns: { "5": {} } })
  })

  it("drops an offset that does not say what it was counted against (an older state): the pass restarts", () => {
    const state = decoded({
      created_at: "2025-01-01T00:00:00Z",
      campaigns: { "5": { created_at: "2025-01-01T00:00:00Z", offset: 30 } }
    })!
    expect(state.partitions!.get("5")).toEqual({ cursor: at("2025-01-01T00:00:00Z") })
  })

  it("ignores full_rows that are not counts and a sweep_off that is not true", () => {
    const state = decoded({
      campaigns: { "5": { full_rows: -1, sweep_off: "yes" }, "6": { full_rows: 2.5, sweep_off: false } }
    })!
    expect(state.partitions!.get("5")).toEqual({ cursor: undefined })
    expect(state.partitions!.get("6")).toEqual({ cursor: undefined })
  })

  it("names what is wrong", () => {
    expect(decodeError({ created_at: "01/02/2025" })).toMatch(
      /^created_at must be an ISO 8601 date-time, got "01\/02\/2025"/
    )
    expect(decodeError({ created_at: "2025-02-30T00:00:00Z" })).toMatch(/^created_at must be an ISO 8601 date-time/)
    expect(decodeError({ cursor: "2025-01-01T00:00:00Z" })).toMatch(
      /created_at must be an ISO 8601 date-time when there is no campaigns map/
    )
    expect(decodeError({ campaigns: [] })).toMatch(/campaigns must be an object keyed by id/)
    expect(decodeError({ campaigns: { abc: {} } })).toMatch(/campaigns key "abc" is not an id/)
    expect(decodeError({ campaigns: { "5": "2025-01-01" } })).toMatch(/campaigns\.5 must be an object/)
    expect(decodeError({ campaigns: { "5": { created_at: 1735689600 } } })).toMatch(
      /campaigns\.5\.created_at must be an ISO 8601 date-time, got 1735689600/
    )
    expect(decodeError({ campaigns: { "5": { offset: -3 } } })).toMatch(
      /campaigns\.5\.offset must be a non-negative integer, got -3/
    )
    expect(decodeError({ campaigns: { "5": { offset: 2.5 } } })).toMatch(
      /campaigns\.5\.offset must be a non-negative integer, got 2\.5/
    )
    expect(decodeError({ campaigns: { "5": { offset: "10" } } })).toMatch(/campaigns\.5\.offset/)
    const pass = { from: null, total: 3, full: true, started_at: "2025-01-01T00:00:00Z" }
    expect(decodeError({ campaigns: { "5": { offset: 1, pass: { ...pass, total: "3" } } } })).toMatch(
      /campaigns\.5\.pass\.total must be a non-negative integer or null/
    )
    expect(decodeError({ campaigns: { "5": { offset: 1, pass: { ...pass, from: "01/02/2025" } } } })).toMatch(
      /campaigns\.5\.pass\.from must be an ISO 8601 date-time/
    )
    expect(decodeError({ campaigns: { "5": { offset: 1, pass: { ...pass, started_at: "soon" } } } })).toMatch(
      /campaigns\.5\.pass\.started_at/
    )
    expect(decodeError({ campaigns: { "5": { reconciled_at: "last week" } } })).toMatch(
      /campaigns\.5\.reconciled_at must be an ISO 8601 date-time/
    )
    expect(decodeError({ campaigns: { "5": { activity_at: "2025-13-01T00:00:00Z" } } })).toMatch(
      /campaigns\.5\.activity_at must be an ISO 8601 date-time/
    )
  })
})

describe("plan", () => {
  const syncStart = at("2025-06-01T00:00:00Z")
  const policy: Policy = {
    syncStart,
    startDate: undefined,
    lookbackMs: 600_000,
    reconcileMs: 168 * HOUR,
    sweep: true,
    sweepMarginMs: 600_000 + 300_000
  }
  const cursor = at("2025-05-31T12:00:00Z")
  const read: Entry = { cursor, reconciledAt: syncStart - 24 * HOUR, activityAt: syncStart - HOUR, fullRows: 50 }

  it("a first read is a full read from the start date, inclusive", () => {
    expect(Cursor.plan(undefined, policy)).toEqual({
      pass: { from: undefined, total: undefined, full: true, startedAt: syncStart },
      offset: 0,
      reason: "first",
      sweepSince: undefined
    })
    const startDate = at("2025-01-01T00:00:00Z")
    expect(Cursor.plan(undefined, { ...policy, startDate }).pass.from).toBe(startDate - 1)
    expect(Cursor.fromStartDate(startDate)).toBe(startDate - 1)
    expect(Cursor.fromStartDate(undefined)).toBeUndefined()
  })

  it("an incremental read asks from the cursor less the lookback and 1 ms, then sweeps from the last activity less the margin", () => {
    expect(Cursor.plan(read, policy)).toEqual({
      pass: { from: cursor - 600_000 - 1, total: undefined, full: false, startedAt: syncStart },
      offset: 0,
      reason: "incremental",
      sweepSince: syncStart - HOUR - 900_000
    })
    expect(Cursor.fromCursor(cursor, 0)).toBe(cursor - 1)
    expect(Cursor.fromCursor(undefined, 600_000)).toBeUndefined()
    // a cursor within the lookback of the epoch asks for everything
    expect(Cursor.fromCursor(500, 600_000)).toBeUndefined()
  })

  it("no sweep when sweeps are off in the config, off for the campaign, or it has no activity_at", () => {
    expect(Cursor.plan(read, { ...policy, sweep: false }).sweepSince).toBeUndefined()
    expect(Cursor.plan({ ...read, sweepOff: true }, policy).sweepSince).toBeUndefined()
    const { activityAt: _activityAt, ...noActivity } = read
    expect(Cursor.plan(noActivity, policy).sweepSince).toBeUndefined()
  })

  it("resumes a pass under way at its offset with exactly the query it was counted against", () => {
    const pass: Pass = { from: cursor - 1, total: 90, full: false, startedAt: syncStart - 2 * HOUR }
    // even with another lookback, start date or an overdue reconciliation
    const other: Policy = { ...policy, lookbackMs: 0, startDate: at("2025-05-01T00:00:00Z"), reconcileMs: 0 }
    expect(Cursor.plan({ ...read, offset: 40, pass }, other)).toEqual({
      pass,
      offset: 40,
      reason: "resume",
      sweepSince: undefined
    })
  })

  it("reconciles with a full read when the last one is as old as the interval (from the start date, if any)", () => {
    const due = { ...read, reconciledAt: syncStart - 168 * HOUR }
    expect(Cursor.plan(due, policy)).toEqual({
      pass: { from: undefined, total: undefined, full: true, startedAt: syncStart },
      offset: 0,
      reason: "reconcile",
      sweepSince: undefined
    })
    const startDate = at("2025-01-01T00:00:00Z")
    expect(Cursor.plan(due, { ...policy, startDate }).pass.from).toBe(startDate - 1)
    expect(Cursor.plan({ ...read, reconciledAt: syncStart - 168 * HOUR + 1 }, policy).reason).toBe("incremental")
  })

  it("reconcile_interval_hours 0 reads in full every sync; no interval never reconciles", () => {
    expect(Cursor.plan({ ...read, reconciledAt: syncStart }, { ...policy, reconcileMs: 0 }).reason).toBe("reconcile")
    expect(Cursor.plan({ ...read, reconciledAt: 0 }, { ...policy, reconcileMs: undefined }).reason).toBe("incremental")
  })

  it("an adopted entry (a cursor, no reconciled_at) starts its clock now; an entry without a cursor is read in full", () => {
    expect(Cursor.plan({ cursor }, { ...policy, reconcileMs: HOUR }).reason).toBe("incremental")
    expect(Cursor.plan({ cursor: undefined, reconciledAt: syncStart - HOUR, activityAt: syncStart - HOUR }, policy))
      .toMatchObject({
        reason: "reconcile",
        pass: { from: undefined, full: true },
        sweepSince: undefined
      })
  })
})

describe("resumeHolds and inProgress", () => {
  const pass: Pass = { from: undefined, total: 25, full: true, startedAt: 1_000 }

  it("a resume holds only while the partition's total is the one recorded", () => {
    expect(Cursor.resumeHolds(pass, 25)).toBe(true)
    expect(Cursor.resumeHolds(pass, 24)).toBe(false)
    expect(Cursor.resumeHolds(pass, 26)).toBe(false)
    expect(Cursor.resumeHolds(pass, undefined)).toBe(false)
    expect(Cursor.resumeHolds({ ...pass, total: undefined }, 25)).toBe(false)
  })

  it("an entry under way keeps what it had and records the offset and the pass", () => {
    const entry: Entry = { cursor: 500, reconciledAt: 100, activityAt: 200, fullRows: 9 }
    expect(Cursor.inProgress(entry, pass, 18)).toEqual({ ...entry, offset: 18, pass })
    expect(Cursor.inProgress(undefined, pass, 10)).toEqual({ cursor: undefined, offset: 10, pass })
  })
})

describe("passCompleted", () => {
  const start = at("2025-06-01T00:00:00Z")
  const fullPass: Pass = { from: undefined, total: 25, full: true, startedAt: start }
  const incremental: Pass = { from: at("2025-05-01T00:00:00Z"), total: 4, full: false, startedAt: start }
  const newest = at("2025-05-31T00:00:00Z")

  it("a first full read sets the cursor to the newest value delivered and starts every clock", () => {
    expect(Cursor.passCompleted(undefined, fullPass, { newest, mayHaveMissed: false, rows: 25 })).toEqual({
      cursor: newest,
      reconciledAt: start,
      activityAt: start,
      fullRows: 25
    })
  })

  it("a first full read of nothing leaves no cursor", () => {
    expect(Cursor.passCompleted(undefined, fullPass, { newest: undefined, mayHaveMissed: false, rows: 0 })).toEqual({
      cursor: undefined,
      reconciledAt: start,
      activityAt: start,
      fullRows: 0
    })
  })

  it("drops the offset and pass of the entry it completes", () => {
    const underWay = Cursor.inProgress(undefined, fullPass, 18)
    const done = Cursor.passCompleted(underWay, fullPass, { newest, mayHaveMissed: false, rows: 25 })
    expect(done).not.toHaveProperty("offset")
    expect(done).not.toHaveProperty("pass")
  })

  it("never moves the cursor past the sync's start", () => {
    const future = at("2099-01-01T00:00:00Z")
    expect(Cursor.passCompleted(undefined, fullPass, { newest: future, mayHaveMissed: false, rows: 3 }).cursor).toBe(
      start
    )
    expect(
      Cursor.passCompleted({ cursor: newest }, incremental, { newest: future, mayHaveMissed: false, rows: 3 }).cursor
    ).toBe(start)
  })

  it("never moves the cursor backwards (a far-future cursor is kept)", () => {
    const far = at("2100-01-01T00:00:00Z")
    expect(Cursor.passCompleted({ cursor: far }, fullPass, { newest, mayHaveMissed: false, rows: 25 })).toEqual({
      cursor: far,
      reconciledAt: start,
      activityAt: start,
      fullRows: 25
    })
    expect(Cursor.passCompleted({ cursor: far }, incremental, { newest: undefined, mayHaveMissed: false, rows: 0 }))
      .toEqual({
        cursor: far,
        reconciledAt: start,
        activityAt: start
      })
  })

  it("does not move the cursor, nor count as a full read, when the pass may have missed rows", () => {
    const before: Entry = {
      cursor: at("2025-05-20T00:00:00Z"),
      reconciledAt: start - 200 * HOUR,
      activityAt: start - HOUR,
      fullRows: 20
    }
    expect(Cursor.passCompleted(before, fullPass, { newest, mayHaveMissed: true, rows: 25 })).toEqual(before)
    expect(Cursor.passCompleted(before, incremental, { newest, mayHaveMissed: true, rows: 4 })).toEqual(before)
    // a first read that moved: no cursor, so the next sync reads in full again
    expect(Cursor.passCompleted(undefined, fullPass, { newest, mayHaveMissed: true, rows: 25 })).toEqual({
      cursor: undefined,
      reconciledAt: start,
      activityAt: start
    })
  })

  it("an incremental pass moves only the cursor", () => {
    const before: Entry = {
      cursor: at("2025-05-20T00:00:00Z"),
      reconciledAt: start - 24 * HOUR,
      activityAt: start - HOUR,
      fullRows: 20,
      sweepOff: true
    }
    expect(Cursor.passCompleted(before, incremental, { newest, mayHaveMissed: false, rows: 4 })).toEqual({
      ...before,
      cursor: newest
    })
  })

  it("a full pass (reconciliation) records its start and rows and turns sweeps back on", () => {
    const before: Entry = {
      cursor: at("2025-05-20T00:00:00Z"),
      reconciledAt: start - 200 * HOUR,
      activityAt: start - HOUR,
      fullRows: 20,
      sweepOff: true
    }
    expect(Cursor.passCompleted(before, fullPass, { newest, mayHaveMissed: false, rows: 25 })).toEqual({
      cursor: newest,
      reconciledAt: start,
      activityAt: start,
      fullRows: 25
    })
  })

  it("a pass resumed from an earlier sync records that sync's start", () => {
    const earlier = { ...fullPass, startedAt: start - 2 * HOUR }
    expect(Cursor.passCompleted(undefined, earlier, { newest: start - HOUR, mayHaveMissed: false, rows: 25 })).toEqual({
      cursor: start - 2 * HOUR,
      reconciledAt: start - 2 * HOUR,
      activityAt: start - 2 * HOUR,
      fullRows: 25
    })
  })
})

describe("sweepCompleted", () => {
  const entry: Entry = { cursor: 5_000, reconciledAt: 1_000, activityAt: 2_000, fullRows: 300 }

  it("moves activity_at to the sync's start", () => {
    expect(Cursor.sweepCompleted(entry, 9_000, { mayHaveMissed: false, turnOff: false })).toEqual({
      ...entry,
      activityAt: 9_000
    })
  })

  it("keeps activity_at when the sweep may have missed rows", () => {
    expect(Cursor.sweepCompleted(entry, 9_000, { mayHaveMissed: true, turnOff: false })).toEqual(entry)
  })

  it("turns sweeps off (the API ignored the filter) without moving activity_at", () => {
    expect(Cursor.sweepCompleted(entry, 9_000, { mayHaveMissed: false, turnOff: true })).toEqual({
      ...entry,
      sweepOff: true
    })
  })
})

describe("withEntry", () => {
  it("starts a state, with the top-level cursor the entry's", () => {
    const state = Cursor.withEntry(undefined, ["1", "2"], "1", { cursor: 100 })
    expect(state.cursor).toBe(100)
    expect([...state.partitions!]).toEqual([["1", { cursor: 100 }]])
  })

  it("spreads a hand-written cursor over every partition before replacing one", () => {
    const state = Cursor.withEntry({ cursor: 500, partitions: undefined }, ["1", "2", "3"], "2", {
      cursor: 700,
      reconciledAt: 10
    })
    expect(Object.fromEntries(state.partitions!)).toEqual({
      "1": { cursor: 500 },
      "2": { cursor: 700, reconciledAt: 10 },
      "3": { cursor: 500 }
    })
    expect(state.cursor).toBe(700)
  })

  it("keeps the top-level cursor the newest campaign cursor; an entry without one lowers nothing", () => {
    let state = Cursor.withEntry(undefined, ["1", "2"], "1", { cursor: 300 })
    state = Cursor.withEntry(state, ["1", "2"], "2", { cursor: 200 })
    expect(state.cursor).toBe(300)
    state = Cursor.withEntry(state, ["1", "2"], "2", {
      cursor: undefined,
      offset: 5,
      pass: { from: undefined, total: 9, full: true, startedAt: 1 }
    })
    expect(state.cursor).toBe(300)
    state = Cursor.withEntry(state, ["1", "2"], "2", { cursor: 900 })
    expect(state.cursor).toBe(900)
    expect(Cursor.encode(KEYS, state)).toEqual({
      created_at: Instant.format(900),
      campaigns: { "1": { created_at: Instant.format(300) }, "2": { created_at: Instant.format(900) } }
    })
  })

  it("does not change the state it was given", () => {
    const before = Cursor.withEntry(undefined, ["1"], "1", { cursor: 300 })
    Cursor.withEntry(before, ["1", "2"], "2", { cursor: 900 })
    expect([...before.partitions!.keys()]).toEqual(["1"])
    expect(before.cursor).toBe(300)
  })
})
