/**
 * `campaign_sequences` end to end against the simulator: every step of every campaign once,
 * keyed by (campaign_id, id), variants under `sequence_variants` whichever name the API used,
 * valid against the discovered schema; the documented steps read too. Incremental: a snapshot of
 * every campaign once per `sequences_interval_hours`, and at once of a campaign whose
 * `updated_at` moved (an edit).
 */
import { describe, expect, it } from "vitest"
import { recordsOf, runConnector, stateInput, statusesOf } from "../helpers/Connector.js"
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
      expect(record).toMatchObject({
        seq_number: step.seqNumber,
        subject: step.subject,
        email_body: step.emailBody,
        seq_delay_details: { delayInDays: step.delayInDays }
      })
      expect(record).not.toHaveProperty("seq_variants")
      const variants = (record["sequence_variants"] ?? []) as Array<Record<string, unknown>>
      expect(variants.map((v) => [v["id"], v["variant_label"]])).toEqual(
        step.variants.map((v) => [v.id, v.variantLabel])
      )
    }
    // the simulator names variants seq_variants on odd campaigns: both names were read
    expect(
      result.records.filter((r) => r["campaign_id"] === sim.campaignIds[1] && Array.isArray(r["sequence_variants"]))
    ).toHaveLength(2)
  })

  it("reads SmartLead's documented steps (delay_in_days, no variants)", async () => {
    const sim = await helpers.start({ campaigns: 2, leadsPerCampaign: 2, engagement: { documented: ["sequences"] } })
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.records).toHaveLength(6)
    expect(
      result.records.every((r) =>
        typeof (r["seq_delay_details"] as Record<string, unknown>)["delay_in_days"] === "number"
      )
    ).toBe(true)
  })

  it("incremental: every campaign's steps once per interval, with fetched_at; a campaign whose updated_at moved at once, and only it", async () => {
    const sim = await helpers.start({ campaigns: 3, leadsPerCampaign: 2 })
    const catalog = helpers.files.write({
      streams: [{
        stream: { name: STREAM, json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
        sync_mode: "incremental",
        destination_sync_mode: "append_dedup"
      }]
    })
    const config = helpers.configFor(sim)
    const sync = (state?: unknown) => {
      const args = ["read", "--config", config, "--catalog", catalog]
      if (state !== undefined) args.push("--state", helpers.files.write(state))
      return runConnector(args)
    }
    const first = await sync()
    expect(first.code).toBe(0)
    const startedAt = new Set(recordsOf(first.messages, STREAM).map((r) => r["fetched_at"]))
    expect(startedAt.size).toBe(1)
    expect(new Set(recordsOf(first.messages, STREAM).map((r) => r["campaign_id"]))).toEqual(new Set(sim.campaignIds))
    sim.clearRequests()
    // a week's interval: seconds later, no campaign is due
    const second = await sync(stateInput(first.messages))
    expect(second.code).toBe(0)
    expect(recordsOf(second.messages, STREAM)).toEqual([])
    expect(sim.requests.filter((r) => r.path.endsWith("/sequences"))).toEqual([])
    // someone edits the second campaign: the list shows a new updated_at
    const edited = sim.campaigns()[1]!
    edited.updated_at = new Date().toISOString()
    const third = await sync(stateInput(second.messages))
    expect(third.code).toBe(0)
    expect(new Set(recordsOf(third.messages, STREAM).map((r) => r["campaign_id"]))).toEqual(new Set([edited.id]))
  })
})
