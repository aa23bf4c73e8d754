/**
 * `campaign_sequences` end to end against the simulator: every step of every campaign once,
 * keyed by (campaign_id, id), variants under `sequence_variants` whichever name the API used,
 * valid against the discovered schema; the documented steps read too.
 */
import { describe, expect, it } from "vitest"
import { statusesOf } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
import { streamReader } from "../helpers/Streams.js"

const helpers = setup()
const { read } = streamReader(helpers)
const STREAM = "campaign_sequences"

describe("campaign_sequences", () => {
  it("reads every step of every campaign once, with its variants", async () => {
    const sim = await helpers.start({ campaigns: 3, leadsPerCampaign: 2 })
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(statusesOf(result.messages, STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    const expected = sim.campaignIds.flatMap((id) => sim.engagement.steps(id).map((step) => `${id}:${step.id}`)).sort()
    expect(result.records.map((r) => `${r["campaign_id"]}:${r["id"]}`).sort()).toEqual(expected)
    for (const record of result.records) {
      const step = sim.engagement.steps(record["campaign_id"] as number).find((s) => s.id === record["id"])!
      expect(record).toMatchObject({ seq_number: step.seqNumber, subject: step.subject, email_body: step.emailBody, seq_delay_details: { delayInDays: step.delayInDays } })
      expect(record).not.toHaveProperty("seq_variants")
      const variants = (record["sequence_variants"] ?? []) as Array<Record<string, unknown>>
      expect(variants.map((v) => [v["id"], v["variant_label"]])).toEqual(step.variants.map((v) => [v.id, v.variantLabel]))
    }
    // the simulator names variants seq_variants on odd campaigns: both names were read
    expect(result.records.filter((r) => r["campaign_id"] === sim.campaignIds[1] && Array.isArray(r["sequence_variants"]))).toHaveLength(2)
  })

  it("reads SmartLead's documented steps (delay_in_days, no variants)", async () => {
    const sim = await helpers.start({ campaigns: 2, leadsPerCampaign: 2, engagement: { documented: ["sequences"] } })
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.records).toHaveLength(6)
    expect(result.records.every((r) => typeof (r["seq_delay_details"] as Record<string, unknown>)["delay_in_days"] === "number")).toBe(true)
  })
})
