/** The simulator's mutation mode (Mutations.ts), over HTTP as a connector sees it. */
import { afterEach, describe, expect, it } from "vitest"
import { latestActivity, throughout, zoneless, zonelessToIso } from "./Mutations.js"
import type { LeadsPageRequest, Simulator, SimulatorOptions } from "./Simulator.js"
import { startSimulator } from "./Simulator.js"

const sims: Array<Simulator> = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})
const start = async (options: SimulatorOptions) => {
  const sim = await startSimulator(options)
  sims.push(sim)
  return sim
}

const get = async (sim: Simulator, path: string, params: Record<string, string | number> = {}): Promise<any> => {
  const url = new URL(sim.url + path)
  url.searchParams.set("api_key", sim.apiKey)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v))
  const res = await fetch(url)
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json()
}

const rowsOf = (body: any): Array<any> => body.data ?? body.leads

const idOf = (row: any): number => row.lead?.id ?? row.id
const page = (sim: Simulator, id: number, offset: number, limit: number, extra: Record<string, string> = {}) =>
  get(sim, `/campaigns/${id}/leads`, { offset, limit, ...extra })

describe("mutations of the data", () => {
  it("a hook before each page sees the request and can delete a row already served: the next page shifts", async () => {
    const seen: Array<LeadsPageRequest> = []
    const sim = await start({
      campaigns: 1,
      leadsPerCampaign: 20,
      hostile: {
        beforeLeadsPage: (request, m) => {
          seen.push(request)
          if (request.offset > 0) m.deleteAt(request.campaignId, 0)
        }
      }
    })
    const id = sim.campaignIds[0]!
    const initial = sim.leads(id).map((l) => l.id)
    const first = rowsOf(await page(sim, id, 0, 5)).map(idOf)
    const second = rowsOf(await page(sim, id, 5, 5)).map(idOf)
    expect(first).toEqual(initial.slice(0, 5))
    // the first lead is gone, so offset 5 now starts at what was position 6: position 5 is skipped
    expect(second).toEqual(initial.slice(6, 11))
    expect(seen.map((r) => [r.offset, r.limit, r.requestNumber])).toEqual([[0, 5, 1], [5, 5, 2]])
    expect(sim.mutations.log.map((e) => [e.kind, e.leadId])).toEqual([["delete", initial[0]]])
    expect(sim.leads(id)).toHaveLength(19)
    expect(sim.mutations.present().has(`${id}:${initial[0]}`)).toBe(false)
    expect(sim.mutations.ever().has(`${id}:${initial[0]}`)).toBe(true)
  })

  it("inserts land where the order puts them: last oldest-first, first newest-first", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6, order: "descending" })
    const id = sim.campaignIds[0]!
    const [added] = sim.mutations.insertLeads(id, 1)
    expect(idOf(rowsOf(await page(sim, id, 0, 3))[0])).toBe(added!.id)
    sim.setOrder("ascending")
    expect(rowsOf(await page(sim, id, 0, 10)).map(idOf).at(-1)).toBe(added!.id)
    expect(sim.mutations.served(id).map((l) => l.id).at(-1)).toBe(added!.id)
    expect(sim.mutations.log.at(-1)).toMatchObject({ kind: "insert", campaignId: id, leadId: added!.id })
  })

  it("present/ever/throughout track which leads existed throughout", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 4 })
    const [a, b] = sim.campaignIds as [number, number]
    const before = sim.mutations.present()
    const gone = sim.mutations.deleteAt(a, 1)
    const [added] = sim.mutations.insertLeads(b, 1)
    const after = sim.mutations.present()
    const kept = throughout(before, after)
    expect(kept.size).toBe(7)
    expect(kept.has(`${a}:${gone.id}`)).toBe(false)
    expect(kept.has(`${b}:${added!.id}`)).toBe(false)
    expect(sim.mutations.ever().size).toBe(9)
    expect(() => sim.mutations.deleteLead(a, gone.id)).toThrow(/no lead/)
  })

  it("re-categorising moves a lead into a lead_category_id filter; with activity, event_time_gt finds it", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 30, shape: "documented" })
    const id = sim.campaignIds[0]!
    const quiet = sim.leads(id).find((l) => l.categoryId !== 1)!
    const loud = sim.leads(id).find((l) => l.categoryId !== 1 && l.id !== quiet.id)!
    const before = rowsOf(await page(sim, id, 0, 100, { lead_category_id: "1" })).map(idOf)
    expect(before).not.toContain(quiet.id)
    const now = new Date().toISOString()
    sim.mutations.recategorise(id, quiet.id, 1)
    sim.mutations.recategorise(id, loud.id, 1, now)
    const after = rowsOf(await page(sim, id, 0, 100, { lead_category_id: "1" }))
    expect(after.map(idOf)).toEqual(expect.arrayContaining([quiet.id, loud.id]))
    expect(after.find((r) => r.id === loud.id)).toMatchObject({ category_id: 1, category_name: "Interested" })
    // only the change with activity is newer than a recent event_time_gt
    const since = new Date(Date.parse(now) - 60_000).toISOString()
    const active = rowsOf(await page(sim, id, 0, 100, { event_time_gt: since })).map(idOf)
    expect(active).toEqual([loud.id])
    expect(latestActivity(sim.leads(id).find((l) => l.id === loud.id)!)).toBe(now)
    expect(sim.leads(id).find((l) => l.id === loud.id)!.emailStats["is_replied"]).toBe(true)
    // last_sent_time_gt still filters on sends only
    expect(rowsOf(await page(sim, id, 0, 100, { last_sent_time_gt: since }))).toEqual([])
    // update changes other fields the same way
    sim.mutations.update(id, quiet.id, { status: "PAUSED" })
    expect(rowsOf(await page(sim, id, 0, 100)).find((r) => r.id === quiet.id).status).toBe("PAUSED")
  })

  it("setCreatedAt moves a lead in order and filters; setCreatedAtText changes only the served text", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 8 })
    const id = sim.campaignIds[0]!
    const first = sim.leads(id)[0]!
    sim.mutations.setCreatedAt(id, first.id, "2099-01-01T00:00:00.000Z")
    const rows = rowsOf(await page(sim, id, 0, 100))
    expect(idOf(rows.at(-1))).toBe(first.id)
    expect(rows.at(-1).created_at).toBe("2099-01-01T00:00:00.000Z")
    expect(rowsOf(await page(sim, id, 0, 100, { created_at_gt: "2030-01-01T00:00:00Z" })).map(idOf)).toEqual([first.id])
    const second = sim.leads(id)[0]!
    sim.mutations.setCreatedAtText(id, second.id, "01/02/2025")
    const again = rowsOf(await page(sim, id, 0, 100))
    expect(again[0].created_at).toBe("01/02/2025")
    expect(idOf(again[0])).toBe(second.id)
    sim.mutations.setCreatedAtText(id, second.id, undefined)
    expect(rowsOf(await page(sim, id, 0, 1))[0].created_at).toBe(second.createdAt)
  })
})

