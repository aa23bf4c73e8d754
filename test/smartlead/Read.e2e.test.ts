/**
 * End-to-end reads: the built connector against the simulator over loopback HTTP. Record sets
 * must equal the simulator's data exactly, in both response shapes and any order; STATE
 * messages must follow the contract; incremental runs must pick up exactly what is new.
 */
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import {
  assertStateCounts,
  errorsOf,
  lastState,
  leadKeys,
  ofType,
  recordsOf,
  runConnector,
  stateInput,
  statesOf,
  statusesOf
} from "../helpers/Connector.js"
import { entries, expectedKeys, expectInstantWithin, ISO_MS, setup, timed } from "../helpers/Reads.js"

const { configFor, files, leadsOnly, readLeads, start } = setup()

describe("declared fields", () => {
  const undeclaredWarnings = (messages: ReadonlyArray<{ type: string; [key: string]: any }>) =>
    ofType(messages, "LOG").filter((m) => m["log"].level === "WARN" && /does not declare/.test(m["log"].message)).map((
      m
    ) => m["log"].message as string)

  for (const shape of ["real", "documented"] as const) {
    it(`every stream read from the simulator (every field of the docs' examples, ${shape} leads) logs no undeclared field`, async () => {
      const sim = await start({ campaigns: 3, leadsPerCampaign: 6, shape })
      const result = await runConnector(["read", "--config", configFor(sim)])
      expect(result.code).toBe(0)
      expect(ofType(result.messages, "RECORD").length).toBeGreaterThan(0)
      expect(new Set(ofType(result.messages, "RECORD").map((m) => m["record"].stream)).size).toBe(7)
      expect(undeclaredWarnings(result.messages)).toEqual([])
    })
  }

  it("a field the API starts sending is kept, and named in one warning per stream and field", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10, shape: "real", extraFieldsEvery: 4 })
    const result = await readLeads(sim)
    expect(result.code).toBe(0)
    const records = recordsOf(result.messages, "leads")
    expect(records.filter((r) => "sim_note" in r)).toHaveLength(5)
    expect(undeclaredWarnings(result.messages).sort()).toEqual(
      ["email_lead_id", "lead_score", "sim_note"].map((field) =>
        `Stream "leads": records carry the field "${field}", which the stream's schema does not declare; it is passed through as sent, but consumers that keep only declared fields drop it`
      )
    )
  })
})

