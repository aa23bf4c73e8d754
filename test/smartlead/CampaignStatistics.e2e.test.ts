/**
 * `campaign_statistics` end to end against the simulator: every email sent delivered once, keyed
 * by (campaign_id, stats_id), valid against the discovered schema; drafted campaigns skipped
 * without a request; email_message always declared, its value null unless asked for; a missing campaign reported after the
 * others are read; SmartLead's documented shape refused by name.
 */
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import {
  assertStateCounts,
  errorsOf,
  lastState,
  ofType,
  recordsOf,
  runConnector,
  runScript,
  stateInput,
  statesOf,
  statusesOf
} from "../helpers/Connector.js"
import { entries, setup } from "../helpers/Reads.js"
import { streamReader } from "../helpers/Streams.js"
import type { Simulator, SimulatorOptions } from "../simulator/Simulator.js"

const helpers = setup()
const { discover, read } = streamReader(helpers)
const STREAM = "campaign_statistics"

const statisticsRequests = (sim: Simulator) => sim.requests.filter((r) => r.path.endsWith("/statistics"))
const keysOf = (records: ReadonlyArray<Record<string, unknown>>) =>
  records.map((r) => `${r["campaign_id"]}:${r["stats_id"]}`).sort()
const expectedKeys = (sim: Simulator, campaignIds: ReadonlyArray<number>) =>
  campaignIds.flatMap((id) => sim.engagement.sends(id).map((send) => `${id}:${send.statsId}`)).sort()

const DAY_MS = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString()

/** Per-campaign statistics state, one entry per campaign (see `entries`). */
const statisticsState = (json: unknown) => {
  const state = entries(json, "sent_time") as unknown as {
    readonly sent_time?: string
    readonly campaigns: Record<string, { sent_time?: string; offset?: number; pass?: Record<string, unknown> }>
  }
  return state
}

/**
 * Reads campaign_statistics in incremental mode (with a state, if given); every message is checked
 * against the Airbyte protocol by runConnector, every record here against the discovered schema.
 */
const readIncremental = async (sim: Simulator, extra: Record<string, unknown> = {}, state?: unknown) => {
  const entry = (await discover(sim, extra)).streams.find((s) => s.name === STREAM)!
  const catalog = helpers.files.write({
    streams: [{
      stream: entry,
      sync_mode: "incremental",
      cursor_field: ["sent_time"],
      destination_sync_mode: "append_dedup"
    }]
  })
  const args = ["read", "--config", helpers.configFor(sim, extra), "--catalog", catalog]
  if (state !== undefined) args.push("--state", helpers.files.write(state))
  const result = await runConnector(args)
  assertStateCounts(result.messages)
  const records = recordsOf(result.messages, STREAM)
  return { ...result, records }
}

/** A simulator whose campaigns are all ACTIVE, except those listed as drafted (made before any data). */
const start = async (options: SimulatorOptions, drafted: ReadonlyArray<number> = []) => {
  const sim = await helpers.start(options)
  sim.campaigns().forEach((campaign, index) => (campaign.status = drafted.includes(index) ? "DRAFTED" : "ACTIVE"))
  return sim
}

