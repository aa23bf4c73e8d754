import { build } from "esbuild"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CATEGORIES, DEFAULT_API_KEY, startSimulator, toDocumentedLead, toRealRow } from "./Simulator.js"
import type { SimLead, Simulator, SimulatorOptions } from "./Simulator.js"

interface Res {
  status: number
  headers: Headers
  text: string
  json: () => any
}

const call = async (
  sim: Simulator,
  path: string,
  params: Record<string, string | number> = {},
  init: { apiKey?: string | null; signal?: AbortSignal; headers?: Record<string, string> } = {}
): Promise<Res> => {
  const u = new URL(sim.url + path)
  const key = init.apiKey === undefined ? sim.apiKey : init.apiKey
  if (key !== null) u.searchParams.set("api_key", key)
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v))
  const res = await fetch(u, {
    ...(init.signal ? { signal: init.signal } : {}),
    ...(init.headers ? { headers: init.headers } : {})
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) }
}

const leadsPath = (id: number) => `/campaigns/${id}/leads`

/** Pages through a campaign; returns the concatenated rows (real `data` or documented `leads`). */
const pageAll = async (sim: Simulator, id: number, limit: number, extra: Record<string, string> = {}) => {
  const rows: Array<any> = []
  for (let offset = 0;; offset += limit) {
    const r = await call(sim, leadsPath(id), { offset, limit, ...extra })
    expect(r.status).toBe(200)
    const body = r.json()
    const page: Array<any> = body.data ?? body.leads
    rows.push(...page)
    if (page.length < limit) return rows
  }
}

const withSim = async (options: SimulatorOptions, f: (sim: Simulator) => Promise<void>) => {
  const sim = await startSimulator(options)
  try {
    await f(sim)
  } finally {
    await sim.close()
  }
}