describe("full reads", () => {
  for (const shape of ["real", "documented", "mixed"] as const) {
    it(`reads every lead exactly once in the ${shape} shape`, async () => {
      const sim = await start({ campaigns: 4, leadsPerCampaign: [23, 0, 7, 41], shape })
      const { result, startedAt, endedAt } = await timed(() => readLeads(sim, { page_size: 10 }))
      expect(result.code).toBe(0)
      expect(result.stderr).toBe("")
      const records = recordsOf(result.messages, "leads")
      expect(leadKeys(records).sort()).toEqual(expectedKeys(sim))
      expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
      // every campaign completed a full read that started with this sync; an empty one has no cursor
      const state = entries(lastState(result.messages, "leads"))
      const syncStart = expectInstantWithin(
        state.campaigns[sim.campaignIds[0]!]!.reconciled_at,
        startedAt,
        endedAt,
        "reconciled_at"
      )
      for (const id of sim.campaignIds) {
        const leads = sim.leads(id)
        expect(state.campaigns[id], `campaign ${id}`).toEqual({
          ...(leads.length === 0 ? {} : { created_at: leads.at(-1)!.createdAt }),
          reconciled_at: syncStart,
          activity_at: syncStart
        })
      }
      expect(state.created_at).toBe(sim.leads().map((lead) => lead.createdAt).sort().at(-1))
    })
  }

  it("maps both shapes to the same record fields, keeps unknown fields, and keeps ids above 2^31", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 12, shape: "mixed", extraFieldsEvery: 3 })
    const result = await readLeads(sim)
    const records = recordsOf(result.messages, "leads")
    for (const record of records) {
      const lead = sim.leads(record["campaign_id"] as number).find((candidate) => candidate.id === record["id"])!
      expect(lead).toBeDefined()
      expect(record["id"]).toBeGreaterThan(2 ** 31)
      expect(record).toMatchObject({
        email: lead.email,
        first_name: lead.firstName,
        last_name: lead.lastName,
        company_name: lead.companyName,
        status: lead.status,
        category_id: lead.categoryId,
        created_at: lead.createdAt,
        custom_fields: lead.customFields
      })
      if (sim.shapeOf(lead.campaignId) === "real") {
        expect(record).toMatchObject({
          campaign_lead_map_id: lead.campaignLeadMapId,
          phone_number: lead.phoneNumber,
          is_unsubscribed: lead.isUnsubscribed
        })
      } else {
        expect(record).toMatchObject({ category_name: lead.categoryName, last_sent_time: lead.lastSentTime })
        expect(record["email_stats"]).toBeTypeOf("object")
      }
      for (const [key, value] of Object.entries(lead.extra ?? {})) expect(record[key]).toEqual(value)
    }
    expect(
      records.some((record) =>
        Object.keys(sim.leads(record["campaign_id"] as number).find((l) => l.id === record["id"])!.extra ?? {}).length >
          0
      )
    ).toBe(true)
  })

  it("fills category_name in the real shape from the lead categories, read once per sync", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 12, shape: "real" })
    for (const lead of sim.leads()) Object.assign(lead, { categoryId: null, categoryName: null })
    for (const id of sim.campaignIds) {
      Object.assign(sim.leads(id)[0]!, { categoryId: 3, categoryName: "Meeting Booked" })
    }
    const result = await readLeads(sim, { page_size: 5 })
    expect(sim.requests.filter((r) => r.path.endsWith("/leads/fetch-categories"))).toHaveLength(1)
    const named = recordsOf(result.messages, "leads").filter((record) => record["category_id"] === 3)
    expect(named).toHaveLength(3)
    expect(named.every((record) => record["category_name"] === "Meeting Booked")).toBe(true)
    expect(
      recordsOf(result.messages, "leads").filter((record) => record["category_id"] === null).every((record) =>
        record["category_name"] === null
      )
    ).toBe(true)
  })

  for (const order of ["descending", "shuffled"] as const) {
    for (const pageSize of [1, 7, 100]) {
      it(`is exact with ${order} results and page size ${pageSize}`, async () => {
        const sim = await start({ campaigns: 3, leadsPerCampaign: [15, 9, 22], order, shape: "real" })
        const result = await readLeads(sim, { page_size: pageSize })
        expect(result.code).toBe(0)
        const keys = leadKeys(recordsOf(result.messages, "leads"))
        expect(keys.sort()).toEqual(expectedKeys(sim))
        expect(new Set(keys).size).toBe(keys.length)
        const state = entries(lastState(result.messages, "leads"))
        for (const id of sim.campaignIds) expect(state.campaigns[id]!.created_at).toBe(sim.leads(id).at(-1)!.createdAt)
      })
    }
  }

  it("checkpoints after every page with the server position and the pass it counts against; pages overlap by 2 rows and never ask for more than page_size", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 25, shape: "documented" })
    const { result, startedAt, endedAt } = await timed(() =>
      readLeads(sim, { page_size: 10, checkpoint_interval_seconds: 0 })
    )
    const states = statesOf(result.messages, "leads").map((m) =>
      entries(m["state"].stream.stream_state).campaigns[sim.campaignIds[0]!]
    )
    const syncStart = expectInstantWithin(states[0]?.pass?.started_at, startedAt, endedAt, "pass.started_at")
    const pass = { from: null, full: true, started_at: syncStart }
    const ids = sim.leads().map((lead) => lead.id)
    const done = { created_at: sim.leads().at(-1)!.createdAt, reconciled_at: syncStart, activity_at: syncStart }
    // the last page's checkpoint, and the stream's end writes the state once more
    expect(states).toEqual([
      { offset: 10, pass: { ...pass, last_keys: ids.slice(8, 10), newest: sim.leads()[9]!.createdAt } },
      { offset: 18, pass: { ...pass, last_keys: ids.slice(16, 18), newest: sim.leads()[17]!.createdAt } },
      done,
      done
    ])
    const leadRequests = sim.requests.filter((request) => request.path.endsWith("/leads"))
    expect(leadRequests.map((request) => [request.query["offset"], request.query["limit"]])).toEqual([["0", "10"], [
      "8",
      "10"
    ], ["16", "10"]])
  })

  it("reads every stream with only --config, using the built-in catalog", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5 })
    const result = await runConnector(["read", "--config", configFor(sim)])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    assertStateCounts(result.messages)
    expect(recordsOf(result.messages, "leads")).toHaveLength(10)
    expect(recordsOf(result.messages, "campaigns").map((c) => c["id"])).toEqual([...sim.campaignIds])
    expect(recordsOf(result.messages, "lead_categories").map((c) => c["name"])).toContain("Interested")
    for (const stream of ["leads", "campaigns", "lead_categories"]) {
      expect(statusesOf(result.messages, stream)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
      expect(statesOf(result.messages, stream).length).toBeGreaterThanOrEqual(1)
    }
    const estimates = ofType(result.messages, "TRACE").filter((m) =>
      m["trace"].type === "ESTIMATE" && m["trace"].estimate.name === "leads"
    )
    expect(estimates.at(-1)!["trace"].estimate).toMatchObject({ name: "leads", type: "STREAM", row_estimate: 10 })
  })

  it("emits RUNNING and a STATE for a stream with no records", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 0 })
    const result = await readLeads(sim)
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toEqual([])
    expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    // No input state, no start_date, nothing read: each campaign completes an empty full read
    // (its clocks start), and no cursor is written anywhere: there is no lead to claim.
    const states = statesOf(result.messages, "leads").map((m) => entries(m["state"].stream.stream_state))
    expect(states.length).toBeGreaterThanOrEqual(1)
    const final = states.at(-1)!
    expect(final.created_at).toBeUndefined()
    expect(Object.keys(final.campaigns).sort()).toEqual(sim.campaignIds.map(String).sort())
    for (const entry of Object.values(final.campaigns)) {
      expect(entry).toEqual({
        reconciled_at: expect.stringMatching(ISO_MS),
        activity_at: expect.stringMatching(ISO_MS)
      })
    }

    // With an input state and still nothing new, no cursor moves (never reset, never `{}`).
    const input = {
      created_at: "2025-02-01T00:00:00.000Z",
      campaigns: { [sim.campaignIds[0]!]: { created_at: "2025-02-01T00:00:00.000Z" } }
    }
    const again = await readLeads(sim, {}, input)
    expect(again.code).toBe(0)
    const echoed = statesOf(again.messages, "leads").map((m) => entries(m["state"].stream.stream_state))
    expect(echoed.length).toBeGreaterThanOrEqual(1)
    for (const state of echoed) {
      expect(state.created_at).toBe(input.created_at)
      expect(state.campaigns[sim.campaignIds[0]!]!.created_at).toBe(input.created_at)
      expect(state.campaigns[sim.campaignIds[1]!]?.created_at).toBeUndefined()
    }
  })

  it("sends the configured filters to the API", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 30 })
    const result = await readLeads(sim, {
      lead_status: "INPROGRESS",
      lead_category_id: 1,
      email_status: "is_opened",
      last_sent_after: "2024-06-01T00:00:00Z",
      event_after: "2024-06-02T00:00:00Z",
      start_date: "2025-01-01T00:10:00Z"
    })
    expect(result.code).toBe(0)
    const query = sim.requests.find((request) => request.path.endsWith("/leads"))!.query
    expect(query).toMatchObject({
      status: "INPROGRESS",
      lead_category_id: "1",
      emailStatus: "is_opened",
      last_sent_time_gt: "2024-06-01T00:00:00.000Z",
      event_time_gt: "2024-06-02T00:00:00.000Z",
      created_at_gt: "2025-01-01T00:09:59.999Z"
    })
    const records = recordsOf(result.messages, "leads")
    for (const record of records) {
      expect(record["status"]).toBe("INPROGRESS")
      expect(record["category_id"]).toBe(1)
      expect(Date.parse(record["created_at"] as string)).toBeGreaterThanOrEqual(Date.parse("2025-01-01T00:10:00Z"))
    }
  })
  it("writes created_at as ISO 8601 UTC with milliseconds in records and state, whatever form the API sent", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 5, shape: "documented" })
    const id = sim.campaignIds[0]!
    const leads = sim.leads(id)
    // the same instants as served, in other forms: an offset (±hhmm), zone-less with 4 fraction digits, a space for T, zone-less
    const forms: Array<[string, string]> = [
      ["2025-01-02T14:00:00+0200", "2025-01-02T12:00:00.000Z"],
      ["2025-01-02T12:00:01.0000", "2025-01-02T12:00:01.000Z"],
      ["2025-01-02 12:00:02.000Z", "2025-01-02T12:00:02.000Z"],
      ["2025-01-02 12:00:03", "2025-01-02T12:00:03.000Z"]
    ]
    forms.forEach(([served], i) => Object.assign(leads[i]!, { createdAt: served }))
    const result = await readLeads(sim)
    expect(result.code).toBe(0)
    const byId = new Map(recordsOf(result.messages, "leads").map((r) => [r["id"], r["created_at"]]))
    forms.forEach(([served, normalised], i) => expect(byId.get(leads[i]!.id), served).toBe(normalised))
    expect(byId.get(leads[4]!.id)).toBe(leads[4]!.createdAt)
    const state = entries(lastState(result.messages, "leads"))
    expect(state.campaigns[id]!.created_at).toBe([...byId.values()].sort().at(-1))
  })

  it("start_date is inclusive: a lead created exactly at start_date is read, no earlier one", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 12 })
    const startDate = sim.leads(sim.campaignIds[1]!)[4]!.createdAt
    const result = await readLeads(sim, { start_date: startDate })
    expect(result.code).toBe(0)
    const expected = sim.leads().filter((lead) => Date.parse(lead.createdAt) >= Date.parse(startDate))
    expect(expected.some((lead) => lead.createdAt === startDate)).toBe(true)
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(
      expected.map((l) => `${l.campaignId}:${l.id}`).sort()
    )
  })
})

