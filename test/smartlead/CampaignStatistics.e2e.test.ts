/**
 * `campaign_statistics` end to end against the simulator: every email sent delivered once, keyed
 * by (campaign_id, stats_id), valid against the discovered schema; drafted campaigns skipped
 * without a request; the email body only on request; a missing campaign reported after the
 * others are read; SmartLead's documented shape refused by name.
 */
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { assertStateCounts, errorsOf, ofType, recordsOf, runConnector, runScript, statusesOf } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
import { streamReader } from "../helpers/Streams.js"
import type { Simulator, SimulatorOptions } from "../simulator/Simulator.js"

const helpers = setup()
const { discover, read } = streamReader(helpers)
const STREAM = "campaign_statistics"

const statisticsRequests = (sim: Simulator) => sim.requests.filter((r) => r.path.endsWith("/statistics"))
const keysOf = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => `${r["campaign_id"]}:${r["stats_id"]}`).sort()
const expectedKeys = (sim: Simulator, campaignIds: ReadonlyArray<number>) =>
  campaignIds.flatMap((id) => sim.engagement.sends(id).map((send) => `${id}:${send.statsId}`)).sort()

/** A simulator whose campaigns are all ACTIVE, except those listed as drafted (made before any data). */
const start = async (options: SimulatorOptions, drafted: ReadonlyArray<number> = []) => {
  const sim = await helpers.start(options)
  sim.campaigns().forEach((campaign, index) => (campaign.status = drafted.includes(index) ? "DRAFTED" : "ACTIVE"))
  return sim
}

