/**
 * The promise under churn, end to end over the mutating simulator: a resume always finishes and
 * never skips (a lead slid back by a deletion before the resume is found), the activity sweep
 * trusts an API that honours its filter (also when the API ignores `created_at_gt`, or stamps
 * activity half an hour behind our clock), a busy campaign still gets a cursor, and the one case
 * the README states as a limit (a late commit balanced by a deletion) behaves as it says. Each
 * case is one the engine once got wrong; `PartitionedModel.test.ts` searches the interleavings
 * around them.
 */
import { describe, expect, it } from "vitest"
import { lastState, recordsOf, stateInput } from "../helpers/Connector.js"
import { entries, expectedKeys } from "../helpers/Reads.js"
import { expectSuperset, hostileSetup, keysOf } from "./Hostile.js"

const { read, start } = hostileSetup("UTC")
const FAST = { max_retries: 0, checkpoint_interval_seconds: 0 }

describe("resumes that always finish and never skip", () => {
  it("a campaign too large for one sync, gaining a lead before every sync, completes within a bounded number of syncs", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 60, order: "ascending" })
    const id = sim.campaignIds[0]!
    const delivered: Array<string> = []
    let state: unknown
    let completed = -1
    for (let sync = 0; sync < 8 && completed < 0; sync++) {
      // each sync gets five requests: its fifth page fails for good
      const entry = state === undefined ? undefined : entries((state as any)[0].stream.stream_state).campaigns[id]
      const first = entry?.offset === undefined ? 0 : entry.offset - 2
      sim.clearFaults()
      sim.injectFault({
        match: { campaignId: id, offset: first + 12 },
        times: Infinity,
        kind: { type: "status", status: 503 }
      })
      const run = await read(sim, { ...FAST, page_size: 5 }, state)
      delivered.push(...keysOf(run.messages))
      state = stateInput(run.messages)
      const after = entries(lastState(run.messages, "leads")).campaigns[id]!
      if (after.offset === undefined && after.created_at !== undefined) completed = sync
      sim.addLeads(id, 1)
    }
    // 60 leads and one more a sync, 14 of them a sync at first and 12 after: 6 syncs at most
    expect(completed, "the sync that completed the campaign's first pass").toBeGreaterThanOrEqual(0)
    expect(completed).toBeLessThan(6)
    sim.clearFaults()
    const clean = await read(sim, FAST, state)
    expectSuperset([...delivered, ...keysOf(clean.messages)], expectedKeys(sim), "the syncs")
  })

  it("page_size 1 still sees rows move: a lead deleted before the read position between pages skips nothing", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 12, order: "ascending" })
    const id = sim.campaignIds[0]!
    sim.mutations.setBeforeLeadsPage((request, m) => {
      if (request.campaignId === id && request.requestNumber === 4) m.deleteAt(id, 0)
    })
    const run = await read(sim, { ...FAST, page_size: 1 })
    expect(run.code).toBe(0)
    expectSuperset(keysOf(run.messages), expectedKeys(sim), "the sync")
  })

  it("newest first, page size − 2 leads inserted between two requests: a shift, not a server that ignores offset", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 20, order: "descending" })
    const id = sim.campaignIds[0]!
    const before = expectedKeys(sim)
    sim.mutations.setBeforeLeadsPage((request, m) => {
      if (request.campaignId === id && (request.requestNumber === 2 || request.requestNumber === 3)) {
        m.insertLeads(id, 3)
      }
    })
    const run = await read(sim, { ...FAST, page_size: 5 })
    expect(run.code, run.stdout.slice(-300)).toBe(0)
    expectSuperset(keysOf(run.messages), before, "the sync")
  })

  it("newest first, leads imported during every sync: the cursor moves on every sync, and nothing is lost", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 30, order: "descending" })
    const id = sim.campaignIds[0]!
    sim.mutations.setBeforeLeadsPage((request, m) => {
      if (request.campaignId === id && request.requestNumber > 1 && request.query["event_time_gt"] === undefined) {
        m.insertLeads(id, 1)
      }
    })
    const delivered: Array<string> = []
    const cursors: Array<string> = []
    let state: unknown
    for (let sync = 0; sync < 3; sync++) {
      const run = await read(sim, { ...FAST, page_size: 5 }, state)
      expect(run.code).toBe(0)
      delivered.push(...keysOf(run.messages))
      state = stateInput(run.messages)
      cursors.push(entries(lastState(run.messages, "leads")).campaigns[id]!.created_at!)
      sim.addLeads(id, 2)
    }
    expect(cursors[1]! > cursors[0]! && cursors[2]! > cursors[1]!, `cursors ${cursors.join(", ")}`).toBe(true)
    sim.mutations.setBeforeLeadsPage(undefined)
    const clean = await read(sim, FAST, state)
    expectSuperset([...delivered, ...keysOf(clean.messages)], expectedKeys(sim), "the syncs")
  })
})