describe("data", () => {
  let sim: Simulator
  beforeAll(async () => {
    sim = await startSimulator({ campaigns: 3, leadsPerCampaign: 40 })
  })
  afterAll(() => sim.close())

  it("has the documented ids, formats and variety", () => {
    expect(sim.campaignIds).toEqual([2710262, 2710263, 2710264])
    expect(sim.apiKey).toBe(DEFAULT_API_KEY)
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/api/v1`)
    const all = sim.leads()
    expect(all).toHaveLength(120)
    expect(new Set(all.map((l) => l.id)).size).toBe(120)
    for (const l of all) {
      expect(l.id).toBeGreaterThan(2 ** 31)
      expect(l.campaignLeadMapId).toBeGreaterThan(2 ** 31)
      expect(Number.isSafeInteger(l.id)).toBe(true)
      expect(l.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      expect(Date.parse(l.createdAt)).toBeGreaterThanOrEqual(Date.parse("2025-01-01T00:00:00.000Z"))
      expect(["STARTED", "INPROGRESS", "COMPLETED", "PAUSED", "STOPPED"]).toContain(l.status)
      if (l.categoryId !== null) expect(l.categoryName).toBe(CATEGORIES.find((c) => c.id === l.categoryId)?.name)
    }
    expect(all.some((l) => l.categoryId === null)).toBe(true)
    expect(all.some((l) => l.categoryId !== null)).toBe(true)
    expect(all.some((l) => l.phoneNumber === null)).toBe(true)
    expect(all.some((l) => l.lastSentTime === null)).toBe(true)
    expect(all.some((l) => /[\u0080-\uffff]/.test(`${l.firstName}${l.lastName}`))).toBe(true)
    expect(all.some((l) => l.customFields !== null && Object.keys(l.customFields).length > 0)).toBe(true)
  })

  it("includes bulk imports (3–5 leads sharing created_at) and is ascending per campaign", () => {
    for (const id of sim.campaignIds) {
      const ls = sim.leads(id)
      const counts = new Map<string, number>()
      for (const l of ls) counts.set(l.createdAt, (counts.get(l.createdAt) ?? 0) + 1)
      const groups = [...counts.values()].filter((n) => n > 1)
      expect(groups.length).toBeGreaterThan(0)
      for (const n of groups) {
        expect(n).toBeGreaterThanOrEqual(3)
        expect(n).toBeLessThanOrEqual(5)
      }
      const times = ls.map((l) => Date.parse(l.createdAt))
      expect([...times].sort((a, b) => a - b)).toEqual(times)
    }
  })

  it("is deterministic for a seed and differs across seeds", async () => {
    const strip = (ls: ReadonlyArray<SimLead>) => JSON.stringify(ls)
    const a = await startSimulator({ seed: 7, leadsPerCampaign: 10 })
    const b = await startSimulator({ seed: 7, leadsPerCampaign: 10 })
    const c = await startSimulator({ seed: 8, leadsPerCampaign: 10 })
    try {
      expect(strip(a.leads())).toBe(strip(b.leads()))
      expect(strip(a.leads())).not.toBe(strip(c.leads()))
    } finally {
      await Promise.all([a.close(), b.close(), c.close()])
    }
  })

  it("accepts per-campaign lead counts, including 0", async () => {
    await withSim({ leadsPerCampaign: [3, 0, 7] }, async (s) => {
      expect(s.campaignIds).toHaveLength(3)
      expect(s.campaignIds.map((id) => s.leads(id).length)).toEqual([3, 0, 7])
      const r = await call(s, leadsPath(s.campaignIds[1]!), { offset: 0, limit: 100 })
      expect(r.json()).toEqual({ total_leads: "0", offset: 0, limit: 100, data: [] })
    })
  })
})

describe("endpoints", () => {
  let sim: Simulator
  beforeAll(async () => {
    sim = await startSimulator({ campaigns: 4, leadsPerCampaign: 25 })
  })
  afterAll(() => sim.close())

  it("rejects missing or wrong api keys on every endpoint", async () => {
    for (
      const path of [
        "/campaigns",
        `/campaigns/${sim.campaignIds[0]}`,
        leadsPath(sim.campaignIds[0]!),
        "/leads/fetch-categories",
        "/nope"
      ]
    ) {
      for (const apiKey of [null, "wrong"]) {
        const r = await call(sim, path, { offset: 0, limit: 10 }, { apiKey })
        expect(r.status).toBe(401)
        expect(r.json()).toEqual({ message: "Invalid API Key" })
      }
    }
  })

  it("lists campaigns as a bare array and serves one by id", async () => {
    const r = await call(sim, "/campaigns")
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toMatch(/application\/json/)
    const list = r.json()
    expect(Array.isArray(list)).toBe(true)
    expect(list.map((c: any) => c.id)).toEqual(sim.campaignIds)
    for (
      const key of [
        "id",
        "user_id",
        "created_at",
        "updated_at",
        "status",
        "name",
        "track_settings",
        "scheduler_cron_value",
        "min_time_btwn_emails",
        "max_leads_per_day",
        "stop_lead_settings",
        "enable_ai_esp_matching",
        "send_as_plain_text",
        "follow_up_percentage",
        "unsubscribe_text",
        "parent_campaign_id",
        "client_id",
        "tags"
      ]
    ) {
      expect(list[0]).toHaveProperty(key)
    }
    const one = await call(sim, `/campaigns/${sim.campaignIds[1]}`)
    expect(one.json()).toEqual(list[1])
    const missing = await call(sim, "/campaigns/999")
    expect(missing.status).toBe(404)
  })

  it("serves the categories", async () => {
    const r = await call(sim, "/leads/fetch-categories")
    expect(r.json()).toEqual(CATEGORIES)
    expect(r.json().map((c: any) => c.id)).toEqual([1, 2, 3, 789])
  })

  it("404s unknown paths and unknown campaigns", async () => {
    const r = await call(sim, "/something/else")
    expect(r.status).toBe(404)
    expect(r.json()).toHaveProperty("error")
    const l = await call(sim, leadsPath(123), { offset: 0, limit: 10 })
    expect(l.status).toBe(404)
    expect(l.json()).toEqual({ error: "Campaign not found - Invalid campaign_id." })
    const nonNumeric = await call(sim, "/campaigns/abc/leads", { offset: 0, limit: 10 })
    expect(nonNumeric.status).toBe(404)
  })

  it("validates limit and offset with 422", async () => {
    const id = sim.campaignIds[0]!
    const cases: Array<[Record<string, string | number>, string]> = [
      [{ offset: 0 }, "limit"],
      [{ offset: 0, limit: 101 }, "limit must be less than or equal to 100"],
      [{ offset: 0, limit: 0 }, "limit"],
      [{ offset: 0, limit: "abc" }, "limit"],
      [{ offset: 0, limit: "1.5" }, "limit"],
      [{ offset: -1, limit: 10 }, "offset"],
      [{ offset: "x", limit: 10 }, "offset"],
      [{ offset: 0, limit: 10, created_at_gt: "not-a-date" }, "created_at_gt"],
      [{ offset: 0, limit: 10, emailStatus: "is_weird" }, "emailStatus"]
    ]
    for (const [params, message] of cases) {
      const r = await call(sim, leadsPath(id), params)
      expect(r.status, JSON.stringify(params)).toBe(422)
      expect(r.json().error).toContain(message)
    }
    const ok = await call(sim, leadsPath(id), { limit: 100 })
    expect(ok.status).toBe(200)
    expect(ok.json().offset).toBe(0)
  })

  it("pages through the real shape", async () => {
    const id = sim.campaignIds[0]!
    const first = (await call(sim, leadsPath(id), { offset: 0, limit: 10 })).json()
    expect(Object.keys(first)).toEqual(["total_leads", "offset", "limit", "data"])
    expect(first.total_leads).toBe("25")
    expect(first.data[0]).toEqual(toRealRow(sim.leads(id)[0]!))
    expect(Object.keys(first.data[0].lead)).toEqual([
      "id",
      "first_name",
      "last_name",
      "email",
      "phone_number",
      "company_name",
      "website",
      "location",
      "linkedin_profile",
      "company_url",
      "custom_fields",
      "is_unsubscribed",
      "unsubscribed_client_id_map"
    ])
    const rows = await pageAll(sim, id, 10)
    expect(rows).toEqual(sim.leads(id).map(toRealRow))
    const beyond = (await call(sim, leadsPath(id), { offset: 1000, limit: 10 })).json()
    expect(beyond).toEqual({ total_leads: "25", offset: 1000, limit: 10, data: [] })
  })

  it("serialises ids above 2^31 as plain JSON numbers", async () => {
    const r = await call(sim, leadsPath(sim.campaignIds[0]!), { offset: 0, limit: 1 })
    expect(r.text).toMatch(/"campaign_lead_map_id":24\d{8},/)
    expect(r.text).toMatch(/"lead":\{"id":299\d{7},/)
  })

  it("serves the documented shape and mixed shapes", async () => {
    const s = await startSimulator({ shape: "documented", leadsPerCampaign: 12 })
    try {
      const id = s.campaignIds[0]!
      const first = (await call(s, leadsPath(id), { offset: 0, limit: 5 })).json()
      expect(Object.keys(first)).toEqual(["total", "leads", "offset", "limit"])
      expect(first.total).toBe(12)
      expect(Object.keys(first.leads[0])).toEqual([
        "id",
        "email",
        "first_name",
        "last_name",
        "company_name",
        "status",
        "category_id",
        "category_name",
        "created_at",
        "last_sent_time",
        "email_stats",
        "custom_fields"
      ])
      expect(Object.keys(first.leads[0].email_stats)).toEqual(["is_opened", "is_clicked", "is_replied", "is_bounced"])
      expect(await pageAll(s, id, 5)).toEqual(s.leads(id).map(toDocumentedLead))

      s.setShape("mixed")
      const shapes = await Promise.all(
        s.campaignIds.map(async (cid) =>
          Object.keys((await call(s, leadsPath(cid), { offset: 0, limit: 1 })).json())[0]
        )
      )
      expect(shapes).toEqual(["total_leads", "total", "total_leads"])
      expect(s.campaignIds.map((cid) => s.shapeOf(cid))).toEqual(["real", "documented", "real"])
    } finally {
      await s.close()
    }
  })

  it("includes extra unknown fields in both shapes", async () => {
    await withSim({ leadsPerCampaign: 6, extraFieldsEvery: 2 }, async (s) => {
      const id = s.campaignIds[0]!
      const lead = s.leads(id)[0]!
      lead.extra = { brand_new_field: "surprise", nested: { a: 1 } }
      const real = (await call(s, leadsPath(id), { offset: 0, limit: 100 })).json()
      expect(real.data[0].brand_new_field).toBe("surprise")
      expect(real.data.filter((r: any) => "sim_note" in r)).toHaveLength(3)
      s.setShape("documented")
      const doc = (await call(s, leadsPath(id), { offset: 0, limit: 100 })).json()
      expect(doc.leads[0].nested).toEqual({ a: 1 })
      expect(doc.leads).toEqual(s.leads(id).map(toDocumentedLead))
    })
  })
})

describe("filters and ordering", () => {
  let sim: Simulator
  beforeAll(async () => {
    sim = await startSimulator({ campaigns: 2, leadsPerCampaign: 60, seed: 3 })
  })
  afterAll(() => sim.close())

  const ids = (rows: Array<any>) => rows.map((r) => r.lead.id)

  it("created_at_gt is strict and compares instants", async () => {
    const id = sim.campaignIds[0]!
    const all = sim.leads(id)
    const bulk = all[3]! // a bulk group always starts at index 3
    expect(all[4]!.createdAt).toBe(bulk.createdAt)
    const expected = all.filter((l) => Date.parse(l.createdAt) > Date.parse(bulk.createdAt)).map((l) => l.id)
    expect(ids(await pageAll(sim, id, 7, { created_at_gt: bulk.createdAt }))).toEqual(expected)
    // same instant in another notation
    const offsetNotation = new Date(Date.parse(bulk.createdAt)).toISOString().replace("Z", "+00:00")
    expect(ids(await pageAll(sim, id, 100, { created_at_gt: offsetNotation }))).toEqual(expected)
    const r = (await call(sim, leadsPath(id), { offset: 0, limit: 5, created_at_gt: bulk.createdAt })).json()
    expect(r.total_leads).toBe(String(expected.length))
  })

  it("ignoreCreatedAtFilter makes the server ignore created_at_gt", async () => {
    await withSim({ leadsPerCampaign: 10, ignoreCreatedAtFilter: true }, async (s) => {
      const id = s.campaignIds[0]!
      const rows = await pageAll(s, id, 100, { created_at_gt: "2030-01-01T00:00:00.000Z" })
      expect(rows).toHaveLength(10)
    })
  })

  it("filters by status, lead_category_id, emailStatus, last_sent_time_gt and event_time_gt", async () => {
    const id = sim.campaignIds[1]!
    const all = sim.leads(id)
    const check = async (params: Record<string, string>, pred: (l: SimLead) => boolean) => {
      const expected = all.filter(pred).map((l) => l.id)
      expect(ids(await pageAll(sim, id, 100, params)), JSON.stringify(params)).toEqual(expected)
      return expected.length
    }
    expect(await check({ status: "INPROGRESS" }, (l) => l.status === "INPROGRESS")).toBeGreaterThan(0)
    // A category some leads have (and others lack), so the filter has something to keep and to drop.
    const category = all.find((l) => l.categoryId !== null)?.categoryId
    expect(category, "the campaign has a categorised lead").toBeTypeOf("number")
    const inCategory = await check({ lead_category_id: String(category) }, (l) => l.categoryId === category)
    expect(inCategory).toBeGreaterThan(0)
    expect(inCategory).toBeLessThan(all.length)
    for (
      const flag of [
        "is_opened",
        "is_clicked",
        "is_bounced",
        "is_replied",
        "is_unsubscribed",
        "is_spam",
        "is_accepted",
        "is_sender_bounced"
      ]
    ) {
      await check({ emailStatus: flag }, (l) => l.emailStats[flag] === true)
    }
    expect(await check({ emailStatus: "not_replied" }, (l) => !l.emailStats["is_replied"])).toBeGreaterThan(0)
    const sent = all.filter((l) => l.lastSentTime !== null).map((l) => l.lastSentTime!).sort()
    const mid = sent[Math.floor(sent.length / 2)]!
    const n = await check({ last_sent_time_gt: mid }, (l) => l.lastSentTime !== null && l.lastSentTime > mid)
    expect(n).toBeGreaterThan(0)
    await check({ event_time_gt: mid }, (l) => l.lastSentTime !== null && l.lastSentTime > mid)
    await check(
      { status: "COMPLETED", emailStatus: "is_opened" },
      (l) => l.status === "COMPLETED" && l.emailStats["is_opened"] === true
    )
  })

  it("orders descending and shuffled (stable across requests)", async () => {
    await withSim({ leadsPerCampaign: 30, order: "descending" }, async (s) => {
      const id = s.campaignIds[0]!
      const asc = s.leads(id).map((l) => l.id)
      expect(ids(await pageAll(s, id, 7))).toEqual([...asc].reverse())
      s.setOrder("shuffled")
      const a = ids(await pageAll(s, id, 7))
      const b = ids(await pageAll(s, id, 4))
      expect(a).toEqual(b)
      expect(a).not.toEqual(asc)
      expect([...a].sort()).toEqual([...asc].sort())
      // filters then order then paging
      const cut = s.leads(id)[10]!.createdAt
      const filtered = ids(await pageAll(s, id, 5, { created_at_gt: cut }))
      expect(filtered).toEqual(a.filter((x) => s.leads(id).find((l) => l.id === x)!.createdAt > cut))
    })
  })

  it("addLeads adds newer leads (or at a given instant) and addCampaign creates a campaign", async () => {
    await withSim({ leadsPerCampaign: 5 }, async (s) => {
      const id = s.campaignIds[0]!
      const maxBefore = Math.max(...s.leads().map((l) => Date.parse(l.createdAt)))
      const added = s.addLeads(id, 4)
      expect(added).toHaveLength(4)
      for (const l of added) expect(Date.parse(l.createdAt)).toBeGreaterThan(maxBefore)
      expect(ids(await pageAll(s, id, 3, { created_at_gt: new Date(maxBefore).toISOString() }))).toEqual(
        added.map((l) => l.id)
      )
      const at = s.addLeads(id, 3, "2024-06-01T00:00:00.000Z")
      expect(at.map((l) => l.createdAt)).toEqual(Array(3).fill("2024-06-01T00:00:00.000Z"))
      expect(s.leads(id).slice(0, 3)).toEqual(at) // canonical order is by created_at
      const first = (await call(s, leadsPath(id), { offset: 0, limit: 3 })).json()
      expect(first.data.map((r: any) => r.lead.id)).toEqual(at.map((l) => l.id))
      const newId = s.addCampaign(4)
      expect(newId).toBe(s.campaignIds[s.campaignIds.length - 2]! + 1)
      expect((await call(s, "/campaigns")).json().map((c: any) => c.id)).toContain(newId)
      expect(await pageAll(s, newId, 100)).toHaveLength(4)
      expect(() => s.addLeads(42, 1)).toThrow()
    })
  })
})

describe("faults", () => {
  it("injects status, html, emptyObject, emptyBody and truncated responses, respecting match and times", async () => {
    await withSim({ leadsPerCampaign: 20 }, async (s) => {
      const [c0, c1] = s.campaignIds as [number, number]
      s.injectFault({ match: { campaignId: c1, offset: 10 }, times: 2, kind: { type: "status", status: 500 } })
      expect((await call(s, leadsPath(c0), { offset: 10, limit: 10 })).status).toBe(200)
      expect((await call(s, leadsPath(c1), { offset: 0, limit: 10 })).status).toBe(200)
      const e1 = await call(s, leadsPath(c1), { offset: 10, limit: 10 })
      expect(e1.status).toBe(500)
      expect(() => e1.json()).not.toThrow()
      expect((await call(s, leadsPath(c1), { offset: 10, limit: 10 })).status).toBe(500)
      expect((await call(s, leadsPath(c1), { offset: 10, limit: 10 })).status).toBe(200)

      s.injectFault({
        match: { path: "/campaigns" },
        kind: { type: "status", status: 503, body: "oops", headers: { "x-why": "maint" } }
      })
      const custom = await call(s, "/campaigns")
      expect([custom.status, custom.text, custom.headers.get("x-why")]).toEqual([503, "oops", "maint"])

      s.injectFault({ match: { path: /\/leads$/ }, kind: { type: "html", status: 502 } })
      const html = await call(s, leadsPath(c0), { offset: 0, limit: 10 })
      expect(html.status).toBe(502)
      expect(html.headers.get("content-type")).toMatch(/text\/html/)
      expect(html.text).toContain("<html>")

      s.injectFault({ kind: { type: "emptyObject" } })
      const empty = await call(s, leadsPath(c0), { offset: 0, limit: 10 })
      expect([empty.status, empty.text]).toEqual([200, "{}"])

      s.injectFault({ kind: { type: "emptyBody" } })
      const nobody = await call(s, leadsPath(c0), { offset: 0, limit: 10 })
      expect([nobody.status, nobody.text]).toEqual([200, ""])

      s.injectFault({ kind: { type: "truncated" } })
      const cut = await call(s, leadsPath(c0), { offset: 0, limit: 10 })
      const full = await call(s, leadsPath(c0), { offset: 0, limit: 10 })
      expect(cut.status).toBe(200)
      expect(cut.headers.get("content-length")).toBeNull()
      expect(() => cut.json()).toThrow()
      expect(() => full.json()).not.toThrow()
      expect(full.text.startsWith(cut.text)).toBe(true)
      expect(cut.text.length).toBe(Math.floor(full.text.length / 2))
    })
  })

  it("resets and hangs; close() does not hang", async () => {
    const s = await startSimulator({ leadsPerCampaign: 3 })
    const id = s.campaignIds[0]!
    s.injectFault({ kind: { type: "reset" } })
    await expect(call(s, leadsPath(id), { offset: 0, limit: 10 })).rejects.toThrow()
    expect((await call(s, leadsPath(id), { offset: 0, limit: 10 })).status).toBe(200)
    s.injectFault({ kind: { type: "hang" }, times: Infinity })
    await expect(call(s, "/campaigns", {}, { signal: AbortSignal.timeout(150) })).rejects.toThrow()
    const pending = call(s, "/campaigns").catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 50))
    const t0 = Date.now()
    await s.close()
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(await pending).toBeInstanceOf(Error)
    expect(s.requests.filter((r) => r.fault === "hang")).toHaveLength(2)
    expect(s.requests.find((r) => r.fault === "reset")?.status).toBe(0)
  })

  it("rateLimited fault: Retry-After header and body", async () => {
    await withSim({}, async (s) => {
      s.injectFault({ kind: { type: "rateLimited", retryAfterSeconds: 7 } })
      const r = await call(s, "/campaigns")
      expect(r.status).toBe(429)
      expect(r.headers.get("retry-after")).toBe("7")
      expect(r.json().error).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", retry_after: 7 })
      s.injectFault({ kind: { type: "rateLimited", header: false, bodyRetryAfter: false } })
      const bare = await call(s, "/campaigns")
      expect(bare.status).toBe(429)
      expect(bare.headers.get("retry-after")).toBeNull()
      expect(bare.json().error.retry_after).toBeUndefined()
      s.injectFault({ kind: { type: "status", status: 500 } })
      s.clearFaults()
      expect((await call(s, "/campaigns")).status).toBe(200)
    })
  })

  it("random faults on leads requests are deterministic", async () => {
    const statuses = async () => {
      const s = await startSimulator({
        leadsPerCampaign: 5,
        faultRate: { probability: 0.3, kinds: [{ type: "status", status: 500 }, { type: "emptyObject" }], seed: 99 }
      })
      try {
        const out: Array<string> = []
        for (let i = 0; i < 40; i++) {
          const r = await call(s, leadsPath(s.campaignIds[0]!), { offset: 0, limit: 10 })
          out.push(`${r.status}:${r.text.length}`)
        }
        for (let i = 0; i < 5; i++) expect((await call(s, "/campaigns")).status).toBe(200)
        return out
      } finally {
        await s.close()
      }
    }
    const a = await statuses()
    expect(a).toEqual(await statuses())
    expect(a.filter((x) => x.startsWith("500")).length).toBeGreaterThan(0)
    expect(a.filter((x) => x === "200:2").length).toBeGreaterThan(0)
    expect(a.filter((x) => x.startsWith("200") && x !== "200:2").length).toBeGreaterThan(10)
  })

  it("server-side rate limit per second with Retry-After", async () => {
    await withSim({ rateLimit: { perSecond: 3, retryAfterSeconds: 1 } }, async (s) => {
      const rs = await Promise.all(Array.from({ length: 5 }, () => call(s, "/campaigns")))
      const codes = rs.map((r) => r.status).sort()
      expect(codes).toEqual([200, 200, 200, 429, 429])
      expect(rs.find((r) => r.status === 429)!.headers.get("retry-after")).toBe("1")
      expect(s.requests.filter((r) => r.fault === "rateLimit")).toHaveLength(2)
    })
  })

  it("X-RateLimit headers with a fixed window", async () => {
    await withSim({ rateLimitHeaders: { limitPerWindow: 2, windowSeconds: 30 } }, async (s) => {
      const a = await call(s, "/campaigns")
      expect([a.headers.get("x-ratelimit-limit"), a.headers.get("x-ratelimit-remaining")]).toEqual(["2", "1"])
      expect(Number(a.headers.get("x-ratelimit-reset"))).toBeGreaterThan(25)
      const b = await call(s, "/leads/fetch-categories")
      expect(b.headers.get("x-ratelimit-remaining")).toBe("0")
      const c = await call(s, "/campaigns")
      expect(c.status).toBe(429)
      expect(c.headers.get("x-ratelimit-remaining")).toBe("0")
      expect(Number(c.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(30)
    })
  })
})

describe("request log and latency", () => {
  it("logs method, path, query, status, campaignId, fault and user agent", async () => {
    await withSim({ leadsPerCampaign: 3 }, async (s) => {
      const id = s.campaignIds[0]!
      const before = Date.now()
      await call(s, leadsPath(id), { offset: 0, limit: 10, created_at_gt: "2025-01-01T00:00:00.000Z" }, {
        headers: { "user-agent": "sim-test/1.0" }
      })
      s.injectFault({ kind: { type: "status", status: 500 } })
      await call(s, "/campaigns")
      await call(s, "/campaigns", {}, { apiKey: "bad" })
      expect(s.requests).toHaveLength(3)
      const [first, second, third] = s.requests as [any, any, any]
      expect(first).toMatchObject({
        method: "GET",
        path: `/api/v1/campaigns/${id}/leads`,
        query: { api_key: s.apiKey, offset: "0", limit: "10", created_at_gt: "2025-01-01T00:00:00.000Z" },
        status: 200,
        campaignId: id,
        userAgent: "sim-test/1.0"
      })
      expect(first.time).toBeGreaterThanOrEqual(before)
      expect(first.fault).toBeUndefined()
      expect(second).toMatchObject({ path: "/api/v1/campaigns", status: 500, fault: "status:500" })
      expect(second.campaignId).toBeUndefined()
      expect(third.status).toBe(401)
      s.clearRequests()
      expect(s.requests).toHaveLength(0)
    })
  })

  it("applies latency to every request", async () => {
    await withSim({ latencyMs: 60 }, async (s) => {
      const t0 = Date.now()
      await call(s, "/campaigns")
      await call(s, "/campaigns", {}, { apiKey: "bad" })
      expect(Date.now() - t0).toBeGreaterThanOrEqual(115)
    })
  })
})

describe("CLI (main.ts)", () => {
  it("prints one JSON line, serves, and exits 0 on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-cli-"))
    try {
      const outfile = join(dir, "main.mjs")
      await build({
        entryPoints: [join(dirname(fileURLToPath(import.meta.url)), "main.ts")],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile,
        logLevel: "silent"
      })
      const child = spawn(process.execPath, [
        outfile,
        "--campaigns",
        "2",
        "--leads",
        "4",
        "--shape",
        "documented",
        "--order",
        "descending"
      ], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      const line = await new Promise<string>((resolve, reject) => {
        let buf = ""
        child.stdout.on("data", (d: Buffer) => {
          buf += d.toString()
          const nl = buf.indexOf("\n")
          if (nl >= 0) resolve(buf.slice(0, nl))
        })
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)))
      })
      const info = JSON.parse(line)
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
      expect(info.campaignIds).toEqual([2710262, 2710263])
      const r = await fetch(
        `${info.url}/campaigns/${info.campaignIds[0]}/leads?api_key=${info.apiKey}&offset=0&limit=10`
      )
      const body = (await r.json()) as { total: number }
      expect(body.total).toBe(4)
      const code = await new Promise<number | null>((resolve) => {
        child.once("exit", (c) => resolve(c))
        child.kill("SIGTERM")
      })
      expect(code).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
