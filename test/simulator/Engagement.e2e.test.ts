/**
 * The simulator's engagement endpoints (statistics, analytics, sequences, email accounts): live
 * shapes with string-encoded counts and credentials, sent_time_start_date in the backend's
 * format, data changed between requests, and the documented shapes on demand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Simulator } from "./Simulator.js"
import { startSimulator } from "./Simulator.js"

const get = async (sim: Simulator, path: string, params: Record<string, string | number> = {}) => {
  const url = new URL(sim.url + path)
  url.searchParams.set("api_key", sim.apiKey)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value))
  const response = await fetch(url)
  return { status: response.status, body: JSON.parse(await response.text()) }
}

describe("engagement endpoints", () => {
  let sim: Simulator
  beforeAll(async () => {
    sim = await startSimulator({
      campaigns: 3,
      leadsPerCampaign: 6,
      engagement: { sendsPerCampaign: [150, 40, 0], emailAccounts: 130 }
    })
    sim.campaigns().forEach((campaign) => (campaign.status = "ACTIVE"))
  })
  afterAll(() => sim.close())

  it("serves statistics pages with a string total, string counts on even campaigns and numbers on odd ones", async () => {
    const [even, odd] = sim.campaignIds as [number, number]
    const first = await get(sim, `/campaigns/${even}/statistics`, { offset: 0, limit: 100 })
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ total_stats: "150", offset: 0, limit: 100 })
    expect(first.body.data).toHaveLength(100)
    const row = first.body.data[0]
    expect(Object.keys(row)).toEqual(expect.arrayContaining([
      "stats_id",
      "lead_name",
      "lead_email",
      "lead_category",
      "sequence_number",
      "email_campaign_seq_id",
      "seq_variant_id",
      "email_subject",
      "email_message",
      "sent_time",
      "open_time",
      "click_time",
      "reply_time",
      "open_count",
      "click_count",
      "is_unsubscribed",
      "is_bounced"
    ]))
    expect(typeof row.stats_id).toBe("number")
    expect(typeof row.open_count).toBe("string")
    expect(typeof row.sequence_number).toBe("string")
    const second = await get(sim, `/campaigns/${even}/statistics`, { offset: 100, limit: 100 })
    expect(second.body.data).toHaveLength(50)
    const all = [...first.body.data, ...second.body.data].map((r: { stats_id: number }) => String(r.stats_id))
    expect(all).toEqual(sim.engagement.sends(even).map((s) => s.statsId))
    const other = await get(sim, `/campaigns/${odd}/statistics`, { limit: 10 })
    expect(other.body.total_stats).toBe("40")
    expect(other.body.data[0].stats_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/)
    expect(typeof other.body.data[0].open_count).toBe("number")
  })

  it("filters on sent_time_start_date (inclusive) in the backend's format only", async () => {
    const id = sim.campaignIds[0]!
    const sends = sim.engagement.sends(id)
    const cut = sends[120]!.sentTime
    const filtered = await get(sim, `/campaigns/${id}/statistics`, {
      limit: 100,
      sent_time_start_date: cut.replace("T", " ")
    })
    expect(filtered.body.total_stats).toBe("30")
    expect(filtered.body.data[0].sent_time).toBe(cut)
    for (const bad of [cut, "2025-01-01", "2025-01-01 00:00:00Z"]) {
      const refused = await get(sim, `/campaigns/${id}/statistics`, { limit: 100, sent_time_start_date: bad })
      expect(refused).toEqual({
        status: 422,
        body: { error: "sent_time_start_date must be a date like 2023-10-16 10:33:02.000Z" }
      })
    }
  })

  it("shows added sends and changed opens and replies on the next request", async () => {
    const id = sim.campaignIds[1]!
    const target = sim.engagement.sends(id)[3]!
    target.openCount = 7
    target.replyTime = "2025-02-01T09:00:00.000Z"
    const added = sim.engagement.addSends(id, 5)
    expect(added.every((s) => Date.parse(s.sentTime) > Date.parse(target.sentTime))).toBe(true)
    const { body } = await get(sim, `/campaigns/${id}/statistics`, { limit: 100 })
    expect(body.total_stats).toBe("45")
    const row = body.data.find((r: { stats_id: string }) => r.stats_id === target.statsId)
    expect(row).toMatchObject({ open_count: 7, reply_time: "2025-02-01T09:00:00.000Z" })
    expect(body.data.slice(-5).map((r: { stats_id: string }) => r.stats_id)).toEqual(added.map((s) => s.statsId))
  })

  it("serves analytics with string counts on even campaigns, from the same sends", async () => {
    const id = sim.campaignIds[0]!
    const { body, status } = await get(sim, `/campaigns/${id}/analytics`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ id, status: "ACTIVE", sent_count: "150", total_count: "6", sequence_count: "3" })
    expect(body.campaign_lead_stats).toMatchObject({ total: 6 })
    const odd = await get(sim, `/campaigns/${sim.campaignIds[1]}/analytics`)
    expect(odd.body.sent_count).toBe(45)
  })

  it("serves sequences as a bare array, odd campaigns naming variants seq_variants", async () => {
    const even = await get(sim, `/campaigns/${sim.campaignIds[0]}/sequences`)
    expect(even.body.map((s: { seq_number: string }) => s.seq_number)).toEqual(["1", "2", "3"])
    expect(even.body[0].sequence_variants.map((v: { variant_label: string }) => v.variant_label)).toEqual(["A", "B"])
    expect(even.body[0].seq_delay_details).toEqual({ delayInDays: 0 })
    const odd = await get(sim, `/campaigns/${sim.campaignIds[1]}/sequences`)
    expect(odd.body[0]).toHaveProperty("seq_variants")
    expect(odd.body[0]).not.toHaveProperty("sequence_variants")
    expect(odd.body[2].seq_variants).toBeNull()
  })

  it("pages email accounts (limit at most 100) with their credentials", async () => {
    const first = await get(sim, "/email-accounts/", { offset: 0, limit: 100 })
    const second = await get(sim, "/email-accounts/", { offset: 100, limit: 100 })
    expect(first.body).toHaveLength(100)
    expect(second.body).toHaveLength(30)
    expect(await get(sim, "/email-accounts/", { limit: 101 })).toEqual({
      status: 422,
      body: { error: "limit must be less than or equal to 100" }
    })
    const text = JSON.stringify([...first.body, ...second.body])
    for (const value of sim.engagement.credentialValues()) expect(text).toContain(value)
    expect(first.body[0]).toMatchObject({ message_per_day: "30", warmup_details: { status: "ACTIVE" } })
    expect(first.body[1]).toHaveProperty("smtp_password")
  })

  it("404s unknown campaigns on every campaign endpoint", async () => {
    for (const endpoint of ["statistics", "analytics", "sequences"]) {
      expect(await get(sim, `/campaigns/999999/${endpoint}`)).toEqual({
        status: 404,
        body: { error: "Campaign not found - Invalid campaign_id." }
      })
    }
  })

  it("answers the documented shapes on demand", async () => {
    const id = sim.campaignIds[0]!
    for (const endpoint of ["statistics", "analytics", "sequences", "email_accounts"] as const) {
      sim.engagement.setDocumented(endpoint, true)
    }
    try {
      const statistics = await get(sim, `/campaigns/${id}/statistics`, { limit: 100 })
      expect(statistics.body).toMatchObject({ ok: true, offset: 0, limit: 100 })
      expect(statistics.body.data[0]).toMatchObject({ campaign_id: id, sequence_number: 1 })
      expect(statistics.body).not.toHaveProperty("total_stats")
      expect((await get(sim, `/campaigns/${id}/analytics`)).body).toMatchObject({ campaign_id: id, total_sent: 150 })
      expect((await get(sim, `/campaigns/${id}/sequences`)).body[1].seq_delay_details).toEqual({ delay_in_days: 3 })
      const accounts = await get(sim, "/email-accounts/", { offset: 100, limit: 100 })
      expect(accounts.body).toHaveLength(130)
      expect(accounts.body[0]).toHaveProperty("connection_status")
    } finally {
      for (const endpoint of ["statistics", "analytics", "sequences", "email_accounts"] as const) {
        sim.engagement.setDocumented(endpoint, false)
      }
    }
  })

  it("gives drafted campaigns no sends and is deterministic for a seed", async () => {
    const a = await startSimulator({ seed: 5, campaigns: 2, leadsPerCampaign: 3 })
    const b = await startSimulator({ seed: 5, campaigns: 2, leadsPerCampaign: 3 })
    try {
      a.campaigns()[1]!.status = "DRAFTED"
      b.campaigns()[1]!.status = "DRAFTED"
      expect(a.engagement.sends(a.campaignIds[1]!)).toEqual([])
      expect(a.engagement.sends(a.campaignIds[0]!)).toHaveLength(12)
      expect(JSON.stringify(a.engagement.sends())).toBe(JSON.stringify(b.engagement.sends()))
      expect(JSON.stringify(a.engagement.emailAccounts())).toBe(JSON.stringify(b.engagement.emailAccounts()))
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