describe("a resume checks where it is", () => {
  it("a delivered lead deleted and a new one added before the resume (total unchanged): the lead that slid back is not skipped", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 30, order: "ascending" })
    const id = sim.campaignIds[0]!
    // pages of 10 overlapping by 2: offsets 0, 8, 16; the third fails for good
    sim.injectFault({ match: { campaignId: id, offset: 16 }, times: Infinity, kind: { type: "status", status: 503 } })
    const failed = await read(sim, { ...FAST, page_size: 10 })
    expect(failed.code).toBe(1)
    expect(entries(lastState(failed.messages, "leads")).campaigns[id]!.offset).toBe(18)
    sim.clearFaults()
    // the 19th lead (position 18) slides back to 17: a resume at 18 that trusted its offset would skip it
    sim.mutations.deleteAt(id, 3)
    sim.mutations.insertLeads(id, 1)
    expect(sim.leads(id)).toHaveLength(30)
    const resumed = await read(sim, { ...FAST, page_size: 10 }, stateInput(failed.messages))
    expect(resumed.code).toBe(0)
    expectSuperset([...keysOf(failed.messages), ...keysOf(resumed.messages)], expectedKeys(sim), "the two syncs")
  })
})

describe("an activity sweep that trusts an API honouring its filter", () => {
  it("an API that ignores created_at_gt: the main pass drops the old rows it returns, and the sweep still emits the one re-categorised after a reply", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 12 })
    const id = sim.campaignIds[0]!
    const first = await read(sim, { page_size: 5 })
    sim.mutations.setIgnoreCreatedAtFilter(true)
    const old = sim.leads(id)[0]!
    Object.assign(old, { lastSentTime: new Date().toISOString(), categoryId: 3 })
    const second = await read(sim, { page_size: 5 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    const copies = recordsOf(second.messages, "leads").filter((r) => r["id"] === old.id)
    expect(copies.map((r) => r["category_id"])).toEqual([3])
    // the main pass got every row again and dropped those at or before its cursor (one LOG line)
    expect(
      second.messages.some((m) => m.type === "LOG" && /dropped \d+ rows at or before the cursor/.test(m["log"].message))
    )
      .toBe(true)
  })

  it("SmartLead's clock 30 minutes behind ours: a reply it stamps before our last sync's start still arrives with the next sync", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 12 })
    const id = sim.campaignIds[0]!
    const first = await read(sim, { page_size: 5 })
    const old = sim.leads(id)[0]!
    // the reply happens after the first sync; the API's clock stamps it half an hour earlier
    Object.assign(old, { lastSentTime: new Date(Date.now() - 30 * 60_000).toISOString(), categoryId: 2 })
    const second = await read(sim, { page_size: 5 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    expect(recordsOf(second.messages, "leads").filter((r) => r["id"] === old.id).map((r) => r["category_id"]))
      .toEqual([2])
  })

  it("a sweep that finds every lead (a step sent to all of them) delivers them all, and the next sync sweeps again", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 15 })
    const id = sim.campaignIds[0]!
    const first = await read(sim, { page_size: 5 })
    for (const lead of sim.leads(id)) Object.assign(lead, { lastSentTime: new Date().toISOString() })
    sim.clearRequests()
    const second = await read(sim, { page_size: 5 }, stateInput(first.messages))
    expect(keysOf(second.messages).sort()).toEqual(expectedKeys(sim))
    const warnings = second.messages.filter((m) => m.type === "LOG" && m["log"].level === "WARN")
    expect(warnings).toEqual([])
    sim.clearRequests()
    await read(sim, { page_size: 5 }, stateInput(second.messages))
    const sweeps = sim.requests.filter((r) => r.path.endsWith("/leads") && r.query["event_time_gt"] !== undefined)
    expect(sweeps.length).toBeGreaterThan(0)
  })

  it("a resumed sync sweeps too: a reply made before a failed sync arrives with the resume", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 12 })
    const id = sim.campaignIds[0]!
    const first = await read(sim, { page_size: 5 })
    const old = sim.leads(id)[0]!
    sim.addLeads(id, 15)
    Object.assign(old, { lastSentTime: new Date().toISOString() })
    sim.injectFault({ match: { campaignId: id, offset: 9 }, times: Infinity, kind: { type: "status", status: 503 } })
    const failed = await read(sim, { ...FAST, page_size: 5 }, stateInput(first.messages))
    expect(failed.code).toBe(1)
    expect(entries(lastState(failed.messages, "leads")).campaigns[id]!.offset).toBeDefined()
    sim.clearFaults()
    const resumed = await read(sim, { ...FAST, page_size: 5 }, stateInput(failed.messages))
    expect(resumed.code).toBe(0)
    expect(recordsOf(resumed.messages, "leads").map((r) => r["id"])).toContain(old.id)
  })

  it("an entry without activity_at (a state written by hand) sweeps from its cursor", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 10 })
    const id = sim.campaignIds[0]!
    const cursor = sim.leads(id).at(-1)!.createdAt
    const old = sim.leads(id)[0]!
    Object.assign(old, { lastSentTime: new Date().toISOString() })
    const run = await read(sim, {}, { created_at: cursor, campaigns: { [id]: { created_at: cursor } } })
    expect(run.code).toBe(0)
    expect(recordsOf(run.messages, "leads").map((r) => r["id"])).toContain(old.id)
  })
})

