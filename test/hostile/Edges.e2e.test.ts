/**
 * Issue 12's focused cases, each against the simulator's mutation mode: totals that lie and a
 * silently capped `limit` do not end a campaign early; a 2099 row, a zone-less or an unparseable
 * `created_at` never poison the cursor; a resumed first sync asks the same query as the attempt
 * it resumes, and loses nothing when rows before its offset were deleted; changes reach the
 * destination with `reconcile_interval_hours: 0`; a Retry-After beyond `max_wait_seconds` fails
 * fast; odd campaign listings (an id twice, an id that is not a number); config bounds checked by
 * `check`; and the request rate seen at the server.
 */
import { describe, expect, it } from "vitest"
import type { Message, RunResult } from "../helpers/Connector.js"
import { errorsOf, lastState, ofType, recordsOf, runConnector, stateInput } from "../helpers/Connector.js"
import { assertNoBareStackTrace, entries, maxPerSecond } from "../helpers/Reads.js"
import { zoneless, zonelessToIso } from "../simulator/Mutations.js"
import type { FaultKind, Simulator } from "../simulator/Simulator.js"
import { expectOnlyKnown, expectSuperset, hostileSetup, keysOf, throughout } from "./Hostile.js"

const utc = hostileSetup("UTC")
const la = hostileSetup("America/Los_Angeles")
const { read, start } = utc

const FAST = { page_size: 5, max_retries: 2 }

const warnings = (messages: ReadonlyArray<Message>): Array<string> =>
  ofType(messages, "LOG").filter((m) => m["log"].level === "WARN").map((m) => m["log"].message as string)
/** `n` as a whole number inside a text (not part of a longer number). */
const mentions = (text: string, n: number | string) => new RegExp(`(^|\\D)${n}(\\D|$)`).test(text)
const keysOfSim = (sim: Simulator) => new Set(sim.leads().map((l) => `${l.campaignId}:${l.id}`))
const leadRequests = (sim: Simulator, campaignId?: number) =>
  sim.requests.filter((r) => r.path.endsWith("/leads") && (campaignId === undefined || r.campaignId === campaignId))
const campaignState = (run: { messages: ReadonlyArray<Message> }, id: number) =>
  entries(lastState(run.messages, "leads")).campaigns[id]

describe("pagination that cannot stop early", () => {
  const cases = [
    ["a total that is too small", "tooSmall", true],
    ["a total of \"0\"", "zero", true],
    ["a total that is too large", "tooLarge", true],
    ["a true total", "true", false]
  ] as const
  for (const [what, totals, warns] of cases) {
    it(`${what}: every lead is read; ${warns ? "one WARN per campaign names it and both numbers" : "no WARN names a campaign"}`, async () => {
      const sim = await start({ campaigns: 2, leadsPerCampaign: [23, 12], shape: "mixed", hostile: { totals } })
      const run = await read(sim, FAST)
      expect(run.code, run.stdout.slice(-500)).toBe(0)
      expectSuperset(keysOf(run.messages), keysOfSim(sim), "the sync")
      expectOnlyKnown(keysOf(run.messages), sim)
      for (const id of sim.campaignIds) {
        const about = warnings(run.messages).filter((text) => mentions(text, id))
        if (!warns) {
          expect(about, `WARNs naming campaign ${id}`).toEqual([])
          continue
        }
        const n = sim.leads(id).length
        const reported = totals === "zero" ? 0 : totals === "tooSmall" ? Math.floor(n / 3) : n * 2 + 7
        expect(about, `WARNs naming campaign ${id}`).toHaveLength(1)
        expect(
          mentions(about[0]!, n) && mentions(about[0]!, reported),
          `"${about[0]}" names ${n} leads read and the total ${reported}`
        ).toBe(true)
      }
    })
  }

  it("a server capping limit at 3 (echoing the applied limit) is read to the end", async () => {
    const sim = await start({
      campaigns: 2,
      leadsPerCampaign: [23, 9],
      shape: "mixed",
      hostile: { limitCap: 3, limitEcho: "applied" }
    })
    const run = await read(sim, { ...FAST, page_size: 10 })
    expect(run.code, run.stdout.slice(-500)).toBe(0)
    expectSuperset(keysOf(run.messages), keysOfSim(sim), "the sync")
    expect(leadRequests(sim).every((r) => Number(r.query["limit"]) <= 10)).toBe(true)
  })
})

