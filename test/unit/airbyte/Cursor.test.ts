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
  const compact = {
    created_at: "2025-03-01T10:00:00.000Z",
    campaigns: {
      "11": "2025-03-01T10:00:00.000Z",
      "12": {
        created_at: "2025-02-01T00:00:00.000Z",
        offset: 40,
        pass: {
          from: "2025-01-31T23:59:59.999Z",
          full: false,
          started_at: "2025-03-03T00:00:00.000Z",
          last_keys: [7, 8]
        }
      },
      "13": { offset: 10, pass: { from: null, full: true, started_at: "2025-03-03T00:00:00.000Z", last_keys: ["a"] } },
      "14": null
    },
    reconciled_at: { "2025-03-02T00:00:00.000Z": [11, 12, 14] },
    activity_at: { "2025-03-02T00:00:00.000Z": [12], "2025-03-03T00:00:00.000Z": [11, 14] },
    sweep_filter: { honoured: true, checked_at: "2025-03-03T00:00:00.000Z" }
  }

  it("{} is no state", () => {
    expect(decoded({})).toBeUndefined()
  })

  it("round-trips the compact layout: a finished partition is its cursor, shared clocks are grouped by instant", () => {
    const state = decoded(compact)!
    expect(state.cursor).toBe(at("2025-03-01T10:00:00Z"))
    expect(state.partitions!.get("11")).toEqual({
      cursor: at("2025-03-01T10:00:00Z"),
      reconciledAt: at("2025-03-02T00:00:00Z"),
      activityAt: at("2025-03-03T00:00:00Z")
    })
    expect(state.partitions!.get("12")).toEqual({
      cursor: at("2025-02-01T00:00:00Z"),
      offset: 40,
      pass: {
        from: at("2025-01-31T23:59:59.999Z"),
        full: false,
        startedAt: at("2025-03-03T00:00:00Z"),
        lastKeys: [7, 8]
      },
      reconciledAt: at("2025-03-02T00:00:00Z"),
      activityAt: at("2025-03-02T00:00:00Z")
    })
    expect(state.partitions!.get("13")).toEqual({
      cursor: undefined,
      offset: 10,
      pass: { from: undefined, full: true, startedAt: at("2025-03-03T00:00:00Z"), lastKeys: ["a"] }
    })
    expect(state.partitions!.get("14")).toEqual({
      cursor: undefined,
      reconciledAt: at("2025-03-02T00:00:00Z"),
      activityAt: at("2025-03-03T00:00:00Z")
    })
    expect(state.sweepFilter).toEqual({ honoured: true, checkedAt: at("2025-03-03T00:00:00Z") })
    expect(Cursor.encode(KEYS, state)).toEqual(compact)
  })

  it("reads the per-entry layout of version 0.1.0 (its totals, full_rows and sweep_off are no longer needed)", () => {
    const state = decoded({
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
          pass: { from: "2025-01-31T23:59:59.999Z", total: 90, full: false, started_at: "2025-03-03T00:00:00.000Z" }
        }
      }
    })!
    expect(state.partitions!.get("11")).toEqual({
      cursor: at("2025-03-01T10:00:00Z"),
      reconciledAt: at("2025-03-02T00:00:00Z"),
      activityAt: at("2025-03-03T00:00:00Z")
    })
    expect(state.partitions!.get("12")).toEqual({
      cursor: at("2025-02-01T00:00:00Z"),
      offset: 40,
      pass: { from: at("2025-01-31T23:59:59.999Z"), full: false, startedAt: at("2025-03-03T00:00:00Z") }
    })
    // …and writes it back compact
    expect(Cursor.encode(KEYS, state)).toEqual({
      created_at: "2025-03-01T10:00:00.000Z",
      campaigns: {
        "11": "2025-03-01T10:00:00.000Z",
        "12": {
          created_at: "2025-02-01T00:00:00.000Z",
          offset: 40,
          pass: { from: "2025-01-31T23:59:59.999Z", full: false, started_at: "2025-03-03T00:00:00.000Z" }
        }
      },
      reconciled_at: { "2025-03-02T00:00:00.000Z": [11] },
      activity_at: { "2025-03-03T00:00:00.000Z": [11] }
    })
  })

  it("a finished partition costs its id, its cursor and its place in two groups: under 60 bytes", () => {
    const partitions = new Map<string, Entry>()
    for (let id = 2_700_000; id < 2_703_000; id++) {
      partitions.set(String(id), { cursor: at("2025-11-25T12:54:54Z") + id, reconciledAt: 1e12, activityAt: 2e12 })
    }
    const bytes = JSON.stringify(Cursor.encode(KEYS, { cursor: undefined, partitions })).length
    expect(bytes / 3_000).toBeLessThan(60)
  })

  it("normalises every instant to ISO 8601 UTC with milliseconds", () => {
    const state = decoded({
      created_at: "2025-01-01 12:00:00",
      campaigns: {
        "7": {
          created_at: "2025-01-01T14:00:00+02:00",
          offset: 3,
          pass: {
            from: "2024-12-31 23:59:59.999",
            full: false,
            started_at: "2025-01-02T01:00:00+01:00",
            last_keys: [1]
          }
        }
      },
      reconciled_at: { "2025-01-02": [7] }
    })!
    expect(Cursor.encode(KEYS, state)).toEqual({
      created_at: "2025-01-01T12:00:00.000Z",
      campaigns: {
        "7": {
          created_at: "2025-01-01T12:00:00.000Z",
          offset: 3,
          pass: {
            from: "2024-12-31T23:59:59.999Z",
            full: false,
            started_at: "2025-01-02T00:00:00.000Z",
            last_keys: [1]
          }
        }
      },
      reconciled_at: { "2025-01-02T00:00:00.000Z": [7] }
    })
  })

  it("a bare top-level cursor is a hand-written state for every partition", () => {
    const state = decoded({ created_at: "2025-01-01T00:00:00Z" })!
    expect(state).toEqual({ cursor: at("2025-01-01T00:00:00Z"), partitions: undefined, sweepFilter: undefined })
    expect(Cursor.encode(KEYS, state)).toEqual({ created_at: "2025-01-01T00:00:00.000Z" })
    expect(Cursor.entryOf(state, "42")).toEqual({ cursor: at("2025-01-01T00:00:00Z") })
  })

  it("a map without a top-level cursor, and entries without one, are valid (no pass completed yet)", () => {
    const state = decoded({ campaigns: { "5": {} } })!
    expect(state.cursor).toBeUndefined()
    expect(Cursor.entryOf(state, "5")).toEqual({ cursor: undefined })
    expect(Cursor.entryOf(state, "6")).toBeUndefined()
    expect(Cursor.entryOf(undefined, "5")).toBeUndefined()
    expect(Cursor.encode(KEYS, state)).toEqual({ campaigns: { "5": null } })
  })

  it("drops an offset that does not say what it was counted against: the pass restarts", () => {
    const state = decoded({
      created_at: "2025-01-01T00:00:00Z",
      campaigns: { "5": { created_at: "2025-01-01T00:00:00Z", offset: 30 } }
    })!
    expect(state.partitions!.get("5")).toEqual({ cursor: at("2025-01-01T00:00:00Z") })
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
    expect(decodeError({ campaigns: { "5": "01/02/2025" } })).toMatch(/campaigns\.5 must be an ISO 8601 date-time/)
    expect(decodeError({ campaigns: { "5": 12 } })).toMatch(/campaigns\.5 must be a date-time, an object or null/)
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
    const pass = { from: null, full: true, started_at: "2025-01-01T00:00:00Z" }
    expect(decodeError({ campaigns: { "5": { offset: 1, pass: { ...pass, last_keys: [{}] } } } })).toMatch(
      /campaigns\.5\.pass\.last_keys must be an array of strings or numbers/
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
    expect(decodeError({ campaigns: {}, reconciled_at: { "last week": [5] } })).toMatch(
      /reconciled_at key must be an ISO 8601 date-time/
    )
    expect(decodeError({ campaigns: {}, activity_at: { "2025-01-01T00:00:00Z": 5 } })).toMatch(
      /activity_at\.2025-01-01T00:00:00Z must be an array of ids/
    )
    expect(decodeError({ campaigns: {}, activity_at: { "2025-01-01T00:00:00Z": ["x"] } })).toMatch(
      /activity_at\.2025-01-01T00:00:00Z holds "x", not an id/
    )
  })
})

