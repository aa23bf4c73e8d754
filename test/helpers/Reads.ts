/**
 * Shared helpers of the end-to-end read suites: simulators closed after each test, fast configs
 * (high client rate limit, 5 ms initial retry delay), a leads-only catalog, the shape of the leads
 * state, and checks that outputs carry no bare stack traces and that STATE never claims leads that
 * were not emitted.
 */
import { Either } from "effect"
import { afterAll, afterEach, expect } from "vitest"
import * as Cursor from "../../src/airbyte/Cursor.js"
import * as Instant from "../../src/airbyte/Instant.js"
import type { JsonObject } from "../../src/airbyte/Protocol.js"
import type { Simulator, SimulatorOptions } from "../simulator/Simulator.js"
import { startSimulator } from "../simulator/Simulator.js"
import type { Message, RunOptions } from "./Connector.js"
import { assertStateCounts, runConnector, tempFiles } from "./Connector.js"

/** Registers the per-file temp directory and simulator cleanup; call once at a test file's top level. */
export const setup = () => {
  const files = tempFiles()
  const simulators: Array<Simulator> = []
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((sim) => sim.close()))
  })
  afterAll(() => files.cleanup())

  const start = async (options: SimulatorOptions) => {
    const sim = await startSimulator(options)
    simulators.push(sim)
    return sim
  }

  const configFor = (sim: Simulator | { url: string; apiKey: string }, extra: Record<string, unknown> = {}) =>
    files.write({
      api_key: sim.apiKey,
      base_url: sim.url,
      max_requests_per_second: 1000,
      retry_initial_delay_ms: 5,
      // The simulator's campaigns have every status: the promises these tests check ("after the
      // next sync") hold for every campaign with the slow clocks off. Tier tests set them.
      inactive_campaign_interval_hours: 0,
      statistics_lookback_interval_hours: 0,
      ...extra
    })

  const leadsOnly = (syncMode: "incremental" | "full_refresh" = "incremental") =>
    files.write({
      streams: [{
        stream: { name: "leads", json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
        sync_mode: syncMode,
        destination_sync_mode: "append_dedup"
      }]
    })

  /** Reads the leads stream; checks the STATE record counts. */
  const readLeads = async (
    sim: Simulator | { url: string; apiKey: string },
    extra: Record<string, unknown> = {},
    state?: unknown,
    options: RunOptions = {}
  ) => {
    const args = ["read", "--config", configFor(sim, extra), "--catalog", leadsOnly()]
    if (state !== undefined) args.push("--state", files.write(state))
    const result = await runConnector(args, options)
    assertStateCounts(result.messages)
    return result
  }

  return { files, start, configFor, leadsOnly, readLeads }
}

/** Sorted `campaign:id` keys of everything the simulator holds. */
export const expectedKeys = (sim: Simulator): Array<string> =>
  sim.leads().map((lead) => `${lead.campaignId}:${lead.id}`).sort()

/** Asserts a text holds no stack-trace frames (`    at …`). */
export const assertNoStackTrace = (text: string, where: string): void => {
  const frame = text.split("\n").find((line) => /^\s+at\s/.test(line))
  if (frame !== undefined) throw new Error(`stack trace in ${where}: ${frame}`)
}

/** Asserts the outputs of a run carry no bare stack trace: none on stderr, none in a message text. */
export const assertNoBareStackTrace = (result: { stderr: string; messages: ReadonlyArray<Message> }): void => {
  assertNoStackTrace(result.stderr, "stderr")
  for (const m of result.messages) {
    if (m.type === "TRACE" && m["trace"].type === "ERROR") {
      assertNoStackTrace(m["trace"].error.message, "an ERROR trace message")
    }
    if (m.type === "LOG") assertNoStackTrace(m["log"].message, "a LOG message")
    if (m.type === "CONNECTION_STATUS") {
      assertNoStackTrace(m["connectionStatus"].message ?? "", "a CONNECTION_STATUS message")
    }
  }
}