describe("the limit the README states: a late commit behind the read position, balanced by a deletion", () => {
  /** A first sync during which a lead before the read position is deleted and a lead dated near the start is committed. */
  const lateCommit = async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 20, order: "ascending" })
    const id = sim.campaignIds[0]!
    const lateAt = new Date(Date.parse(sim.leads(id)[0]!.createdAt) + 1).toISOString()
    let late: number | undefined
    sim.mutations.setBeforeLeadsPage((request, m) => {
      if (request.campaignId === id && request.requestNumber === 2 && late === undefined) {
        m.deleteAt(id, 5)
        late = m.insertLeads(id, 1, lateAt)[0]!.id
      }
    })
    const first = await read(sim, { ...FAST, page_size: 5 })
    sim.mutations.setBeforeLeadsPage(undefined)
    expect(first.code).toBe(0)
    return { sim, id, first, late: late!, lateAt }
  }

  it("is not in the next incremental sync, and arrives with the campaign's next full read", async () => {
    const { first, late, sim } = await lateCommit()
    expect(keysOf(first.messages).some((key) => key.endsWith(`:${late}`))).toBe(false)
    const next = await read(sim, FAST, stateInput(first.messages))
    expect(recordsOf(next.messages, "leads").map((r) => r["id"])).not.toContain(late)
    const full = await read(sim, { ...FAST, reconcile_interval_hours: 0 }, stateInput(next.messages))
    expect(recordsOf(full.messages, "leads").map((r) => r["id"])).toContain(late)
  })

  it("arrives with the next sync when lookback_window_seconds covers how late it was committed", async () => {
    const { first, id, late, lateAt, sim } = await lateCommit()
    const cursor = Date.parse(entries(lastState(first.messages, "leads")).campaigns[id]!.created_at!)
    const lookback = Math.ceil((cursor - Date.parse(lateAt)) / 1000) + 60
    const next = await read(sim, { ...FAST, lookback_window_seconds: lookback }, stateInput(first.messages))
    expect(recordsOf(next.messages, "leads").map((r) => r["id"])).toContain(late)
  })
})