describe("campaign_statistics", () => {
  it("reads every email sent exactly once, in pages of 500, with integer counts and string stats_ids", async () => {
    const sim = await start({
      campaigns: 4,
      leadsPerCampaign: 8,
      engagement: { sendsPerCampaign: [650, 0, 285, 1250] }
    })
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.records).toHaveLength(2185)
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
      expect(record["email_message"]).toBeNull()
    }
    // both encodings of the simulator (string counts and numeric stats_ids, and the reverse) were read
    expect(result.records.some((r) => /^\d+$/.test(r["stats_id"] as string))).toBe(true)
    expect(result.records.some((r) => /^[0-9a-f]{8}-/.test(r["stats_id"] as string))).toBe(true)
    const requests = statisticsRequests(sim)
    expect(requests.every((r) => r.query["limit"] === "500" && r.query["sent_time_start_date"] === undefined)).toBe(
      true
    )
    // pages overlap by 2 rows: offsets 0, 498, 996, …
    expect(sim.campaignIds.map((id) => requests.filter((r) => r.campaignId === id).map((r) => r.query["offset"])))
      .toEqual([
        ["0", "498"],
        ["0"],
        ["0"],
        ["0", "498", "996"]
      ])
    const estimates = ofType(result.messages, "TRACE").filter((m) => m["trace"].type === "ESTIMATE")
    expect(estimates.at(-1)!["trace"].estimate).toMatchObject({ name: STREAM, type: "STREAM", row_estimate: 2185 })
  })

  it("skips drafted campaigns without a request, even when they have rows", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 20 } })
    expect(sim.engagement.sends(sim.campaignIds[1]!)).toHaveLength(20)
    sim.campaigns()[1]!.status = "DRAFTED"
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, [sim.campaignIds[0]!, sim.campaignIds[2]!]))
    expect(statisticsRequests(sim).map((r) => r.campaignId)).not.toContain(sim.campaignIds[1])
    expect(
      ofType(result.messages, "LOG").some((m) =>
        /^campaign_statistics: reading 2 campaigns, .*; 1 with nothing to read\)$/.test(m["log"].message)
      )
    ).toBe(true)
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

  it("always declares email_message; its value is the body only when statistics_include_email_body is true, else null", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 7 } })
    const without = await discover(sim)
    expect(Object.keys(without.streams.find((s) => s.name === STREAM)!.json_schema["properties"] as object)).toContain(
      "email_message"
    )
    const off = await read(sim, STREAM)
    expect(off.code).toBe(0)
    expect(off.records).toHaveLength(14)
    expect(off.records.every((record) => record["email_message"] === null)).toBe(true)
    const result = await read(sim, STREAM, { statistics_include_email_body: true })
    expect(result.code).toBe(0)
    expect(Object.keys(result.schema["properties"] as object)).toContain("email_message")
    expect(result.records).toHaveLength(14)
    for (const record of result.records) {
      const send = sim.engagement.sends(record["campaign_id"] as number).find((s) => s.statsId === record["stats_id"])!
      expect(record["email_message"]).toBe(send.emailMessage)
    }
  })

  it("the Singer tap always announces email_message, in its catalog and its SCHEMA message; values null unless asked", async () => {
    const tap = fileURLToPath(new URL("../../dist/tap.js", import.meta.url))
    const sim = await start({ campaigns: 1, leadsPerCampaign: 3, engagement: { sendsPerCampaign: 4 } })
    const propertiesOf = (stream: { schema: { properties: object } }) => Object.keys(stream.schema.properties)
    for (const include of [false, true]) {
      const config = helpers.configFor(sim, { statistics_include_email_body: include })
      const catalog = JSON.parse((await runScript(tap, ["--config", config, "--discover"])).stdout)
      for (const stream of catalog.streams) stream.metadata[0].metadata.selected = stream.tap_stream_id === STREAM
      const statistics = catalog.streams.find((s: { tap_stream_id: string }) => s.tap_stream_id === STREAM)
      expect(propertiesOf(statistics)).toContain("email_message")
      const sync = await runScript(tap, ["--config", config, "--catalog", helpers.files.write(catalog)])
      expect(sync.code).toBe(0)
      const messages = sync.stdout.trim().split("\n").map((line) => JSON.parse(line))
      expect(propertiesOf(messages[0])).toContain("email_message")
      const records = messages.filter((m) => m.type === "RECORD")
      expect(records).toHaveLength(4)
      for (const { record } of records) {
        const send = sim.engagement.sends(record.campaign_id).find((s) => s.statsId === record.stats_id)!
        expect(record).toHaveProperty("email_message")
        expect(record.email_message).toBe(include ? send.emailMessage : null)
      }
    }
  })

  it("reads rows served newest first just as well", async () => {
    const sim = await start({
      campaigns: 2,
      leadsPerCampaign: 5,
      engagement: { sendsPerCampaign: [101, 99], statisticsOrder: "descending" }
    })
    const result = await read(sim, STREAM)
    expect(keysOf(result.records)).toEqual(expectedKeys(sim, sim.campaignIds))
  })

  it("shares one GET /campaigns between the per-campaign streams of a sync", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 2, engagement: { sendsPerCampaign: 5 } })
    const names = [STREAM, "campaign_analytics", "campaign_sequences"]
    const catalog = helpers.files.write({
      streams: names.map((name) => ({
        stream: { name, json_schema: {}, supported_sync_modes: ["full_refresh"] },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite"
      }))
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
      "campaign_statistics of 1 campaign could not be read: campaign 999999 not found (deleted, or not visible to this API key). The other campaigns were read and checkpointed; the next sync resumes the failed ones."
    )
  })

  it("refuses SmartLead's documented shape with a clear message, not an empty stream", async () => {
    const sim = await start({
      campaigns: 1,
      leadsPerCampaign: 5,
      engagement: { sendsPerCampaign: 10, documented: ["statistics"] }
    })
    const result = await read(sim, STREAM, { max_retries: 0 })
    expect(result.code).toBe(1)
    expect(result.records).toEqual([])
    const [error] = errorsOf(result.messages)
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: STREAM } })
    expect(error!.message).toContain("no total_stats: this is SmartLead's documented per-step summary")
    expect(error!.message).toContain(`GET /campaigns/${sim.campaignIds[0]}/statistics?offset=0&limit=500`)
  })
})

