/**
 * End-to-end reads: the built connector against the simulator over loopback HTTP. Record sets
 * must equal the simulator's data exactly, in both response shapes and any order; STATE
 * messages must follow the contract; incremental runs must pick up exactly what is new.
 */
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
import { EPOCH, expectedKeys, setup } from "../helpers/Reads.js"

const { configFor, files, leadsOnly, readLeads, start } = setup()

describe("full reads", () => {
  for (const shape of ["real", "documented", "mixed"] as const) {
    it(`reads every lead exactly once in the ${shape} shape`, async () => {
      const sim = await start({ campaigns: 4, leadsPerCampaign: [23, 0, 7, 41], shape })
      const result = await readLeads(sim, { page_size: 10 })
      expect(result.code).toBe(0)
      expect(result.stderr).toBe("")
      const records = recordsOf(result.messages, "leads")
      expect(leadKeys(records).sort()).toEqual(expectedKeys(sim))
      expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
      const state = lastState(result.messages, "leads") as { created_at: string; campaigns: Record<string, { created_at: string; offset?: number }> }
      for (const id of sim.campaignIds) {
        const leads = sim.leads(id)
        if (leads.length === 0) continue
        expect(state.campaigns[id]).toEqual({ created_at: leads.at(-1)!.createdAt })
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
        expect(record).toMatchObject({ campaign_lead_map_id: lead.campaignLeadMapId, phone_number: lead.phoneNumber, is_unsubscribed: lead.isUnsubscribed })
      } else {
        expect(record).toMatchObject({ category_name: lead.categoryName, last_sent_time: lead.lastSentTime })
        expect(record["email_stats"]).toBeTypeOf("object")
      }
      for (const [key, value] of Object.entries(lead.extra ?? {})) expect(record[key]).toEqual(value)
    }
    expect(records.some((record) => Object.keys(sim.leads(record["campaign_id"] as number).find((l) => l.id === record["id"])!.extra ?? {}).length > 0)).toBe(true)
  })

  it("fills category_name in the real shape from the lead categories, read once per sync", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 12, shape: "real" })
    for (const lead of sim.leads()) Object.assign(lead, { categoryId: null, categoryName: null })
    for (const id of sim.campaignIds) Object.assign(sim.leads(id)[0]!, { categoryId: 3, categoryName: "Meeting Booked" })
    const result = await readLeads(sim, { page_size: 5 })
    expect(sim.requests.filter((r) => r.path.endsWith("/leads/fetch-categories"))).toHaveLength(1)
    const named = recordsOf(result.messages, "leads").filter((record) => record["category_id"] === 3)
    expect(named).toHaveLength(3)
    expect(named.every((record) => record["category_name"] === "Meeting Booked")).toBe(true)
    expect(recordsOf(result.messages, "leads").filter((record) => record["category_id"] === null).every((record) => record["category_name"] === null)).toBe(true)
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
        const state = lastState(result.messages, "leads") as { campaigns: Record<string, { created_at: string }> }
        for (const id of sim.campaignIds) expect(state.campaigns[id]!.created_at).toBe(sim.leads(id).at(-1)!.createdAt)
      })
    }
  }

  it("checkpoints after every page with offsets, and never asks for more than page_size", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 25, shape: "documented" })
    const result = await readLeads(sim, { page_size: 10 })
    const states = statesOf(result.messages, "leads").map((m) => m["state"].stream.stream_state.campaigns[sim.campaignIds[0]!])
    expect(states).toEqual([
      { created_at: "1970-01-01T00:00:00.000Z", offset: 10 },
      { created_at: "1970-01-01T00:00:00.000Z", offset: 20 },
      { created_at: sim.leads().at(-1)!.createdAt }
    ])
    const leadRequests = sim.requests.filter((request) => request.path.endsWith("/leads"))
    expect(leadRequests.every((request) => Number(request.query["limit"]) <= 10)).toBe(true)
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
    const estimates = ofType(result.messages, "TRACE").filter((m) => m["trace"].type === "ESTIMATE")
    expect(estimates.at(-1)!["trace"].estimate).toMatchObject({ name: "leads", type: "STREAM", row_estimate: 10 })
  })

  it("emits RUNNING and a STATE for a stream with no records", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 0 })
    const result = await readLeads(sim)
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toEqual([])
    expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    // No input state, no start_date, nothing read: the cursor stays at the epoch, with no campaign cursors.
    const states = statesOf(result.messages, "leads").map((m) => m["state"].stream.stream_state)
    expect(states.length).toBeGreaterThanOrEqual(1)
    for (const state of states) expect(state).toEqual({ created_at: EPOCH, campaigns: {} })

    // With an input state and still nothing new, the state is echoed unchanged (never reset).
    const input = { created_at: "2025-02-01T00:00:00.000Z", campaigns: { [sim.campaignIds[0]!]: { created_at: "2025-02-01T00:00:00.000Z" } } }
    const again = await readLeads(sim, {}, input)
    expect(again.code).toBe(0)
    const echoed = statesOf(again.messages, "leads").map((m) => m["state"].stream.stream_state)
    expect(echoed.length).toBeGreaterThanOrEqual(1)
    for (const state of echoed) expect(state).toEqual(input)
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
})