describe("cursor hygiene", () => {
  it("a row dated 2099 is emitted but the cursor stays at the sync's start (+5 min); later leads arrive next sync", async () => {
    const now = Date.now()
    const sim = await start({
      campaigns: 2,
      leadsPerCampaign: [12, 8],
      baseTime: new Date(now - 3 * 3_600_000).toISOString()
    })
    const [a] = sim.campaignIds as [number, number]
    const future = sim.mutations.setCreatedAt(a, sim.leads(a)[4]!.id, "2099-01-01T00:00:00.000Z")
    // read() asserts every cursor is ≤ the sync's start + 5 min
    const first = await read(sim, FAST)
    expect(first.code, first.stdout.slice(-500)).toBe(0)
    expect(keysOf(first.messages)).toContain(`${a}:${future.id}`)
    expect(
      warnings(first.messages).filter((text) => /created_at|future|2099/i.test(text)),
      "WARNs about the future created_at"
    ).toHaveLength(1)
    const later = [
      ...sim.mutations.insertLeads(a, 2, new Date().toISOString()),
      ...sim.mutations.insertLeads(sim.campaignIds[1]!, 1, new Date().toISOString())
    ]
    const second = await read(sim, FAST, stateInput(first.messages))
    expect(second.code, second.stdout.slice(-500)).toBe(0)
    expectSuperset(keysOf(second.messages), later.map((l) => `${l.campaignId}:${l.id}`), "the sync after the 2099 row")
  })

  it("an unparseable created_at (\"01/02/2025\") is emitted and never becomes a cursor", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: [12, 6], shape: "mixed" })
    const [a] = sim.campaignIds as [number, number]
    const bad = sim.leads(a).at(-1)!
    sim.mutations.setCreatedAtText(a, bad.id, "01/02/2025")
    const newestParseable = sim.leads(a).at(-2)!.createdAt
    const run = await read(sim, FAST) // asserts ISO UTC ms cursors
    expect(run.code, run.stdout.slice(-500)).toBe(0)
    const record = recordsOf(run.messages, "leads").find((r) => r["campaign_id"] === a && r["id"] === bad.id)
    expect(record, "the lead with the unparseable created_at is emitted").toBeDefined()
    expect(Date.parse(campaignState(run, a)!.created_at!)).toBeLessThanOrEqual(Date.parse(newestParseable))
    expect(warnings(run.messages).filter((text) => /created_at/.test(text)), "WARNs about created_at").toHaveLength(1)
  })

  it("zone-less created_at are UTC: the cursor is the same instant as ISO UTC with ms, under TZ=America/Los_Angeles", async () => {
    const sim = await la.start({ campaigns: 1, leadsPerCampaign: 12, hostile: { timestamps: "zoneless" } })
    const id = sim.campaignIds[0]!
    const first = await la.read(sim, FAST) // asserts ISO UTC ms cursors
    expect(first.code, first.stdout.slice(-500)).toBe(0)
    expect.soft(campaignState(first, id)!.created_at!, "the cursor").toBe(
      zonelessToIso(zoneless(sim.leads(id).at(-1)!.createdAt))
    )
    const added = sim.mutations.insertLeads(id, 3)
    const second = await la.read(sim, FAST, stateInput(first.messages))
    expect(second.code, second.stdout.slice(-500)).toBe(0)
    expectSuperset(keysOf(second.messages), added.map((l) => `${l.campaignId}:${l.id}`), "the second sync")
  })

  it("a zone-less cursor in the input state is UTC under TZ=America/Los_Angeles", async () => {
    const sim = await la.start({ campaigns: 1, leadsPerCampaign: 3 })
    const id = sim.campaignIds[0]!
    const run = await la.read(sim, FAST, {
      created_at: "2025-01-01 12:00:00",
      campaigns: { [id]: { created_at: "2025-01-01 12:00:00" } }
    })
    expect(run.code, run.stdout.slice(-500)).toBe(0)
    const asked = leadRequests(sim, id).map((r) => r.query["created_at_gt"]).filter((gt) => gt !== undefined)
    expect(asked.length).toBeGreaterThan(0)
    for (const gt of asked) expect(Date.parse(gt!), `created_at_gt ${gt}`).toBe(Date.parse("2025-01-01T11:59:59.999Z"))
  })
})