describe("incremental reads", () => {
  it("a second read with the state gets exactly the new leads plus boundary ties", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: [12, 5, 0], shape: "mixed", order: "shuffled" })
    const first = await readLeads(sim, { page_size: 4 })
    expect(first.code).toBe(0)
    const cursors = entries(lastState(first.messages, "leads"))
    const added = [...sim.addLeads(sim.campaignIds[0]!, 6), ...sim.addLeads(sim.campaignIds[2]!, 3)]
    const second = await readLeads(sim, { page_size: 4 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    const records = recordsOf(second.messages, "leads")
    const addedKeys = added.map((lead) => `${lead.campaignId}:${lead.id}`)
    const keys = leadKeys(records)
    expect(keys).toEqual(expect.arrayContaining(addedKeys))
    const extra = records.filter((record) => !addedKeys.includes(`${record["campaign_id"]}:${record["id"]}`))
    for (const record of extra) {
      expect(record["created_at"]).toBe(cursors.campaigns[record["campaign_id"] as number]!.created_at)
    }
    const third = await readLeads(sim, { page_size: 4 }, stateInput(second.messages))
    for (const record of recordsOf(third.messages, "leads")) {
      expect(record["created_at"]).toBe(
        entries(lastState(second.messages, "leads")).campaigns[record["campaign_id"] as number]!.created_at
      )
    }
  })

  it("never loses leads that share the cursor's timestamp (bulk imports)", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 5 })
    const id = sim.campaignIds[0]!
    const first = await readLeads(sim)
    const cursor = entries(lastState(first.messages, "leads")).campaigns[id]!.created_at!
    const tied = sim.addLeads(id, 3, cursor)
    const second = await readLeads(sim, {}, stateInput(first.messages))
    expect(leadKeys(recordsOf(second.messages, "leads"))).toEqual(
      expect.arrayContaining(tied.map((lead) => `${id}:${lead.id}`))
    )
  })

  it("asks for created_at_gt = cursor − lookback − 1 ms", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 3 })
    const id = sim.campaignIds[0]!
    const state = {
      created_at: "2025-01-01T00:00:00.000Z",
      campaigns: { [id]: { created_at: "2025-01-01T01:00:00.000Z" } }
    }
    await readLeads(sim, { lookback_window_seconds: 600 }, state)
    const query =
      sim.requests.find((request) => request.path.endsWith("/leads") && request.query["event_time_gt"] === undefined)!
        .query
    expect(query["created_at_gt"]).toBe("2025-01-01T00:49:59.999Z")
  })

  it("skips rows the server returns at or before the cursor, when it ignores created_at_gt", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10, ignoreCreatedAtFilter: true })
    const first = await readLeads(sim)
    const added = sim.addLeads(sim.campaignIds[1]!, 2)
    const second = await readLeads(sim, {}, stateInput(first.messages))
    const keys = leadKeys(recordsOf(second.messages, "leads"))
    expect(keys).toEqual(expect.arrayContaining(added.map((lead) => `${lead.campaignId}:${lead.id}`)))
    // the added leads, and the one lead of each campaign tied with its cursor: 9 of each campaign's 10 first leads are dropped
    expect(keys.length).toBe(added.length + 2)
    expect(ofType(second.messages, "LOG").some((m) => /dropped 18 rows at or before the cursor/.test(m["log"].message)))
      .toBe(true)
  })

  it("keeps a far-future cursor (never moves it backwards) and reads nothing; its entries start their reconciliation and sweep clocks", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10 })
    const future = "2100-01-01T00:00:00.000Z"
    const [a, b] = sim.campaignIds as [number, number]
    const { result, startedAt, endedAt } = await timed(() => readLeads(sim, {}, { created_at: future }))
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toEqual([])
    const requests = sim.requests.filter((r) => r.path.endsWith("/leads"))
    expect(requests.map((r) => r.query["created_at_gt"])).toEqual([
      "2099-12-31T23:59:59.999Z",
      "2099-12-31T23:59:59.999Z"
    ])
    const state = entries(lastState(result.messages, "leads"))
    const adopted = expectInstantWithin(state.campaigns[a]!.reconciled_at, startedAt, endedAt, "reconciled_at")
    const entry = { created_at: future, reconciled_at: adopted, activity_at: adopted }
    expect(state).toEqual({ created_at: future, campaigns: { [a]: entry, [b]: entry } })
    // the state it wrote, read again: the same cursors, the clocks it started kept
    const again = await readLeads(sim, {}, stateInput(result.messages))
    expect(recordsOf(again.messages, "leads")).toEqual([])
    const next = entries(lastState(again.messages, "leads"))
    expect(next.created_at).toBe(future)
    for (const id of [a, b]) {
      expect(next.campaigns[id]!.created_at).toBe(future)
      expect(next.campaigns[id]!.reconciled_at).toBe(adopted)
      expect(Date.parse(next.campaigns[id]!.activity_at!)).toBeGreaterThanOrEqual(Date.parse(adopted))
    }
  })

  it("integration_tests/abnormal_state.json (CAT's future state): no record from any incremental stream, the far-future cursors kept", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10, shape: "real" })
    const path = (file: string) => fileURLToPath(new URL(`../../integration_tests/${file}`, import.meta.url))
    // the connector's defaults (statistics_lookback_days 14) and the acceptance config's 0
    for (const extra of [{}, { statistics_lookback_days: 0 }]) {
      const result = await runConnector([
        "read",
        "--config",
        configFor(sim, extra),
        "--catalog",
        path("configured_catalog.json"),
        "--state",
        path("abnormal_state.json")
      ])
      expect(result.code).toBe(0)
      assertStateCounts(result.messages)
      expect(recordsOf(result.messages, "leads")).toEqual([])
      expect(recordsOf(result.messages, "campaign_statistics")).toEqual([])
      // the read ran: the full-refresh streams emitted, and the statistics endpoint was asked
      expect(recordsOf(result.messages, "campaigns")).toHaveLength(2)
      expect(sim.requests.some((r) => r.path.endsWith("/statistics"))).toBe(true)
      expect((lastState(result.messages, "leads") as Record<string, unknown>)["created_at"]).toBe(
        "2100-01-01T00:00:00.000Z"
      )
      expect((lastState(result.messages, "campaign_statistics") as Record<string, unknown>)["sent_time"]).toBe(
        "2100-01-01T00:00:00.000Z"
      )
    }
    // with the leads entry alone (the file as it was), campaign_statistics emits every send: the entry is needed
    const leadsOnlyState = await runConnector([
      "read",
      "--config",
      configFor(sim),
      "--catalog",
      path("configured_catalog.json"),
      "--state",
      files.write([{
        type: "STREAM",
        stream: { stream_descriptor: { name: "leads" }, stream_state: { created_at: "2100-01-01T00:00:00.000Z" } }
      }])
    ])
    expect(recordsOf(leadsOnlyState.messages, "campaign_statistics")).toHaveLength(sim.engagement.sends().length)
    expect(sim.engagement.sends().length).toBeGreaterThan(0)
  })

  it("applies a bare top-level cursor to every campaign", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 10 })
    const cut = sim.leads()[Math.floor(sim.leads().length / 2)]!.createdAt
    // (without the activity sweep, which would also bring leads with activity since the cursor)
    const result = await readLeads(sim, { activity_sweep: false }, { created_at: cut })
    const expected = sim.leads().filter((lead) => Date.parse(lead.createdAt) >= Date.parse(cut))
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(
      expected.map((l) => `${l.campaignId}:${l.id}`).sort()
    )
  })

  it("accepts [] and no state as a first sync", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6 })
    const empty = await readLeads(sim, {}, [])
    expect(recordsOf(empty.messages, "leads")).toHaveLength(6)
  })

  it("ignores the input state in full_refresh mode", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6 })
    const args = [
      "read",
      "--config",
      configFor(sim),
      "--catalog",
      leadsOnly("full_refresh"),
      "--state",
      files.write({ created_at: "2100-01-01T00:00:00.000Z" })
    ]
    const result = await runConnector(args)
    expect(recordsOf(result.messages, "leads")).toHaveLength(6)
  })
})