describe("campaign_statistics incremental", () => {
  it("a second sync with the state delivers the new sends and the ones re-engaged within the lookback, never older ones", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5, engagement: { sendsPerCampaign: 0 } })
    const cursor = Date.parse("2025-06-01T12:00:00.000Z")
    // per campaign: 4 sends 10 days before the cursor, 5 sends 3 days before it, 3 up to the cursor
    const at = (offsets: ReadonlyArray<number>) => (id: number) =>
      offsets.flatMap((ms) => sim.engagement.addSends(id, 1, iso(cursor - ms)))
    const old = sim.campaignIds.flatMap(at([0, 1, 2, 3].map((k) => 10 * DAY_MS + k * 60_000)))
    const threeDays = sim.campaignIds.flatMap(at([0, 1, 2, 3, 4].map((k) => 3 * DAY_MS + k * 60_000)))
    const recent = sim.campaignIds.flatMap(at([2 * 3_600_000, 3_600_000, 0]))
    const lookback = { statistics_lookback_days: 5 }

    const first = await readIncremental(sim, lookback)
    expect(first.code).toBe(0)
    expect(keysOf(first.records)).toEqual(expectedKeys(sim, sim.campaignIds))
    const state = statisticsState(lastState(first.messages, STREAM))
    expect(state.sent_time).toBe(iso(cursor))
    for (const id of sim.campaignIds) expect(state.campaigns[id]!.sent_time).toBe(iso(cursor))
    expect(statisticsRequests(sim).every((r) => r.query["sent_time_start_date"] === undefined)).toBe(true)

    // between syncs: replies and opens land on the sends of 3 days ago, and new emails go out
    for (const send of threeDays) {
      send.replyTime = iso(cursor + 3_600_000)
      send.openCount = 9
    }
    const added = sim.campaignIds.flatMap((id) => sim.engagement.addSends(id, 4))
    expect(added.every((send) => Date.parse(send.sentTime) > cursor)).toBe(true)
    sim.clearRequests()

    const second = await readIncremental(sim, lookback, stateInput(first.messages))
    expect(second.code).toBe(0)
    expect(statusesOf(second.messages, STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    const keyOfSend = (send: { campaignId: number; statsId: string }) => `${send.campaignId}:${send.statsId}`
    expect(keysOf(second.records)).toEqual([...threeDays, ...recent, ...added].map(keyOfSend).sort())
    const oldKeys = new Set(old.map(keyOfSend))
    expect(second.records.filter((r) => oldKeys.has(`${r["campaign_id"]}:${r["stats_id"]}`))).toEqual([])
    const changed = new Set(threeDays.map(keyOfSend))
    const reengaged = second.records.filter((r) => changed.has(`${r["campaign_id"]}:${r["stats_id"]}`))
    expect(reengaged).toHaveLength(threeDays.length)
    for (const record of reengaged) expect(record).toMatchObject({ reply_time: iso(cursor + 3_600_000), open_count: 9 })
    // each campaign asks from its cursor less the lookback (less 1 ms, so ties are read again), in SmartLead's format
    const requests = statisticsRequests(sim)
    expect(requests.map((r) => r.query["sent_time_start_date"])).toEqual(requests.map(() => "2025-05-27 11:59:59.999Z"))
    const next = statisticsState(lastState(second.messages, STREAM))
    for (const id of sim.campaignIds) {
      const newest = sim.engagement.sends(id).at(-1)!.sentTime
      expect(next.campaigns[id]!.sent_time).toBe(newest)
    }
  })

  it("a sync whose statistics page fails past max_retries mid-campaign checkpoints; the resume with its last STATE delivers every row", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 5, engagement: { sendsPerCampaign: [1250, 1150, 600] } })
    const failing = sim.campaignIds[1]!
    // pages of 500 overlapping by 2 rows: offsets 0, 498, 996; the second page of the middle campaign fails every time
    sim.injectFault({
      match: { path: /\/statistics$/, campaignId: failing, offset: 498 },
      times: Infinity,
      kind: { type: "status", status: 503 }
    })
    const first = await readIncremental(sim, { max_retries: 1 })
    expect(first.code).toBe(1)
    expect(statusesOf(first.messages, STREAM)).toEqual(["STARTED", "RUNNING", "INCOMPLETE"])
    const [error] = errorsOf(first.messages)
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: STREAM } })
    expect(error!.message).toMatch(
      new RegExp(
        `^campaign_statistics of 1 campaign could not be read: .*campaign ${failing}.*The other campaigns were read and checkpointed; the next sync resumes the failed ones\\.$`
      )
    )
    expect(sim.requests.filter((r) => r.campaignId === failing && r.query["offset"] === "498")).toHaveLength(2)
    const firstKeys = keysOf(first.records)
    expect(firstKeys.filter((key) => key.startsWith(`${failing}:`))).toHaveLength(500)
    const state = statisticsState(lastState(first.messages, STREAM))
    expect(state.campaigns[failing]).toMatchObject({ offset: 500, pass: { full: true } })
    // a read this short reaches no checkpoint interval: its one STATE is written before the
    // failure exits, after every record it covers (the failing campaign's first page only)
    expect(statesOf(first.messages, STREAM)).toHaveLength(1)

    sim.clearFaults()
    sim.clearRequests()
    const second = await readIncremental(sim, { max_retries: 1 }, stateInput(first.messages))
    expect(second.code).toBe(0)
    expect(statusesOf(second.messages, STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    const secondKeys = keysOf(second.records)
    expect([...new Set([...firstKeys, ...secondKeys])].sort()).toEqual(expectedKeys(sim, sim.campaignIds))
    // the failing campaign goes on from offset 500 (asking again for the 2 rows before it, to check
    // them): none of its first 500 rows again in the resumed pass
    const pages = statisticsRequests(sim).filter((r) => r.campaignId === failing && r.query["limit"] === "500")
    const resumed = pages.filter((r) => r.query["sent_time_start_date"] === undefined).map((r) => r.query["offset"])
    expect(resumed).toEqual(["498", "996"])
    // then a catch-up pass from the new cursor less the lookback, for rows added behind the
    // resumed position since the failed sync (it may send rows of the lookback window again)
    const catchUp = pages.filter((r) => r.query["sent_time_start_date"] !== undefined)
    expect(catchUp[0]?.query["offset"]).toBe("0")
    const firstOfFailing = new Set(firstKeys.filter((key) => key.startsWith(`${failing}:`)))
    expect(secondKeys.filter((key) => key.startsWith(`${failing}:`) && !firstOfFailing.has(key))).toHaveLength(650)
    const after = statisticsState(lastState(second.messages, STREAM))
    expect(after.campaigns[failing]).not.toHaveProperty("offset")
    expect(after.campaigns[failing]!.sent_time).toBe(sim.engagement.sends(failing).at(-1)!.sentTime)
  })
})