describe("safe resume", () => {
  /**
   * A first sync whose campaign `failing` fails for good after two pages were served (whatever
   * offsets the reader asks for); returns the run.
   */
  const failAfterTwoPages = async (sim: Simulator, failing: number, extra: Record<string, unknown>) => {
    sim.mutations.setBeforeLeadsPage((request) => {
      if (request.campaignId === failing && request.requestNumber === 2) {
        sim.injectFault({ match: { campaignId: failing }, times: Infinity, kind: { type: "status", status: 503 } })
      }
    })
    const first = await read(sim, { ...FAST, ...extra, max_retries: 0 })
    sim.mutations.setBeforeLeadsPage(undefined)
    expect(first.code).toBe(1)
    expect(campaignState(first, failing)?.offset, "the failed campaign's state has an offset").toBeGreaterThan(0)
    sim.clearFaults()
    return first
  }
  /** A leads query without its position and key. */
  const queryOf = (q: Record<string, string>) => {
    const { api_key: _k, limit: _l, offset: _o, ...rest } = q
    return rest
  }

  it("a resumed first sync sends exactly the query of the attempt it resumes", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: [90, 12], shape: "real" })
    const failing = sim.campaignIds[0]!
    expect(
      sim.leads(failing).filter((l) => l.status === "INPROGRESS").length,
      "more than two pages of INPROGRESS leads"
    ).toBeGreaterThan(10)
    const first = await failAfterTwoPages(sim, failing, { lead_status: "INPROGRESS" })
    const attempted = leadRequests(sim, failing).map((r) => queryOf(r.query))
    expect(new Set(attempted.map((q) => JSON.stringify(q))).size).toBe(1)
    sim.clearRequests()
    const second = await read(sim, { ...FAST, lead_status: "INPROGRESS" }, stateInput(first.messages))
    expect(second.code, second.stdout.slice(-500)).toBe(0)
    // the resumed pass: the campaign's requests other than an activity sweep (event_time_gt), up
    // to the catch-up pass that follows a resume (from offset 0, after the new cursor)
    const main = leadRequests(sim, failing).filter((r) => r.query["event_time_gt"] === undefined)
    const catchUp = main.findIndex((r, i) => i > 0 && r.query["offset"] === "0")
    const resumed = catchUp < 0 ? main : main.slice(0, catchUp)
    expect(resumed.length).toBeGreaterThan(0)
    for (const r of resumed) {
      expect(queryOf(r.query), `resumed request at offset ${r.query["offset"]}`).toEqual(attempted[0])
    }
    const expected = sim.leads().filter((l) => l.status === "INPROGRESS").map((l) => `${l.campaignId}:${l.id}`)
    expectSuperset([...keysOf(first.messages), ...keysOf(second.messages)], expected, "the failed sync and its resume")
  })

  it("a resume after rows before the saved offset were deleted loses nothing", async () => {
    for (const order of ["ascending", "descending"] as const) {
      const sim = await start({ campaigns: 2, leadsPerCampaign: [30, 12], shape: "real", order })
      const failing = sim.campaignIds[0]!
      const first = await failAfterTwoPages(sim, failing, {})
      sim.mutations.deleteAt(failing, 2)
      sim.mutations.deleteAt(failing, 6)
      const before = sim.mutations.present()
      const second = await read(sim, FAST, stateInput(first.messages))
      expect(second.code, second.stdout.slice(-500)).toBe(0)
      expectSuperset(
        [...keysOf(first.messages), ...keysOf(second.messages)],
        throughout(before, sim.mutations.present()),
        `${order}: the failed sync and its resume`
      )
    }
  })
})

describe("every change reaches the destination", () => {
  it("with reconcile_interval_hours 0, the next sync emits a lead whose status and custom fields changed", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: [14, 9], shape: "documented" })
    const first = await read(sim, FAST)
    expect(first.code).toBe(0)
    const [a] = sim.campaignIds as [number, number]
    const lead = sim.leads(a)[1]!
    const status = lead.status === "PAUSED" ? "COMPLETED" : "PAUSED"
    sim.mutations.update(a, lead.id, { status, customFields: { job_title: "Chief Reconciler" } })
    const second = await read(sim, { ...FAST, reconcile_interval_hours: 0 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    const record = recordsOf(second.messages, "leads").find((r) => r["campaign_id"] === a && r["id"] === lead.id)
    expect(record, "the changed lead in the next reconciling sync").toBeDefined()
    expect(record).toMatchObject({ status, custom_fields: { job_title: "Chief Reconciler" } })
  })
})

describe("bounded waits", () => {
  const cases: Array<[string, FaultKind, Record<string, unknown>, RegExp]> = [
    [
      "a Retry-After header of 3600 s (default max_wait_seconds 900)",
      { type: "rateLimited", retryAfterSeconds: 3600, bodyRetryAfter: false },
      {},
      /3600|60 ?min|1 ?h/
    ],
    [
      "a body retry_after of 1200 s with max_wait_seconds 60",
      { type: "rateLimited", retryAfterSeconds: 1200, header: false },
      { max_wait_seconds: 60 },
      /1200|20 ?min/
    ]
  ]
  for (const [what, kind, extra, wait] of cases) {
    it(`${what} fails the request as a transient_error naming the wait, without sleeping`, async () => {
      const sim = await start({ campaigns: 1, leadsPerCampaign: 12 })
      sim.injectFault({ match: { campaignId: sim.campaignIds[0]! }, times: Infinity, kind })
      const run = await read(sim, { ...FAST, ...extra }, undefined, { timeoutMs: 10_000 })
      expect(run.signal, "the connector was still waiting after 10 s").toBeNull()
      expect(run.code).toBe(1)
      const errors = errorsOf(run.messages)
      expect(errors.length).toBeGreaterThanOrEqual(1)
      expect(errors[0]!.failure_type).toBe("transient_error")
      expect(errors[0]!.message).toMatch(wait)
      assertNoBareStackTrace(run)
    })
  }

  it("an X-RateLimit pause beyond max_wait_seconds fails as a transient_error instead of sleeping", async () => {
    const sim = await start({
      campaigns: 1,
      leadsPerCampaign: 40,
      rateLimitHeaders: { limitPerWindow: 4, windowSeconds: 3600 }
    })
    const run = await read(sim, { ...FAST, max_wait_seconds: 30 }, undefined, { timeoutMs: 10_000 })
    expect(run.signal, "the connector was still waiting after 10 s").toBeNull()
    expect(run.code).toBe(1)
    expect(errorsOf(run.messages)[0]?.failure_type).toBe("transient_error")
  })
})

