/**
 * Record conformance end to end, in Airbyte mode: campaigns whose integer fields the API sends as
 * strings come out as numbers, every record has every declared field in schema order, and what
 * cannot be made a number is passed through and named in one WARN at the end of the stream. The
 * config is given as Meltano passes it (numbers as strings, a date alone).
 */
import { describe, expect, it } from "vitest"
import { SmartLeadSource } from "../../src/smartlead/Source.js"
import { ofType, recordsOf, runConnector } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
import { recordProblem } from "../helpers/Schemas.js"

const { files, start } = setup()

const campaignsOnly = () =>
  files.write({
    streams: [{
      stream: { name: "campaigns", json_schema: {}, supported_sync_modes: ["full_refresh"] },
      sync_mode: "full_refresh",
      destination_sync_mode: "overwrite"
    }]
  })

describe("record conformance", () => {
  it("coerces numeric strings, fills and orders the declared fields, and warns once about what it cannot coerce", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 1 })
    const [first, second, third] = sim.campaigns() as unknown as Array<Record<string, unknown>>
    Object.assign(first!, { user_id: "196026", client_id: "4242", parent_campaign_id: "12", max_leads_per_day: "100" })
    Object.assign(second!, { client_id: "n/a", max_leads_per_day: "lots" })
    delete third!["tags"]
    delete third!["schedule_start_time"]
    const config = files.write({
      api_key: sim.apiKey,
      base_url: sim.url,
      max_requests_per_second: "1000",
      retry_initial_delay_ms: "5",
      start_date: "2024-01-01"
    })
    const result = await runConnector(["read", "--config", config, "--catalog", campaignsOnly()], {
      recordsMayMisfit: true
    })
    expect(result.code, result.stderr).toBe(0)
    const records = recordsOf(result.messages, "campaigns")
    expect(records.map((r) => r["id"])).toEqual([...sim.campaignIds])
    expect(records[0]).toMatchObject({
      user_id: 196026,
      client_id: 4242,
      parent_campaign_id: 12,
      max_leads_per_day: 100
    })
    expect(recordProblem("campaigns", records[0])).toBeUndefined()
    expect(recordProblem("campaigns", records[2])).toBeUndefined()
    expect(records[1]).toMatchObject({ client_id: "n/a", max_leads_per_day: "lots" })
    const declared = Object.keys(
      SmartLeadSource.streams.find((s) => s.name === "campaigns")!.jsonSchema["properties"] as object
    )
    for (const record of records) expect(Object.keys(record).slice(0, declared.length)).toEqual(declared)
    expect(records[2]).toMatchObject({ tags: null, schedule_start_time: null })
    const warnings = ofType(result.messages, "LOG").filter((m) => m["log"].level === "WARN").map((m) =>
      m["log"].message as string
    )
    expect(warnings).toEqual([
      "Stream \"campaigns\": 2 values not of the declared type passed through as sent: max_leads_per_day (1), client_id (1)"
    ])
  })
})
