/**
 * `campaign_analytics` end to end against the simulator: one record per campaign (drafted ones
 * included), counts as numbers, valid against the discovered schema; a missing campaign reported
 * after the others are read; SmartLead's documented shape refused by name.
 */
import { describe, expect, it } from "vitest"
import { errorsOf, statusesOf } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
import { streamReader } from "../helpers/Streams.js"

const helpers = setup()
const { read } = streamReader(helpers)
const STREAM = "campaign_analytics"

describe("campaign_analytics", () => {
  it("reads one record per campaign, drafted ones included, with numeric counts", async () => {
    const sim = await helpers.start({
      campaigns: 4,
      leadsPerCampaign: 6,
      engagement: { sendsPerCampaign: [20, 7, 0, 3] }
    })
    sim.campaigns().forEach((campaign, index) => (campaign.status = index === 2 ? "DRAFTED" : "ACTIVE"))
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(statusesOf(result.messages, STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    expect(result.records.map((r) => r["campaign_id"]).sort()).toEqual([...sim.campaignIds].sort())
    for (const record of result.records) {
      const id = record["campaign_id"] as number
      const sends = sim.engagement.sends(id)
      expect(record).toMatchObject({
        id,
        sent_count: sends.length,
        reply_count: sends.filter((s) => s.replyTime !== null).length,
        total_count: 6,
        sequence_count: 3,
        status: sim.campaigns().find((c) => c.id === id)!.status
      })
      expect((record["campaign_lead_stats"] as Record<string, unknown>)["total"]).toBe(6)
    }
    expect(sim.requests.filter((r) => r.path.endsWith("/analytics"))).toHaveLength(4)
    // One row per campaign, announced before the first record.
    const estimates = result.messages.filter((m) => m.type === "TRACE" && m["trace"].type === "ESTIMATE")
    expect(estimates.map((m) => m["trace"].estimate)).toEqual([{ name: STREAM, type: "STREAM", row_estimate: 4 }])
    expect(result.messages.indexOf(estimates[0]!)).toBeLessThan(result.messages.findIndex((m) => m.type === "RECORD"))
  })

  it("reads the other campaigns when one is missing (404), then fails naming it", async () => {
    const sim = await helpers.start({ campaigns: 2, leadsPerCampaign: 3 })
    const result = await read(sim, STREAM, { campaign_ids: [404_404, ...sim.campaignIds] })
    expect(result.code).toBe(1)
    expect(result.records.map((r) => r["campaign_id"]).sort()).toEqual([...sim.campaignIds].sort())
    expect(statusesOf(result.messages, STREAM).at(-1)).toBe("INCOMPLETE")
    expect(errorsOf(result.messages)[0]).toMatchObject({
      failure_type: "system_error",
      stream_descriptor: { name: STREAM },
      message:
        "campaign_analytics of 1 campaign could not be read: campaign 404404 not found (deleted, or not visible to this API key). The other campaigns were read."
    })
  })

  it("refuses SmartLead's documented shape with a clear message", async () => {
    const sim = await helpers.start({ campaigns: 1, leadsPerCampaign: 3, engagement: { documented: ["analytics"] } })
    const result = await read(sim, STREAM, { max_retries: 0 })
    expect(result.code).toBe(1)
    expect(result.records).toEqual([])
    expect(errorsOf(result.messages)[0]!.message).toMatch(
      new RegExp(
        `^campaign_analytics of 1 campaign could not be read: campaign ${
          sim.campaignIds[0]
        }: SmartLead sent an unusable response \\(this is SmartLead's documented analytics shape`
      )
    )
  })
})