describe("campaign listings", () => {
  it("a campaign listed twice by GET /campaigns is read once", async () => {
    const sim = await start({
      campaigns: 2,
      leadsPerCampaign: [13, 7],
      hostile: { campaignsListing: (c) => [c[0], c[1], c[0]] }
    })
    const run = await read(sim, FAST)
    expect(run.code, run.stdout.slice(-500)).toBe(0)
    const keys = keysOf(run.messages)
    expect(keys.length - new Set(keys).size, "leads emitted twice").toBe(0)
    expect([...keys].sort()).toEqual([...keysOfSim(sim)].sort())
    expect(leadRequests(sim, sim.campaignIds[0]!).filter((r) => Number(r.query["offset"] ?? 0) === 0)).toHaveLength(1)
  })

  it("a campaign id that is not a number is skipped with a WARN and never written to state", async () => {
    const sim = await start({
      campaigns: 2,
      leadsPerCampaign: [8, 5],
      hostile: { campaignsListing: (c) => [c[0], { ...c[1], id: "abc" }, c[1]] }
    })
    const run = await read(sim, FAST) // asserts every campaigns key of the state is numeric
    expect(run.code, run.stdout.slice(-500)).toBe(0)
    expect([...keysOf(run.messages)].sort()).toEqual([...keysOfSim(sim)].sort())
    expect(warnings(run.messages).filter((text) => text.includes("abc")), "WARNs naming the id").toHaveLength(1)
    expect(sim.requests.filter((r) => r.path.includes("/campaigns/abc"))).toEqual([])
  })
})

describe("config bounds (check)", () => {
  /** check's answer: FAILED naming the problem (exit 0), or a config_error (exit 1). */
  const expectCheckFailed = (result: RunResult, pattern: RegExp) => {
    const [status] = ofType(result.messages, "CONNECTION_STATUS")
    if (status !== undefined) {
      expect(status["connectionStatus"].status).toBe("FAILED")
      expect(status["connectionStatus"].message).toMatch(pattern)
      expect(result.code).toBe(0)
    } else {
      expect(result.code).toBe(1)
      expect(errorsOf(result.messages)[0]).toMatchObject({ failure_type: "config_error" })
      expect(errorsOf(result.messages)[0]!.message).toMatch(pattern)
    }
    assertNoBareStackTrace(result)
  }

  it("lookback_window_seconds above 31,536,000 is a config error; 31,536,000 is accepted", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
    for (const lookback of [31_536_001, 10 ** 12]) {
      expectCheckFailed(
        await runConnector(["check", "--config", utc.configFor(sim, { lookback_window_seconds: lookback })]),
        /lookback_window_seconds/
      )
    }
    const ok = await runConnector(["check", "--config", utc.configFor(sim, { lookback_window_seconds: 31_536_000 })])
    expect(ofType(ok.messages, "CONNECTION_STATUS")[0]?.["connectionStatus"]).toEqual({ status: "SUCCEEDED" })
  })

  it("a base_url with a query string or a fragment is a config error", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
    for (const base of [`${sim.url}?region=eu`, `${sim.url}#top`]) {
      expectCheckFailed(await runConnector(["check", "--config", utc.configFor(sim, { base_url: base })]), /base_url/)
    }
  })
})

describe("request rate at the server", () => {
  it("at max_requests_per_second 25, no rolling second at the server holds more than 25 requests", async () => {
    const sim = await start({ campaigns: 10, leadsPerCampaign: 40, shape: "real" })
    // a child process: in this process the simulator would see arrivals when the shared event loop gets to them
    const run = await read(sim, { page_size: 5, max_requests_per_second: 25 }, undefined, { process: true })
    expect(run.code).toBe(0)
    expect(sim.requests.length).toBeGreaterThan(80)
    expect(maxPerSecond(sim)).toBeLessThanOrEqual(25)
  })
})