describe("reconciliation and activity sweep", () => {
  const leadRequests = (sim: { requests: ReadonlyArray<{ path: string; query: Record<string, string> }> }) =>
    sim.requests.filter((r) => r.path.endsWith("/leads"))
  /** Whether a request is the check of the activity filter: activity after a future instant, one row. */
  const isFilterCheck = (r: { query: Record<string, string> }) =>
    r.query["event_time_gt"] !== undefined && Date.parse(r.query["event_time_gt"]) > Date.now() &&
    r.query["limit"] === "1"

  it("a lead re-categorised into the lead_category_id filter after the cursor passed it arrives with the next sync that reconciles", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 15, shape: "documented" })
    const [a] = sim.campaignIds as [number, number]
    const filter = { lead_category_id: 2 }
    const first = await readLeads(sim, filter)
    const inFilter = sim.leads().filter((lead) => lead.categoryId === 2)
    expect(inFilter.length).toBeGreaterThan(0)
    expect(leadKeys(recordsOf(first.messages, "leads")).sort()).toEqual(
      inFilter.map((l) => `${l.campaignId}:${l.id}`).sort()
    )
    // an old lead (created long before the cursor, no activity) enters the filter
    const moved = sim.leads(a).find((lead) => lead.categoryId !== 2)!
    Object.assign(moved, { categoryId: 2, categoryName: "Not Interested" })
    // an incremental sync does not see it: nothing due for reconciliation
    const second = await readLeads(sim, filter, stateInput(first.messages))
    expect(leadKeys(recordsOf(second.messages, "leads"))).not.toContain(`${a}:${moved.id}`)
    // with reconcile_interval_hours 0, every campaign is read in full: it arrives
    sim.clearRequests()
    const { result: third, startedAt, endedAt } = await timed(() =>
      readLeads(sim, { ...filter, reconcile_interval_hours: 0 }, stateInput(second.messages))
    )
    expect(third.code).toBe(0)
    const nowInFilter = sim.leads().filter((lead) => lead.categoryId === 2).map((l) => `${l.campaignId}:${l.id}`)
    expect(nowInFilter).toContain(`${a}:${moved.id}`)
    expect(leadKeys(recordsOf(third.messages, "leads")).sort()).toEqual(nowInFilter.sort())
    expect(
      leadRequests(sim).every((r) => r.query["created_at_gt"] === undefined && r.query["lead_category_id"] === "2")
    ).toBe(true)
    const state = entries(lastState(third.messages, "leads"))
    for (const id of sim.campaignIds) {
      expectInstantWithin(state.campaigns[id]!.reconciled_at, startedAt, endedAt, `campaign ${id} reconciled_at`)
    }
    expect(ofType(third.messages, "LOG").some((m) => /reconciling 2 campaigns with a full read/.test(m["log"].message)))
      .toBe(true)
  })

  it("the activity sweep delivers an old lead with new activity once, asking event_time_gt = activity_at − lookback − 1 h, after one check that the API honours the filter", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 12 })
    const id = sim.campaignIds[0]!
    const first = await readLeads(sim, { lookback_window_seconds: 60 })
    const activityAt = entries(lastState(first.messages, "leads")).campaigns[id]!.activity_at!
    const leads = sim.leads(id)
    const [old, newest] = [leads[0]!, leads.at(-1)!]
    // a reply to the oldest lead, and one to the newest (which the main pass reads again as a tie)
    const now = new Date().toISOString()
    Object.assign(old, { lastSentTime: now })
    Object.assign(newest, { lastSentTime: now })
    sim.clearRequests()
    const { result: second, startedAt, endedAt } = await timed(() =>
      readLeads(sim, { lookback_window_seconds: 60 }, stateInput(first.messages))
    )
    expect(second.code).toBe(0)
    expect(leadRequests(sim).filter(isFilterCheck)).toHaveLength(1)
    const sweeps = leadRequests(sim).filter((r) => r.query["event_time_gt"] !== undefined && !isFilterCheck(r))
    expect(sweeps.map((r) => r.query["event_time_gt"])).toEqual([
      new Date(Date.parse(activityAt) - 60_000 - 3_600_000).toISOString()
    ])
    expect(sweeps[0]!.query["created_at_gt"]).toBeUndefined()
    const keys = leadKeys(recordsOf(second.messages, "leads"))
    expect(keys).toContain(`${id}:${old.id}`)
    expect(keys.filter((key) => key === `${id}:${newest.id}`)).toHaveLength(1)
    expect(new Set(keys).size).toBe(keys.length)
    const entry = entries(lastState(second.messages, "leads")).campaigns[id]!
    expectInstantWithin(entry.activity_at, startedAt, endedAt, "activity_at")
    expect(entry.created_at).toBe(newest.createdAt)

    // with activity_sweep off, no sweep is asked for
    sim.clearRequests()
    const third = await readLeads(sim, { activity_sweep: false }, stateInput(second.messages))
    expect(leadRequests(sim).filter((r) => r.query["event_time_gt"] !== undefined)).toEqual([])
    expect(leadKeys(recordsOf(third.messages, "leads"))).not.toContain(`${id}:${old.id}`)
  })

  it("an API that ignores event_time_gt: one check finds out, one WARN says so, and no sync sweeps until the check is due again", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: [14, 11], ignoreEventTimeFilter: true })
    const [a, b] = [sim.campaignIds[0]!, sim.campaignIds[1]!]
    const PAGES = { page_size: 5 }
    const sweepsOf = () => leadRequests(sim).filter((r) => r.query["event_time_gt"] !== undefined && !isFilterCheck(r))
    const sweepWarnings = (messages: Parameters<typeof ofType>[0]) =>
      ofType(messages, "LOG").filter((m) =>
        m["log"].level === "WARN" && /the API ignores the activity filter/.test(m["log"].message)
      )

    const first = await readLeads(sim, PAGES)
    expect(first.code).toBe(0)

    // the first incremental sync asks once, learns the filter is ignored, and sweeps nothing
    sim.clearRequests()
    const second = await readLeads(sim, PAGES, stateInput(first.messages))
    expect(second.code).toBe(0)
    expect(leadRequests(sim).filter(isFilterCheck)).toHaveLength(1)
    expect(sweepsOf()).toEqual([])
    expect(sweepWarnings(second.messages)).toHaveLength(1)
    expect(sweepWarnings(second.messages)[0]!["log"].message).toMatch(/reconcile_interval_hours/)
    const keys = leadKeys(recordsOf(second.messages, "leads"))
    // only each campaign's tie at its cursor, not every lead again
    expect(keys.sort()).toEqual([a, b].map((id) => `${id}:${sim.leads(id).at(-1)!.id}`).sort())
    expect(entries(lastState(second.messages, "leads")).sweep_filter?.honoured).toBe(false)

    // the next one neither asks nor sweeps, and says nothing more about it
    sim.clearRequests()
    const third = await readLeads(sim, PAGES, stateInput(second.messages))
    expect(third.code).toBe(0)
    expect(leadRequests(sim).filter((r) => r.query["event_time_gt"] !== undefined)).toEqual([])
    expect(sweepWarnings(third.messages)).toEqual([])

    // once the answer is a reconciliation interval old, it asks again
    const stale = JSON.parse(JSON.stringify(stateInput(third.messages)))
    stale[0].stream.stream_state.sweep_filter.checked_at = "2020-01-01T00:00:00.000Z"
    sim.clearRequests()
    const fourth = await readLeads(sim, PAGES, stale)
    expect(fourth.code).toBe(0)
    expect(leadRequests(sim).filter(isFilterCheck)).toHaveLength(1)
    expect(sweepsOf()).toEqual([])
  })
})