describe("working", () => {
  it("spreads a hand-written cursor over the sync's partitions", () => {
    const state = Cursor.working({ cursor: 500, partitions: undefined }, ["1", "2"])
    expect(Object.fromEntries(state.partitions!)).toEqual({ "1": { cursor: 500 }, "2": { cursor: 500 } })
    expect(Cursor.encode(KEYS, state)).toEqual({
      created_at: Instant.format(500),
      campaigns: { "1": Instant.format(500), "2": Instant.format(500) }
    })
  })

  it("keeps the entries of partitions not read this sync, and never changes the input", () => {
    const input: State = { cursor: undefined, partitions: new Map([["9", { cursor: 900 }]]) }
    const state = Cursor.working(input, ["1"])
    state.partitions!.set("1", { cursor: 100 })
    expect([...input.partitions!.keys()]).toEqual(["9"])
    expect(Cursor.encode(KEYS, state)).toEqual({
      created_at: Instant.format(900),
      campaigns: { "9": Instant.format(900), "1": Instant.format(100) }
    })
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
    sweepMarginMs: 600_000 + HOUR
  }
  const cursor = at("2025-05-31T12:00:00Z")
  const read: Entry = { cursor, reconciledAt: syncStart - 24 * HOUR, activityAt: syncStart - HOUR }

  it("a first read is a full read from the start date, inclusive", () => {
    expect(Cursor.plan(undefined, policy)).toEqual({
      pass: { from: undefined, full: true, startedAt: syncStart },
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
      pass: { from: cursor - 600_000 - 1, full: false, startedAt: syncStart },
      offset: 0,
      reason: "incremental",
      sweepSince: syncStart - HOUR - 600_000 - HOUR
    })
    expect(Cursor.fromCursor(cursor, 0)).toBe(cursor - 1)
    expect(Cursor.fromCursor(undefined, 600_000)).toBeUndefined()
    // a cursor within the lookback of the epoch asks for everything
    expect(Cursor.fromCursor(500, 600_000)).toBeUndefined()
  })

  it("an entry without activity_at sweeps from its reconciliation clock, else from its cursor; none when sweeps are off", () => {
    expect(Cursor.plan(read, { ...policy, sweep: false }).sweepSince).toBeUndefined()
    const { activityAt: _activityAt, ...noActivity } = read
    expect(Cursor.plan(noActivity, policy).sweepSince).toBe(read.reconciledAt! - policy.sweepMarginMs)
    expect(Cursor.plan({ cursor }, { ...policy, reconcileMs: undefined }).sweepSince).toBe(
      cursor - policy.sweepMarginMs
    )
  })

  it("resumes a pass under way at its offset with exactly the query it was counted against, and sweeps after an incremental one", () => {
    const pass: Pass = { from: cursor - 1, full: false, startedAt: syncStart - 2 * HOUR, lastKeys: [3, 4] }
    // even with another lookback, start date or an overdue reconciliation
    const other: Policy = { ...policy, lookbackMs: 0, startDate: at("2025-05-01T00:00:00Z"), reconcileMs: 0 }
    expect(Cursor.plan({ ...read, offset: 40, pass }, other)).toEqual({
      pass,
      offset: 40,
      reason: "resume",
      sweepSince: read.activityAt! - other.sweepMarginMs
    })
    // a resumed full pass sweeps for activity since it started, on the rows it delivered before
    expect(Cursor.plan({ ...read, offset: 40, pass: { ...pass, full: true } }, other).sweepSince).toBe(
      pass.startedAt - other.sweepMarginMs
    )
  })

  it("a pass under way without recorded keys restarts from offset 0 with the same query", () => {
    const pass: Pass = { from: cursor - 1, full: false, startedAt: syncStart - 2 * HOUR }
    expect(Cursor.plan({ ...read, offset: 40, pass }, policy)).toMatchObject({ pass, offset: 0, reason: "restart" })
  })

  it("reconciles with a full read when the last one is as old as the interval (from the start date, if any)", () => {
    const due = { ...read, reconciledAt: syncStart - 168 * HOUR }
    expect(Cursor.plan(due, policy)).toEqual({
      pass: { from: undefined, full: true, startedAt: syncStart },
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

describe("inProgress", () => {
  const pass: Pass = { from: undefined, full: true, startedAt: 1_000 }

  it("an entry under way keeps what it had and records the offset, the pass and the keys to check on resume", () => {
    const entry: Entry = { cursor: 500, reconciledAt: 100, activityAt: 200 }
    expect(Cursor.inProgress(entry, pass, 18, [16, 17])).toEqual({
      ...entry,
      offset: 18,
      pass: { ...pass, lastKeys: [16, 17] }
    })
    expect(Cursor.inProgress(undefined, pass, 10, ["a"])).toEqual({
      cursor: undefined,
      offset: 10,
      pass: { ...pass, lastKeys: ["a"] }
    })
  })
})

describe("passCompleted", () => {
  const start = at("2025-06-01T00:00:00Z")
  const fullPass: Pass = { from: undefined, full: true, startedAt: start }
  const incremental: Pass = { from: at("2025-05-01T00:00:00Z"), full: false, startedAt: start }
  const newest = at("2025-05-31T00:00:00Z")

  it("a first full read sets the cursor to the newest value delivered and starts every clock", () => {
    expect(Cursor.passCompleted(undefined, fullPass, { newest, mayHaveMissed: false })).toEqual({
      cursor: newest,
      reconciledAt: start,
      activityAt: start
    })
  })

  it("a first full read of nothing leaves no cursor", () => {
    expect(Cursor.passCompleted(undefined, fullPass, { newest: undefined, mayHaveMissed: false })).toEqual({
      cursor: undefined,
      reconciledAt: start,
      activityAt: start
    })
  })

  it("drops the offset and pass of the entry it completes", () => {
    const underWay = Cursor.inProgress(undefined, fullPass, 18, [1])
    const done = Cursor.passCompleted(underWay, fullPass, { newest, mayHaveMissed: false })
    expect(done).not.toHaveProperty("offset")
    expect(done).not.toHaveProperty("pass")
  })

  it("never moves the cursor past the sync's start", () => {
    const future = at("2099-01-01T00:00:00Z")
    expect(Cursor.passCompleted(undefined, fullPass, { newest: future, mayHaveMissed: false }).cursor).toBe(start)
    expect(Cursor.passCompleted({ cursor: newest }, incremental, { newest: future, mayHaveMissed: false }).cursor).toBe(
      start
    )
  })

  it("never moves the cursor backwards (a far-future cursor is kept)", () => {
    const far = at("2100-01-01T00:00:00Z")
    expect(Cursor.passCompleted({ cursor: far }, fullPass, { newest, mayHaveMissed: false })).toEqual({
      cursor: far,
      reconciledAt: start,
      activityAt: start
    })
    expect(Cursor.passCompleted({ cursor: far }, incremental, { newest: undefined, mayHaveMissed: false })).toEqual({
      cursor: far,
      reconciledAt: start,
      activityAt: start
    })
  })

  it("does not move the cursor, nor count as a full read, when the pass may have missed rows", () => {
    const before: Entry = {
      cursor: at("2025-05-20T00:00:00Z"),
      reconciledAt: start - 200 * HOUR,
      activityAt: start - HOUR
    }
    expect(Cursor.passCompleted(before, fullPass, { newest, mayHaveMissed: true })).toEqual(before)
    expect(Cursor.passCompleted(before, incremental, { newest, mayHaveMissed: true })).toEqual(before)
    // a first read that may have missed rows: no cursor, so the next sync reads in full again
    expect(Cursor.passCompleted(undefined, fullPass, { newest, mayHaveMissed: true })).toEqual({
      cursor: undefined,
      reconciledAt: start,
      activityAt: start
    })
  })

  it("an incremental pass moves only the cursor", () => {
    const before: Entry = {
      cursor: at("2025-05-20T00:00:00Z"),
      reconciledAt: start - 24 * HOUR,
      activityAt: start - HOUR
    }
    expect(Cursor.passCompleted(before, incremental, { newest, mayHaveMissed: false })).toEqual({
      ...before,
      cursor: newest
    })
  })

  it("a full pass (reconciliation) records its start as both clocks", () => {
    const before: Entry = {
      cursor: at("2025-05-20T00:00:00Z"),
      reconciledAt: start - 200 * HOUR,
      activityAt: start - HOUR
    }
    expect(Cursor.passCompleted(before, fullPass, { newest, mayHaveMissed: false })).toEqual({
      cursor: newest,
      reconciledAt: start,
      activityAt: start
    })
  })

  it("a pass resumed from an earlier sync records that sync's start", () => {
    const earlier = { ...fullPass, startedAt: start - 2 * HOUR }
    expect(Cursor.passCompleted(undefined, earlier, { newest: start - HOUR, mayHaveMissed: false })).toEqual({
      cursor: start - 2 * HOUR,
      reconciledAt: start - 2 * HOUR,
      activityAt: start - 2 * HOUR
    })
  })
})

describe("sweepCompleted and sweepFilterDue", () => {
  const entry: Entry = { cursor: 5_000, reconciledAt: 1_000, activityAt: 2_000 }

  it("a sweep moves activity_at to the sync's start, unless it may have missed rows", () => {
    expect(Cursor.sweepCompleted(entry, 9_000, { mayHaveMissed: false })).toEqual({ ...entry, activityAt: 9_000 })
    expect(Cursor.sweepCompleted(entry, 9_000, { mayHaveMissed: true })).toEqual(entry)
  })

  it("the activity filter is asked about when never asked, or asked an interval ago", () => {
    expect(Cursor.sweepFilterDue(undefined, 10_000, 5_000)).toBe(true)
    expect(Cursor.sweepFilterDue({ honoured: true, checkedAt: 5_001 }, 10_000, 5_000)).toBe(false)
    expect(Cursor.sweepFilterDue({ honoured: false, checkedAt: 5_000 }, 10_000, 5_000)).toBe(true)
  })
})
