/**
 * Transient and permanent API faults during multi-campaign lead reads. Transient faults (5xx,
 * HTML error pages, resets, hung requests, cut-short or empty 200 bodies, 429 storms) must be
 * retried until the record set equals the simulator's leads exactly. Permanent faults must end
 * the read with what completed, an ERROR trace of the right failure_type, an INCOMPLETE stream
 * and a non-zero exit, and a resumed run must deliver every lead still missing.
 */
import { describe, expect, it } from "vitest"
import type { RunResult } from "../helpers/Connector.js"
import { errorsOf, lastState, leadKeys, ofType, recordsOf, stateInput, statusesOf } from "../helpers/Connector.js"
import {
  assertNoBareStackTrace,
  assertStatesClaimOnlyEmitted,
  countByCampaign,
  entries,
  expectedKeys,
  expectInstantWithin,
  setup
} from "../helpers/Reads.js"
import type { FaultKind, Order, Simulator } from "../simulator/Simulator.js"

const { readLeads, start } = setup()

const leadRequests = (sim: Simulator, campaignId: number, offset?: number) =>
  sim.requests.filter((r) =>
    r.campaignId === campaignId && r.path.endsWith("/leads") &&
    (offset === undefined || Number(r.query["offset"] ?? 0) === offset)
  )

const expectExactlyOnce = (result: RunResult, sim: Simulator) => {
  const keys = leadKeys(recordsOf(result.messages, "leads"))
  expect(new Set(keys).size, "duplicate records").toBe(keys.length)
  expect([...keys].sort()).toEqual(expectedKeys(sim))
}

/** The offset of a read's page n (0-based) with page size 10: each page after the first re-reads the last 2 rows of the one before. */
const pageAt = (n: number) => n * 8

describe("transient faults are retried without loss or duplicates", () => {
  it("injected faults on specific pages: 5xx, HTML 502, reset, hang, truncated, {}, empty body, 429 storms", async () => {
    const sim = await start({ campaigns: 4, leadsPerCampaign: [30, 45, 60, 35], shape: "real" })
    const [c0, c1, c2, c3] = sim.campaignIds as [number, number, number, number]
    const faults: Array<{ campaignId?: number; offset?: number; path?: string; times?: number; kind: FaultKind }> = [
      { path: "/campaigns", kind: { type: "status", status: 503 } },
      { campaignId: c0, offset: pageAt(0), kind: { type: "status", status: 500 } },
      { campaignId: c0, offset: pageAt(1), kind: { type: "html", status: 502 } },
      { campaignId: c0, offset: pageAt(2), kind: { type: "html", status: 504 } },
      { campaignId: c1, offset: pageAt(2), times: 2, kind: { type: "status", status: 503 } },
      { campaignId: c1, offset: pageAt(3), kind: { type: "reset" } },
      { campaignId: c1, offset: pageAt(5), kind: { type: "html", status: 503 } },
      { campaignId: c2, offset: pageAt(0), kind: { type: "hang" } },
      { campaignId: c2, offset: pageAt(1), kind: { type: "truncated" } },
      { campaignId: c2, offset: pageAt(2), kind: { type: "emptyObject" } },
      { campaignId: c2, offset: pageAt(3), kind: { type: "emptyBody" } },
      { campaignId: c2, offset: pageAt(7), times: 2, kind: { type: "reset" } },
      { campaignId: c3, offset: pageAt(0), times: 2, kind: { type: "rateLimited", retryAfterSeconds: 1 } },
      {
        campaignId: c3,
        offset: pageAt(1),
        times: 3,
        kind: { type: "rateLimited", header: false, bodyRetryAfter: false }
      },
      { campaignId: c3, offset: pageAt(2), kind: { type: "truncated" } }
    ]
    for (const { kind, times, ...match } of faults) {
      sim.injectFault({ match, kind, ...(times === undefined ? {} : { times }) })
    }

    const result = await readLeads(sim, { page_size: 10, request_timeout_seconds: 1, max_retries: 5 })
    expect(result.code).toBe(0)
    expect(errorsOf(result.messages)).toEqual([])
    expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    expectExactlyOnce(result, sim)
    assertStatesClaimOnlyEmitted(result.messages, sim)
    assertNoBareStackTrace(result)

    // every injected fault was served, and each faulty page was asked again until it succeeded
    const injected = faults.reduce((n, f) => n + (f.times ?? 1), 0)
    expect(sim.requests.filter((r) => r.fault !== undefined)).toHaveLength(injected)
    for (const f of faults) {
      if (f.campaignId === undefined) continue
      const asked = leadRequests(sim, f.campaignId, f.offset)
      expect(asked.length, `requests of ${f.campaignId}@${f.offset}`).toBe((f.times ?? 1) + 1)
      expect(asked.at(-1)!.status).toBe(200)
    }
    // the retries were announced as warnings
    const warnings = ofType(result.messages, "LOG").filter((m) =>
      m["log"].level === "WARN" && /Retrying/.test(m["log"].message)
    )
    expect(warnings.length).toBeGreaterThanOrEqual(injected)
    // the hung request was abandoned after ~1 s and asked again
    const hung = leadRequests(sim, c2, 0)
    expect(hung[1]!.time - hung[0]!.time).toBeGreaterThanOrEqual(900)
    // a 429 with Retry-After: 1 delayed the retry of that page by ≥ 1 s
    const limited = leadRequests(sim, c3, 0)
    expect(limited[1]!.time - limited[0]!.time).toBeGreaterThanOrEqual(1000)
    expect(limited[2]!.time - limited[1]!.time).toBeGreaterThanOrEqual(1000)
  })

  it("random seeded faults on a third of the lead requests (mixed shapes, shuffled order)", async () => {
    const kinds: Array<FaultKind> = [
      { type: "status", status: 500 },
      { type: "status", status: 503 },
      { type: "html", status: 502 },
      { type: "reset" },
      { type: "truncated" },
      { type: "emptyObject" },
      { type: "emptyBody" },
      { type: "rateLimited", header: false, bodyRetryAfter: false }
    ]
    const sim = await start({
      campaigns: 4,
      leadsPerCampaign: [40, 25, 55, 33],
      shape: "mixed",
      order: "shuffled",
      faultRate: { probability: 0.35, kinds, seed: 20250 }
    })
    const result = await readLeads(sim, { page_size: 10, max_retries: 12, request_timeout_seconds: 5 })
    expect(result.code).toBe(0)
    expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    expectExactlyOnce(result, sim)
    assertStatesClaimOnlyEmitted(result.messages, sim)
    assertNoBareStackTrace(result)
    const faulted = sim.requests.filter((r) => r.fault !== undefined)
    expect(faulted.length).toBeGreaterThanOrEqual(4)
    expect(new Set(faulted.map((r) => r.fault)).size).toBeGreaterThanOrEqual(3)
  })
})