describe("failures and resume", () => {
  /** Lead requests of one campaign's main pass (no activity sweep), as [offset, limit, created_at_gt]. */
  const pagesOf = (
    sim: { requests: ReadonlyArray<{ campaignId?: number; path: string; query: Record<string, string> }> },
    id: number
  ) =>
    sim.requests.filter((r) =>
      r.campaignId === id && r.path.endsWith("/leads") && r.query["event_time_gt"] === undefined
    ).map((r) => [r.query["offset"], r.query["limit"], r.query["created_at_gt"]])

  for (const order of ["ascending", "descending", "shuffled"] as const) {
    it(`a campaign failing mid-read (${order}) loses nothing after a resume, which sends the pass's query from its offset`, async () => {
      const sim = await start({ campaigns: 3, leadsPerCampaign: [30, 25, 18], order, shape: "real" })
      const failing = sim.campaignIds[1]!
      // pages of 5 overlapping by 2 rows: offsets 0, 3, 6, 9, …; the fourth page fails
      sim.injectFault({
        match: { campaignId: failing, offset: 9 },
        times: Infinity,
        kind: { type: "status", status: 503 }
      })
      const first = await readLeads(sim, { page_size: 5, max_retries: 1 })
      expect(first.code).toBe(1)
      expect(statusesOf(first.messages, "leads")).toEqual(["STARTED", "RUNNING", "INCOMPLETE"])
      const [error] = errorsOf(first.messages)
      expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "leads" } })
      expect(error!.message).toMatch(new RegExp(`^leads of 1 campaign could not be read: .*campaign ${failing}`))
      const state = entries(lastState(first.messages, "leads"))
      const pass = state.campaigns[failing]!.pass!
      const served = sim.mutations.served(failing)
      expect(state.campaigns[failing]).toEqual({
        offset: 11,
        pass: {
          from: null,
          full: true,
          started_at: pass.started_at,
          last_keys: served.slice(9, 11).map((lead) => lead.id),
          newest: served.slice(0, 11).map((lead) => lead.createdAt).sort().at(-1)
        }
      })
      const firstKeys = leadKeys(recordsOf(first.messages, "leads"))
      expect(firstKeys.filter((key) => key.startsWith(`${failing}:`))).toHaveLength(11)

      sim.clearFaults()
      sim.clearRequests()
      const second = await readLeads(sim, { page_size: 5 }, stateInput(first.messages))
      expect(second.code).toBe(0)
      const secondKeys = leadKeys(recordsOf(second.messages, "leads"))
      const all = new Set([...firstKeys, ...secondKeys])
      expect([...all].sort()).toEqual(expectedKeys(sim))
      // the resume asks again for the 2 rows its checkpoint recorded (offsets 9 and 10), finds them
      // where they were, and reads on with the same (unbounded) query: nothing of it twice
      const pages = pagesOf(sim, failing)
      const cursor = entries(lastState(second.messages, "leads")).campaigns[failing]!.created_at!
      expect(pages).toEqual([
        ["9", "5", undefined],
        ["12", "5", undefined],
        ["15", "5", undefined],
        ["18", "5", undefined],
        ["21", "5", undefined],
        // then one catch-up page for leads added behind the resumed position since the pass began
        ["0", "5", new Date(Date.parse(cursor) - 1).toISOString()]
      ])
      // nothing of it twice, but the catch-up's tie at the cursor (the newest lead), when the
      // failed sync had delivered it (newest first)
      const resumed = secondKeys.filter((key) => key.startsWith(`${failing}:`))
      const tie = sim.leads(failing).filter((lead) => lead.createdAt === cursor).map((lead) => `${failing}:${lead.id}`)
      expect(resumed.filter((key) => firstKeys.includes(key) && !tie.includes(key))).toEqual([])
      expect(resumed.filter((key) => !tie.includes(key))).toHaveLength(
        14 - tie.filter((key) => !firstKeys.includes(key)).length
      )
      // the full read the failed sync started is complete: reconciled as of that sync's start
      expect(entries(lastState(second.messages, "leads")).campaigns[failing]).toMatchObject({
        reconciled_at: pass.started_at
      })
    })
  }

  it("a resumed incremental pass sends exactly the created_at_gt its offset was counted against", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 10 })
    const id = sim.campaignIds[0]!
    const first = await readLeads(sim, { page_size: 5 })
    const cursor = entries(lastState(first.messages, "leads")).campaigns[id]!.created_at!
    const added = sim.addLeads(id, 20)
    sim.injectFault({ match: { campaignId: id, offset: 9 }, times: Infinity, kind: { type: "status", status: 503 } })
    const second = await readLeads(
      sim,
      { page_size: 5, max_retries: 0, lookback_window_seconds: 60 },
      stateInput(first.messages)
    )
    expect(second.code).toBe(1)
    const from = new Date(Date.parse(cursor) - 60_000 - 1).toISOString()
    const interrupted = entries(lastState(second.messages, "leads")).campaigns[id]!
    expect(interrupted).toMatchObject({
      created_at: cursor,
      offset: 11,
      pass: { from, full: false }
    })
    // the resume runs with another lookback: it still sends the interrupted pass's query
    sim.clearFaults()
    sim.clearRequests()
    const third = await readLeads(sim, { page_size: 5 }, stateInput(second.messages))
    expect(third.code).toBe(0)
    const pages = pagesOf(sim, id)
    expect(pages[0]).toEqual(["9", "5", from])
    // the resumed pass's pages, up to the catch-up pass that follows it (from offset 0 again)
    const resumedPages = pages.slice(0, pages.findIndex(([offset], i) => i > 0 && offset === "0"))
    expect(resumedPages.length).toBeGreaterThan(1)
    expect(resumedPages.every(([, , gt]) => gt === from)).toBe(true)
    const delivered = new Set([
      ...leadKeys(recordsOf(second.messages, "leads")),
      ...leadKeys(recordsOf(third.messages, "leads"))
    ])
    expect(added.map((lead) => `${id}:${lead.id}`).filter((key) => !delivered.has(key))).toEqual([])
    expect(entries(lastState(third.messages, "leads")).campaigns[id]!.created_at).toBe(
      added.at(-1)!.createdAt
    )
  })

  it("a resume after leads were added (the total changed) goes on from its offset, checking its recorded rows: it always finishes", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 20 })
    const id = sim.campaignIds[0]!
    sim.injectFault({ match: { campaignId: id, offset: 9 }, times: Infinity, kind: { type: "status", status: 503 } })
    const first = await readLeads(sim, { page_size: 5, max_retries: 0 })
    expect(entries(lastState(first.messages, "leads")).campaigns[id]).toMatchObject({ offset: 11 })
    sim.clearFaults()
    sim.clearRequests()
    const added = sim.addLeads(id, 2)
    const second = await readLeads(sim, { page_size: 5 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    expect(pagesOf(sim, id)[0]).toEqual(["9", "5", undefined])
    const delivered = [
      ...leadKeys(recordsOf(first.messages, "leads")),
      ...leadKeys(recordsOf(second.messages, "leads"))
    ]
    expect([...new Set(delivered)].sort()).toEqual(expectedKeys(sim))
    expect(delivered).toHaveLength(expectedKeys(sim).length)
    expect(entries(lastState(second.messages, "leads")).campaigns[id]).toEqual(
      expect.objectContaining({ created_at: added.at(-1)!.createdAt })
    )
  })

  it("a resume after a delivered lead was deleted and one added (same total) realigns on its recorded rows and skips nothing", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 20 })
    const id = sim.campaignIds[0]!
    sim.injectFault({ match: { campaignId: id, offset: 9 }, times: Infinity, kind: { type: "status", status: 503 } })
    const first = await readLeads(sim, { page_size: 5, max_retries: 0 })
    expect(entries(lastState(first.messages, "leads")).campaigns[id]).toMatchObject({ offset: 11 })
    sim.clearFaults()
    sim.mutations.deleteAt(id, 2)
    sim.addLeads(id, 1)
    expect(sim.leads(id)).toHaveLength(20)
    const second = await readLeads(sim, { page_size: 5 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    const delivered = new Set([
      ...leadKeys(recordsOf(first.messages, "leads")),
      ...leadKeys(recordsOf(second.messages, "leads"))
    ])
    expect(expectedKeys(sim).filter((key) => !delivered.has(key))).toEqual([])
  })

  it("an entry without a cursor, or with an offset but no pass (an older state), is read in full from offset 0", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 8 })
    const [a, b] = sim.campaignIds as [number, number]
    const cut = sim.leads(b)[5]!.createdAt
    const state = { created_at: cut, campaigns: { [a]: { offset: 4 }, [b]: { created_at: cut, offset: 4 } } }
    const result = await readLeads(sim, { activity_sweep: false }, state)
    expect(result.code).toBe(0)
    expect(pagesOf(sim, a)).toEqual([["0", "100", undefined]])
    expect(pagesOf(sim, b)).toEqual([["0", "100", new Date(Date.parse(cut) - 1).toISOString()]])
    const expected = [...sim.leads(a), ...sim.leads(b).filter((lead) => lead.createdAt >= cut)].map((l) =>
      `${l.campaignId}:${l.id}`
    ).sort()
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(expected)
  })

  it("a configured campaign that does not exist is named; the others are read in full; exit 1", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 8 })
    const result = await readLeads(sim, { campaign_ids: [...sim.campaignIds, 999] })
    expect(result.code).toBe(1)
    expect(recordsOf(result.messages, "leads")).toHaveLength(16)
    const [error] = errorsOf(result.messages)
    expect(error!.message).toMatch(/campaign 999 not found/)
    expect(statusesOf(result.messages, "leads").at(-1)).toBe("INCOMPLETE")
    const state = entries(lastState(result.messages, "leads"))
    for (const id of sim.campaignIds) expect(state.campaigns[id]!.offset).toBeUndefined()
  })

  it("a rejected key is a config_error", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 3 })
    const result = await runConnector(["read", "--config", configFor(sim, { api_key: "wrong-key-123" })])
    expect(result.code).toBe(1)
    const errors = errorsOf(result.messages)
    expect(errors.length).toBeGreaterThanOrEqual(1)
    expect(errors.every((e) => e.failure_type === "config_error")).toBe(true)
    expect(errors[0]!.message).toMatch(/refused the API key/)
    expect(result.stdout).not.toContain("wrong-key-123")
  })

  it("a catalog naming an unknown stream or mode is an error naming it", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
    const catalog = files.write({
      streams: [{
        stream: { name: "emails", json_schema: {}, supported_sync_modes: ["full_refresh"] },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite"
      }, {
        stream: { name: "campaigns", json_schema: {}, supported_sync_modes: ["full_refresh"] },
        sync_mode: "incremental",
        destination_sync_mode: "append"
      }]
    })
    const result = await runConnector(["read", "--config", configFor(sim), "--catalog", catalog])
    expect(result.code).toBe(1)
    expect(errorsOf(result.messages)[0]!.message).toMatch(/unknown stream "emails".*campaigns.*incremental/)
    expect(sim.requests).toHaveLength(0)
  })

  const badCatalogs: Array<[string, string, RegExp]> = [
    ["malformed", "{ nope", /--catalog file .*not valid JSON/],
    ["empty", "", /--catalog file .*empty/],
    ["wrong-shape", JSON.stringify({ streams: [{ name: "leads" }] }), /--catalog file .*not a configured catalog/]
  ]
  for (const [what, text, pattern] of badCatalogs) {
    it(`a ${what} catalog is a config_error naming the file`, async () => {
      const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
      const result = await runConnector(["read", "--config", configFor(sim), "--catalog", files.write(text)])
      expect(result.code).toBe(1)
      expect(errorsOf(result.messages)[0]).toMatchObject({ failure_type: "config_error" })
      expect(errorsOf(result.messages)[0]!.message).toMatch(pattern)
    })
  }

  const badStates: Array<[string, string, RegExp]> = [
    ["malformed", "[{", /--state file .*not valid JSON/],
    ["a GLOBAL", JSON.stringify([{ type: "GLOBAL", global: { stream_states: [] } }]), /--state file .*STREAM/],
    ["a wrong-shape", JSON.stringify([{ type: "STREAM", stream: { name: "leads" } }]), /--state file .*entry 0/],
    [
      "a leads state with neither created_at nor campaigns",
      JSON.stringify({ cursor: "2025-01-01T00:00:00Z" }),
      /--state file .*leads.*created_at/
    ],
    [
      "a leads state with a bad offset",
      JSON.stringify({
        created_at: "2025-01-01T00:00:00Z",
        campaigns: { "1": { created_at: "2025-01-01T00:00:00Z", offset: -3 } }
      }),
      /offset/
    ],
    [
      "a leads state whose pass has a bad lower bound",
      JSON.stringify({
        campaigns: {
          "1": { offset: 5, pass: { from: "last week", total: 9, full: false, started_at: "2025-01-01T00:00:00Z" } }
        }
      }),
      /--state file .*leads.*campaigns\.1\.pass\.from/
    ],
    [
      "a leads state whose reconciled_at is not a date",
      JSON.stringify({
        created_at: "2025-01-01T00:00:00Z",
        campaigns: { "1": { created_at: "2025-01-01T00:00:00Z", reconciled_at: "01/02/2025" } }
      }),
      /--state file .*leads.*campaigns\.1\.reconciled_at/
    ]
  ]
  for (const [what, text, pattern] of badStates) {
    it(`${what} state is a config_error naming the file`, async () => {
      const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
      const result = await runConnector(["read", "--config", configFor(sim), "--state", files.write(text)])
      expect(result.code).toBe(1)
      expect(errorsOf(result.messages)[0]).toMatchObject({ failure_type: "config_error" })
      expect(errorsOf(result.messages)[0]!.message).toMatch(pattern)
      expect(sim.requests).toHaveLength(0)
    })
  }

  it("state for an unknown stream is ignored with a warning", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 2 })
    const state = [{ type: "STREAM", stream: { stream_descriptor: { name: "emails" }, stream_state: { x: 1 } } }]
    const result = await readLeads(sim, {}, state)
    expect(result.code).toBe(0)
    expect(ofType(result.messages, "LOG").some((m) => m["log"].level === "WARN" && /emails/.test(m["log"].message)))
      .toBe(true)
  })
})