/** An instant as the leads state writes it: ISO 8601 UTC with milliseconds. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** A pass under way, as a leads state entry records it. */
export interface LeadsPass {
  from: string | null
  full: boolean
  started_at: string
  last_keys?: Array<string | number>
  newest?: string
}

/** One campaign's entry in the leads state, with its shared clocks (grouped in the state) filled in. */
export interface LeadsEntry {
  created_at?: string
  offset?: number
  pass?: LeadsPass
  reconciled_at?: string
  activity_at?: string
}

/** The leads stream state, one entry per campaign (see `entries`). */
export interface LeadsState {
  created_at?: string
  campaigns: Record<string, LeadsEntry>
  sweep_filter?: { honoured: boolean; checked_at: string }
}

/**
 * A per-campaign stream's state (as a STATE message carries it, compact) with one entry per
 * campaign holding everything that applies to it: its cursor, a pass under way, and its
 * reconciliation and sweep clocks. Decoded with the connector's own rules, which
 * `test/unit/airbyte/Cursor.test.ts` checks against literal JSON.
 */
export const entries = (json: unknown, cursorField = "created_at"): LeadsState => {
  const decoded = Cursor.decode({ cursor: cursorField, partitions: "campaigns" }, json as JsonObject)
  if (Either.isLeft(decoded)) throw new Error(`not a valid state: ${decoded.left}`)
  const state = decoded.right
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : Instant.format(ms))
  const campaigns: Record<string, LeadsEntry> = {}
  for (const [id, entry] of state?.partitions ?? []) {
    const out: Record<string, unknown> = {}
    if (entry.cursor !== undefined) out[cursorField] = iso(entry.cursor)
    if (entry.offset !== undefined && entry.pass !== undefined) {
      out["offset"] = entry.offset
      out["pass"] = {
        from: entry.pass.from === undefined ? null : iso(entry.pass.from),
        full: entry.pass.full,
        started_at: iso(entry.pass.startedAt),
        ...(entry.pass.lastKeys === undefined ? {} : { last_keys: [...entry.pass.lastKeys] }),
        ...(entry.pass.newest === undefined ? {} : { newest: iso(entry.pass.newest) })
      }
    }
    if (entry.reconciledAt !== undefined) out["reconciled_at"] = iso(entry.reconciledAt)
    if (entry.activityAt !== undefined) out["activity_at"] = iso(entry.activityAt)
    campaigns[id] = out as LeadsEntry
  }
  return {
    ...(state?.cursor === undefined ? {} : { [cursorField]: iso(state.cursor) }),
    campaigns,
    ...(state?.sweepFilter === undefined
      ? {}
      : { sweep_filter: { honoured: state.sweepFilter.honoured, checked_at: iso(state.sweepFilter.checkedAt)! } })
  } as LeadsState
}

/** Runs a read and notes when it started and ended, to bound the sync-start instants its state records. */
export const timed = async <A>(run: () => Promise<A>): Promise<{ result: A; startedAt: number; endedAt: number }> => {
  const startedAt = Date.now()
  const result = await run()
  return { result, startedAt, endedAt: Date.now() }
}

/** Asserts a value is an ISO 8601 UTC instant with milliseconds within [from, to] (epoch ms); returns it. */
export const expectInstantWithin = (value: unknown, from: number, to: number, what: string): string => {
  expect(value, what).toMatch(ISO_MS)
  const ms = Date.parse(value as string)
  expect(ms, `${what} ${String(value)} is before the run`).toBeGreaterThanOrEqual(from)
  expect(ms, `${what} ${String(value)} is after the run`).toBeLessThanOrEqual(to)
  return value as string
}

/**
 * Asserts what the STATE messages of a first sync (no input state, no start_date, data that does
 * not move during the read) claim:
 * - an entry with `offset` has no cursor yet, records the pass it counts against (a full read with
 *   no lower bound, a start within the run, the keys a resume checks, the newest `created_at`
 *   emitted) and needs ≥ `offset` records of its campaign so far;
 * - an entry without `offset` completed its pass: every lead of the campaign up to its cursor was
 *   emitted, the cursor is the newest `created_at` emitted for it (absent when none was), and
 *   `reconciled_at` = `activity_at` = the pass's start;
 * - the top-level `created_at` is the newest campaign cursor.
 */