describe("misbehaviour of the server", () => {
  it("misreports totals in both shapes (too small, 0, too large, a function)", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 12, shape: "mixed" })
    const [real, documented] = sim.campaignIds as [number, number]
    expect(sim.shapeOf(real)).toBe("real")
    const cases: Array<[Parameters<Simulator["mutations"]["setTotals"]>[0], number]> = [
      [undefined, 12],
      ["true", 12],
      ["tooSmall", 4],
      ["zero", 0],
      ["tooLarge", 31],
      [(n) => n - 1, 11]
    ]
    for (const [mode, expected] of cases) {
      sim.mutations.setTotals(mode)
      expect((await page(sim, real, 0, 5)).total_leads).toBe(String(expected))
      expect((await page(sim, documented, 5, 5)).total).toBe(expected)
    }
    // the rows themselves are all there
    expect(rowsOf(await page(sim, real, 0, 100))).toHaveLength(12)
  })

  it("caps limit silently and echoes the asked limit, the applied one, or none", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 12, hostile: { limitCap: 3 } })
    const id = sim.campaignIds[0]!
    const asked = await page(sim, id, 0, 10)
    expect(rowsOf(asked)).toHaveLength(3)
    expect(asked.limit).toBe(10)
    sim.mutations.setLimitCap(4, "applied")
    const applied = await page(sim, id, 8, 10)
    expect(rowsOf(applied).map(idOf)).toEqual(sim.leads(id).slice(8, 12).map((l) => l.id))
    expect(applied.limit).toBe(4)
    sim.mutations.setLimitCap(4, "none")
    expect("limit" in (await page(sim, id, 0, 10))).toBe(false)
    sim.mutations.setLimitCap(undefined, "asked")
    expect(rowsOf(await page(sim, id, 0, 10))).toHaveLength(10)
    expect(() => sim.mutations.setLimitCap(0)).toThrow()
  })

  it("serves zone-less created_at meaning UTC; the stored instant still filters", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6, hostile: { timestamps: "zoneless" } })
    const id = sim.campaignIds[0]!
    const rows = rowsOf(await page(sim, id, 0, 10))
    sim.leads(id).forEach((lead, i) => {
      expect(rows[i].created_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
      expect(rows[i].created_at).toBe(zoneless(lead.createdAt))
      expect(Date.parse(zonelessToIso(rows[i].created_at))).toBe(Math.floor(Date.parse(lead.createdAt) / 1000) * 1000)
    })
    expect(zoneless("2025-01-01T12:00:00.999Z")).toBe("2025-01-01 12:00:00")
    expect(zonelessToIso("2025-01-01 12:00:00")).toBe("2025-01-01T12:00:00.000Z")
    sim.mutations.setTimestamps("iso")
    expect(rowsOf(await page(sim, id, 0, 1))[0].created_at).toBe(sim.leads(id)[0]!.createdAt)
  })

  it("ignores created_at_gt when told to, at any time", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6 })
    const id = sim.campaignIds[0]!
    const params = { created_at_gt: "2030-01-01T00:00:00.000Z" }
    expect(rowsOf(await page(sim, id, 0, 10, params))).toHaveLength(0)
    sim.mutations.setIgnoreCreatedAtFilter(true)
    expect(rowsOf(await page(sim, id, 0, 10, params))).toHaveLength(6)
    sim.mutations.setIgnoreCreatedAtFilter(false)
    expect(rowsOf(await page(sim, id, 0, 10, params))).toHaveLength(0)
  })

  it("lists campaigns as the test says: twice, or with an id that is not a number", async () => {
    const sim = await start({
      campaigns: 2,
      leadsPerCampaign: 1,
      hostile: { campaignsListing: (campaigns) => [...campaigns, campaigns[0], { ...campaigns[1], id: "abc" }] }
    })
    const listed = (await get(sim, "/campaigns")).map((c: { id: unknown }) => c.id)
    expect(listed).toEqual([...sim.campaignIds, sim.campaignIds[0], "abc"])
    sim.mutations.setCampaignsListing(undefined)
    expect((await get(sim, "/campaigns")).map((c: { id: unknown }) => c.id)).toEqual([...sim.campaignIds])
  })
})