describe("incremental reads", () => {
  it("a second read with the state gets exactly the new leads plus boundary ties", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: [12, 5, 0], shape: "mixed", order: "shuffled" })
    const first = await readLeads(sim, { page_size: 4 })
    expect(first.code).toBe(0)
    const cursors = lastState(first.messages, "leads") as { campaigns: Record<string, { created_at: string }> }
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
      expect(record["created_at"]).toBe((lastState(second.messages, "leads") as any).campaigns[record["campaign_id"] as number].created_at)
    }
  })

  it("never loses leads that share the cursor's timestamp (bulk imports)", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 5 })
    const id = sim.campaignIds[0]!
    const first = await readLeads(sim)
    const cursor = (lastState(first.messages, "leads") as any).campaigns[id].created_at as string
    const tied = sim.addLeads(id, 3, cursor)
    const second = await readLeads(sim, {}, stateInput(first.messages))
    expect(leadKeys(recordsOf(second.messages, "leads"))).toEqual(expect.arrayContaining(tied.map((lead) => `${id}:${lead.id}`)))
  })

  it("asks for created_at_gt = cursor − lookback − 1 ms", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 3 })
    const id = sim.campaignIds[0]!
    const state = { created_at: "2025-01-01T00:00:00.000Z", campaigns: { [id]: { created_at: "2025-01-01T01:00:00.000Z" } } }
    await readLeads(sim, { lookback_window_seconds: 600 }, state)
    const query = sim.requests.find((request) => request.path.endsWith("/leads"))!.query
    expect(query["created_at_gt"]).toBe("2025-01-01T00:49:59.999Z")
  })

  it("skips rows the server returns at or before the cursor, when it ignores created_at_gt", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10, ignoreCreatedAtFilter: true })
    const first = await readLeads(sim)
    const added = sim.addLeads(sim.campaignIds[1]!, 2)
    const second = await readLeads(sim, {}, stateInput(first.messages))
    const keys = leadKeys(recordsOf(second.messages, "leads"))
    expect(keys).toEqual(expect.arrayContaining(added.map((lead) => `${lead.campaignId}:${lead.id}`)))
    expect(keys.length).toBeLessThanOrEqual(added.length + 2)
    expect(ofType(second.messages, "LOG").some((m) => /skipped \d+ leads/.test(m["log"].message))).toBe(true)
  })

  it("echoes a far-future state unchanged and reads nothing", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10 })
    const future = { created_at: "2100-01-01T00:00:00.000Z" }
    const result = await readLeads(sim, {}, future)
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toEqual([])
    expect(lastState(result.messages, "leads")).toEqual(future)
    const withMap = { created_at: "2100-01-01T00:00:00.000Z", campaigns: { [sim.campaignIds[0]!]: { created_at: "2100-01-01T00:00:00.000Z" }, [sim.campaignIds[1]!]: { created_at: "2100-01-01T00:00:00.000Z" } } }
    const again = await readLeads(sim, {}, [{ type: "STREAM", stream: { stream_descriptor: { name: "leads" }, stream_state: withMap }, sourceStats: { recordCount: 0 } }])
    expect(recordsOf(again.messages, "leads")).toEqual([])
    expect(lastState(again.messages, "leads")).toEqual(withMap)
  })

  it("applies a bare top-level cursor to every campaign", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 10 })
    const cut = sim.leads()[Math.floor(sim.leads().length / 2)]!.createdAt
    const result = await readLeads(sim, {}, { created_at: cut })
    const expected = sim.leads().filter((lead) => Date.parse(lead.createdAt) >= Date.parse(cut))
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(expected.map((l) => `${l.campaignId}:${l.id}`).sort())
  })

  it("accepts [] and no state as a first sync", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6 })
    const empty = await readLeads(sim, {}, [])
    expect(recordsOf(empty.messages, "leads")).toHaveLength(6)
  })

  it("ignores the input state in full_refresh mode", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6 })
    const args = ["read", "--config", configFor(sim), "--catalog", leadsOnly("full_refresh"), "--state", files.write({ created_at: "2100-01-01T00:00:00.000Z" })]
    const result = await runConnector(args)
    expect(recordsOf(result.messages, "leads")).toHaveLength(6)
  })
})