export const assertStatesClaimOnlyEmitted = (messages: ReadonlyArray<Message>, sim: Simulator): void => {
  const emitted = new Map<number, Map<number, string | null>>()
  let syncStart: string | undefined
  for (const m of messages) {
    if (m.type === "RECORD" && m["record"].stream === "leads") {
      const data = m["record"].data
      const records = emitted.get(data.campaign_id) ?? new Map<number, string | null>()
      records.set(data.id, data.created_at ?? null)
      emitted.set(data.campaign_id, records)
    }
    if (m.type === "STATE" && m["state"].stream.stream_descriptor.name === "leads") {
      const state = entries(m["state"].stream.stream_state)
      const campaigns = state.campaigns
      let newest: string | undefined
      for (const [id, entry] of Object.entries(campaigns)) {
        const records = emitted.get(Number(id)) ?? new Map<number, string | null>()
        const started = entry.offset !== undefined ? entry.pass?.started_at : entry.reconciled_at
        syncStart ??= started
        expect(started, `campaign ${id}: the pass's start`).toBe(syncStart)
        expect(syncStart).toMatch(ISO_MS)
        if (entry.offset !== undefined) {
          const dated = [...records.values()].filter((at): at is string => at !== null).sort()
          expect(entry, `campaign ${id}: an entry under way`).toEqual({
            offset: entry.offset,
            pass: {
              from: null,
              full: true,
              started_at: syncStart,
              last_keys: entry.pass?.last_keys,
              ...(dated.length > 0 ? { newest: dated.at(-1) } : {})
            }
          })
          expect(entry.pass?.last_keys?.length, `campaign ${id}: keys to check on resume`).toBeGreaterThan(0)
          expect(records.size, `campaign ${id}: STATE offset ${entry.offset}, records emitted`).toBeGreaterThanOrEqual(
            entry.offset
          )
        } else {
          const dated = [...records.values()].filter((at): at is string => at !== null).sort()
          expect(entry, `campaign ${id}: a completed first read`).toEqual({
            ...(dated.length > 0 ? { created_at: dated.at(-1) } : {}),
            reconciled_at: syncStart,
            activity_at: syncStart
          })
          if (entry.created_at !== undefined) {
            const claimed = sim.leads(Number(id)).filter((lead) =>
              Date.parse(lead.createdAt) <= Date.parse(entry.created_at!)
            )
            const missing = claimed.filter((lead) => !records.has(lead.id))
            expect(
              missing.map((lead) => lead.id),
              `campaign ${id}: completed at ${entry.created_at} but leads not emitted`
            ).toEqual([])
            if (newest === undefined || entry.created_at > newest) newest = entry.created_at
          }
        }
      }
      expect(state.created_at, "the top-level cursor is the newest campaign cursor").toBe(newest)
    }
  }
}

/** Records of the leads stream emitted per campaign. */
export const countByCampaign = (records: ReadonlyArray<Record<string, unknown>>): Map<number, number> => {
  const counts = new Map<number, number>()
  for (const r of records) counts.set(r["campaign_id"] as number, (counts.get(r["campaign_id"] as number) ?? 0) + 1)
  return counts
}

/**
 * The streams the connector declares, in catalog order, written out here rather than read from
 * src/ so that a stream lost or reordered there fails the tests that compare against it.
 */
export const STREAM_NAMES = [
  "leads",
  "campaigns",
  "lead_categories",
  "campaign_statistics",
  "campaign_analytics",
  "campaign_sequences",
  "email_accounts"
] as const

/** The most requests whose arrival at the simulator falls in any window [t, t + 1000 ms) starting at a request. */
export const maxPerSecond = (sim: Simulator): number => {
  const times = sim.requests.map((r) => r.time).sort((a, b) => a - b)
  let max = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + 1000) j++
    max = Math.max(max, j - i)
  }
  return max
}