/** A permanent fault on one campaign's third page (offset 16): what completed is emitted, the resume delivers the rest. */
const permanentFault = async (options: {
  order: Order
  kind: FaultKind
  expectedFailure: "transient_error" | "config_error" | "system_error"
  message: RegExp
  /** attempts of the failing page expected (1 + retries, or 1 when not retryable) */
  attempts: number
  /** whether the other campaigns are expected to be read in full */
  othersComplete: boolean
}) => {
  const sim = await start({ campaigns: 4, leadsPerCampaign: [30, 40, 25, 35], order: options.order, shape: "real" })
  const failing = sim.campaignIds[1]!
  const failingAt = pageAt(2)
  sim.injectFault({ match: { campaignId: failing, offset: failingAt }, times: Infinity, kind: options.kind })

  const first = await readLeads(sim, { page_size: 10, max_retries: 2 })
  expect(first.code).not.toBe(0)
  expect(first.code).toBe(1)
  expect(statusesOf(first.messages, "leads")).toEqual(["STARTED", "RUNNING", "INCOMPLETE"])
  const errors = errorsOf(first.messages)
  expect(errors).toHaveLength(1)
  expect(errors[0]!.stream_descriptor).toEqual({ name: "leads" })
  expect(errors[0]!.message).toMatch(options.message)
  expect.soft(errors[0]!.failure_type, errors[0]!.message).toBe(options.expectedFailure)
  expect(leadRequests(sim, failing, failingAt)).toHaveLength(options.attempts)
  assertStatesClaimOnlyEmitted(first.messages, sim)
  assertNoBareStackTrace(first)

  // what completed: the failing campaign's first two pages (rows 0–9 and 8–17 of the served order: 18 leads)
  const firstRecords = recordsOf(first.messages, "leads")
  const firstKeys = leadKeys(firstRecords)
  expect(new Set(firstKeys).size).toBe(firstKeys.length)
  const failingKeys = firstRecords.filter((r) => r["campaign_id"] === failing).map((r) => r["id"])
  expect(failingKeys).toHaveLength(18)
  const state = entries(lastState(first.messages, "leads"))
  const entry = state.campaigns[failing]!
  const served = sim.mutations.served(failing).map((lead) => lead.id)
  expect(entry).toEqual({
    offset: 18,
    pass: {
      from: null,
      full: true,
      started_at: entry.pass!.started_at,
      last_keys: served.slice(16, 18),
      newest: sim.mutations.served(failing).slice(0, 18).map((lead) => lead.createdAt).sort().at(-1)
    }
  })
  if (options.othersComplete) {
    const counts = countByCampaign(firstRecords)
    for (const id of sim.campaignIds) {
      if (id === failing) continue
      expect(counts.get(id), `records of campaign ${id}`).toBe(sim.leads(id).length)
      expect(state.campaigns[id]).toEqual({
        created_at: sim.leads(id).at(-1)!.createdAt,
        reconciled_at: entry.pass!.started_at,
        activity_at: entry.pass!.started_at
      })
    }
  }

  // the resume, faults cleared, delivers every missing lead
  sim.clearFaults()
  sim.clearRequests()
  const secondStarted = Date.now()
  const second = await readLeads(sim, { page_size: 10, max_retries: 2 }, stateInput(first.messages))
  const secondEnded = Date.now()
  expect(second.code).toBe(0)
  expect(statusesOf(second.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
  const secondRecords = recordsOf(second.messages, "leads")
  const union = new Set([...firstKeys, ...leadKeys(secondRecords)])
  expect([...union].sort()).toEqual(expectedKeys(sim))
  // the failing campaign resumed at its checkpoint with the query its offset was counted against
  // (a full read: no created_at_gt), asking again for the 2 rows before offset 18 to check them,
  // and nothing of it is delivered twice; then one catch-up page after its new cursor
  const requests = leadRequests(sim, failing).filter((r) => r.query["event_time_gt"] === undefined)
  const resumedRequests = requests.filter((r) => r.query["created_at_gt"] === undefined)
  expect(resumedRequests.map((r) => Number(r.query["offset"]))).toEqual([16, 24, 32])
  const catchUp = requests.filter((r) => r.query["created_at_gt"] !== undefined)
  expect(catchUp.map((r) => r.query["offset"])).toEqual(["0"])
  // (but the catch-up's tie at the new cursor, the campaign's newest lead, when the failed sync
  // had delivered it: newest first)
  const newest = sim.leads(failing).map((lead) => lead.createdAt).sort().at(-1)!
  const tie = sim.leads(failing).filter((lead) => lead.createdAt === newest).map((lead) => lead.id)
  const resumed = secondRecords.filter((r) => r["campaign_id"] === failing).map((r) => r["id"]).filter((id) =>
    !(tie.includes(id as number) && failingKeys.includes(id))
  )
  expect(resumed.filter((id) => failingKeys.includes(id))).toEqual([])
  expect(resumed.length + failingKeys.length).toBe(sim.leads(failing).length)
  // and completed the full read the failed sync started. Its cursor is the newest created_at the
  // pass delivered across both syncs (the campaign's newest lead, in any order); the catch-up page
  // asked for leads after it; every lead up to it was delivered. Its reconciliation clock is the
  // failed sync's start; its sweep clock this sync's (a resumed full pass sweeps for activity on
  // the rows it delivered before the resume).
  const completed = entries(lastState(second.messages, "leads")).campaigns[failing]!
  expect(catchUp[0]!.query["created_at_gt"]).toBe(new Date(Date.parse(newest) - 1).toISOString())
  expect(completed).toEqual({
    created_at: newest,
    reconciled_at: entry.pass!.started_at,
    activity_at: expect.any(String)
  })
  expectInstantWithin(completed.activity_at, secondStarted, secondEnded, "activity_at")
  const claimed = sim.leads(failing).filter((lead) => lead.createdAt <= completed.created_at!).map((lead) =>
    `${failing}:${lead.id}`
  )
  expect(claimed.filter((key) => !union.has(key))).toEqual([])
}

describe("permanent faults end the read with what completed; a resume delivers the rest", () => {
  for (const order of ["ascending", "descending", "shuffled"] as const) {
    it(`a page failing with 500 past max_retries (${order})`, () =>
      permanentFault({
        order,
        kind: { type: "status", status: 500 },
        expectedFailure: "transient_error",
        message: /campaign \d+.*HTTP 500/,
        attempts: 3,
        othersComplete: true
      }))
  }

  it("a campaign answering 401 mid-read is a config_error and is not retried", () =>
    permanentFault({
      order: "ascending",
      kind: { type: "status", status: 401 },
      expectedFailure: "config_error",
      message: /refused the API key/,
      attempts: 1,
      othersComplete: false
    }))

  it("a campaign answering 404 mid-read is a system_error and is not retried; the others are read in full", () =>
    permanentFault({
      order: "ascending",
      kind: { type: "status", status: 404 },
      expectedFailure: "system_error",
      message: /campaign \d+/,
      attempts: 1,
      othersComplete: true
    }))
})