describe("failures and resume", () => {
  for (const order of ["ascending", "descending", "shuffled"] as const) {
    it(`a campaign failing mid-read (${order}) loses nothing after a resume`, async () => {
      const sim = await start({ campaigns: 3, leadsPerCampaign: [30, 25, 18], order, shape: "real" })
      const failing = sim.campaignIds[1]!
      sim.injectFault({ match: { campaignId: failing, offset: 10 }, times: Infinity, kind: { type: "status", status: 503 } })
      const first = await readLeads(sim, { page_size: 5, max_retries: 1 })
      expect(first.code).toBe(1)
      expect(statusesOf(first.messages, "leads")).toEqual(["STARTED", "RUNNING", "INCOMPLETE"])
      const [error] = errorsOf(first.messages)
      expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "leads" } })
      expect(error!.message).toContain(`campaign ${failing}`)
      const state = lastState(first.messages, "leads") as any
      expect(state.campaigns[failing]).toEqual({ created_at: "1970-01-01T00:00:00.000Z", offset: 10 })
      const firstKeys = leadKeys(recordsOf(first.messages, "leads"))
      expect(firstKeys.filter((key) => key.startsWith(`${failing}:`))).toHaveLength(10)

      sim.clearFaults()
      const second = await readLeads(sim, { page_size: 5 }, stateInput(first.messages))
      expect(second.code).toBe(0)
      const all = new Set([...firstKeys, ...leadKeys(recordsOf(second.messages, "leads"))])
      expect([...all].sort()).toEqual(expectedKeys(sim))
      const resumed = sim.requests.filter((r) => r.campaignId === failing && r.path.endsWith("/leads")).at(-3)!
      expect(Number(resumed.query["offset"])).toBeGreaterThanOrEqual(10)
    })
  }

  it("a configured campaign that does not exist is named; the others are read in full; exit 1", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 8 })
    const result = await readLeads(sim, { campaign_ids: [...sim.campaignIds, 999] })
    expect(result.code).toBe(1)
    expect(recordsOf(result.messages, "leads")).toHaveLength(16)
    const [error] = errorsOf(result.messages)
    expect(error!.message).toMatch(/campaign 999 not found/)
    expect(statusesOf(result.messages, "leads").at(-1)).toBe("INCOMPLETE")
    const state = lastState(result.messages, "leads") as any
    for (const id of sim.campaignIds) expect(state.campaigns[id].offset).toBeUndefined()
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
    const catalog = files.write({ streams: [{ stream: { name: "emails", json_schema: {}, supported_sync_modes: ["full_refresh"] }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }, { stream: { name: "campaigns", json_schema: {}, supported_sync_modes: ["full_refresh"] }, sync_mode: "incremental", destination_sync_mode: "append" }] })
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
    ["a leads state without created_at", JSON.stringify({ campaigns: {} }), /--state file .*leads.*created_at/],
    ["a leads state with a bad offset", JSON.stringify({ created_at: "2025-01-01T00:00:00Z", campaigns: { "1": { created_at: "2025-01-01T00:00:00Z", offset: -3 } } }), /offset/]
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
    expect(ofType(result.messages, "LOG").some((m) => m["log"].level === "WARN" && /emails/.test(m["log"].message))).toBe(true)
  })
})