describe("campaign_statistics", () => {
  it("reads every email sent exactly once, in pages of 100, with integer counts and string stats_ids", async () => {
    const sim = await start({ campaigns: 4, leadsPerCampaign: 8, engagement: { sendsPerCampaign: [130, 0, 57, 250] } })
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.records).toHaveLength(437)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, sim.campaignIds))
    expect(statusesOf(result.messages, STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    for (const record of result.records) {
      const send = sim.engagement.sends(record["campaign_id"] as number).find((s) => s.statsId === record["stats_id"])!
      expect(record).toMatchObject({
        lead_email: send.leadEmail,
        sequence_number: send.sequenceNumber,
        email_campaign_seq_id: send.emailCampaignSeqId,
        seq_variant_id: send.seqVariantId,
        sent_time: send.sentTime,
        open_time: send.openTime,
        reply_time: send.replyTime,
        open_count: send.openCount,
        click_count: send.clickCount,
        is_bounced: send.isBounced
      })
      expect(record).not.toHaveProperty("email_message")
    }
    // both encodings of the simulator (string counts and numeric stats_ids, and the reverse) were read
    expect(result.records.some((r) => /^\d+$/.test(r["stats_id"] as string))).toBe(true)
    expect(result.records.some((r) => /^[0-9a-f]{8}-/.test(r["stats_id"] as string))).toBe(true)
    const requests = statisticsRequests(sim)
    expect(requests.every((r) => r.query["limit"] === "100" && r.query["sent_time_start_date"] === undefined)).toBe(true)
    expect(requests).toHaveLength(2 + 1 + 1 + 3)
    const estimates = ofType(result.messages, "TRACE").filter((m) => m["trace"].type === "ESTIMATE")
    expect(estimates.at(-1)!["trace"].estimate).toMatchObject({ name: STREAM, type: "STREAM", row_estimate: 437 })
  })

  it("skips drafted campaigns without a request, even when they have rows", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 20 } })
    expect(sim.engagement.sends(sim.campaignIds[1]!)).toHaveLength(20)
    sim.campaigns()[1]!.status = "DRAFTED"
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, [sim.campaignIds[0]!, sim.campaignIds[2]!]))
    expect(statisticsRequests(sim).map((r) => r.campaignId)).not.toContain(sim.campaignIds[1])
    expect(ofType(result.messages, "LOG").some((m) => m["log"].message.includes(`skipping 1 drafted campaign (nothing sent yet): ${sim.campaignIds[1]}`))).toBe(true)
  })

  it("reads configured campaign_ids as given, without GET /campaigns, drafted or not", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 15 } })
    const [a, , c] = sim.campaignIds as [number, number, number]
    sim.engagement.sends()
    sim.campaigns()[2]!.status = "DRAFTED"
    const result = await read(sim, STREAM, { campaign_ids: [c, a, c] })
    expect(result.code).toBe(0)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, [a, c]))
    expect(sim.requests.filter((r) => r.path.endsWith("/campaigns"))).toHaveLength(0)
  })

  it("announces and emits email_message only when statistics_include_email_body is true", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 7 } })
    const without = await discover(sim)
    expect(Object.keys(without.streams.find((s) => s.name === STREAM)!.json_schema["properties"] as object)).not.toContain("email_message")
    const result = await read(sim, STREAM, { statistics_include_email_body: true })
    expect(result.code).toBe(0)
    expect(Object.keys(result.schema["properties"] as object)).toContain("email_message")
    expect(result.records).toHaveLength(14)
    for (const record of result.records) {
      const send = sim.engagement.sends(record["campaign_id"] as number).find((s) => s.statsId === record["stats_id"])!
      expect(record["email_message"]).toBe(send.emailMessage)
    }
  })

  it("the Singer tap announces email_message in the same cases, in its catalog and its SCHEMA message", async () => {
    const tap = fileURLToPath(new URL("../../dist/tap.js", import.meta.url))
    const sim = await start({ campaigns: 1, leadsPerCampaign: 3, engagement: { sendsPerCampaign: 4 } })
    const propertiesOf = (stream: { schema: { properties: object } }) => Object.keys(stream.schema.properties)
    for (const include of [false, true]) {
      const config = helpers.configFor(sim, { statistics_include_email_body: include })
      const catalog = JSON.parse((await runScript(tap, ["--config", config, "--discover"])).stdout)
      for (const stream of catalog.streams) stream.metadata[0].metadata.selected = stream.tap_stream_id === STREAM
      const statistics = catalog.streams.find((s: { tap_stream_id: string }) => s.tap_stream_id === STREAM)
      expect(propertiesOf(statistics).includes("email_message")).toBe(include)
      const sync = await runScript(tap, ["--config", config, "--catalog", helpers.files.write(catalog)])
      expect(sync.code).toBe(0)
      const messages = sync.stdout.trim().split("\n").map((line) => JSON.parse(line))
      expect(propertiesOf(messages[0]).includes("email_message")).toBe(include)
      const records = messages.filter((m) => m.type === "RECORD")
      expect(records).toHaveLength(4)
      expect(records.every((m) => ("email_message" in m.record) === include)).toBe(true)
    }
  })

  it("reads rows served newest first just as well", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5, engagement: { sendsPerCampaign: [101, 99], statisticsOrder: "descending" } })
    const result = await read(sim, STREAM)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, sim.campaignIds))
  })

  it("shares one GET /campaigns between the per-campaign streams of a sync", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 2, engagement: { sendsPerCampaign: 5 } })
    const names = [STREAM, "campaign_analytics", "campaign_sequences"]
    const catalog = helpers.files.write({
      streams: names.map((name) => ({ stream: { name, json_schema: {}, supported_sync_modes: ["full_refresh"] }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }))
    })
    const result = await runConnector(["read", "--config", helpers.configFor(sim), "--catalog", catalog])
    expect(result.code).toBe(0)
    assertStateCounts(result.messages)
    expect(names.map((name) => recordsOf(result.messages, name).length)).toEqual([15, 3, 9])
    expect(sim.requests.filter((r) => r.path === "/api/v1/campaigns")).toHaveLength(1)
  })

  it("reads the other campaigns when one is missing (404), then fails naming it", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 30 } })
    const result = await read(sim, STREAM, { campaign_ids: [sim.campaignIds[0]!, 999_999, sim.campaignIds[1]!] })
    expect(result.code).toBe(1)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, sim.campaignIds))
    expect(statusesOf(result.messages, STREAM)).toEqual(["STARTED", "RUNNING", "INCOMPLETE"])
    const [error] = errorsOf(result.messages)
    expect(error).toMatchObject({ failure_type: "system_error", stream_descriptor: { name: STREAM } })
    expect(error!.message).toBe(
      "campaign_statistics of 1 campaign could not be read: campaign 999999 not found (deleted, or not visible to this API key). The other campaigns were read."
    )
  })

  it("refuses SmartLead's documented shape with a clear message, not an empty stream", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 10, documented: ["statistics"] } })
    const result = await read(sim, STREAM, { max_retries: 0 })
    expect(result.code).toBe(1)
    expect(result.records).toEqual([])
    const [error] = errorsOf(result.messages)
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: STREAM } })
    expect(error!.message).toContain("no total_stats: this is SmartLead's documented per-step summary")
    expect(error!.message).toContain(`GET /campaigns/${sim.campaignIds[0]}/statistics?offset=0&limit=100`)
  })
})
