/**
 * `tap-smartlead` as Meltano runs it, into a target that behaves as the stock Singer targets do
 * (test/helpers/Meltano.ts): settings as Meltano passes them (numbers as strings, a date alone),
 * Meltano-style field selection, the state the target keeps at the end, and a second run from it.
 * Also `--about` as Meltano Hub reads it.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { makeAjv } from "../helpers/Ajv.js"
import { runScript, TAP, tempFiles } from "../helpers/Connector.js"
import { hubSettings, meltanoSelect, minimalTarget, SDK_ABOUT_LAYOUT } from "../helpers/Meltano.js"
import { entries } from "../helpers/Reads.js"
import type { Simulator } from "../simulator/Simulator.js"
import { startSimulator } from "../simulator/Simulator.js"

const files = tempFiles()
afterAll(() => files.cleanup())
const simulators: Array<Simulator> = []
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()))
})

const runTap = (args: ReadonlyArray<string>) => runScript(TAP, args)

type Any = any

describe("tap-smartlead with Meltano", () => {
  it("keeps the selected fields, ends with a state the target keeps, and a second run from it reads only new leads", async () => {
    const sim = await startSimulator({ campaigns: 2, leadsPerCampaign: [7, 4], shape: "mixed" })
    simulators.push(sim)
    // as Meltano passes settings from the environment: numbers as strings, a date alone
    const config = files.write({
      api_key: sim.apiKey,
      base_url: sim.url,
      max_requests_per_second: "100",
      page_size: "3",
      start_date: "2024-06-01"
    })
    const discovered = await runTap(["--config", config, "--discover"])
    expect(discovered.code).toBe(0)
    const catalog = files.write(
      meltanoSelect(JSON.parse(discovered.stdout), [
        "leads.email",
        "leads.first_name",
        "campaigns.*",
        "lead_categories.*"
      ])
    )

    const first = await runTap(["--config", config, "--catalog", catalog])
    expect(first.code, first.stderr).toBe(0)
    const lines = first.stdout.trim().split("\n").map((line) => JSON.parse(line) as Any)
    expect(lines.at(-1).type).toBe("STATE")
    // every stream ends with a STATE: none ends on a RECORD
    for (const [index, message] of lines.entries()) {
      if (message.type === "RECORD" && lines[index + 1]?.type !== "RECORD") expect(lines[index + 1]?.type).toBe("STATE")
    }
    const target = minimalTarget(first.stdout)
    expect(Array.from(target.records.keys())).toEqual(["leads", "campaigns", "lead_categories"])

    // field selection narrows the leads SCHEMA and records to the selection plus keys and replication key
    const leadFields = ["campaign_id", "id", "email", "first_name", "created_at"]
    expect(Object.keys(target.schemas.get("leads").properties)).toEqual(leadFields)
    expect(target.schemas.get("leads").required).toEqual(["campaign_id", "id"])
    const leads = target.records.get("leads")!
    expect(leads).toHaveLength(11)
    for (const lead of leads) expect(Object.keys(lead)).toEqual(leadFields)
    expect(Object.keys(target.schemas.get("campaigns").properties)).toContain("user_id")
    expect(target.records.get("campaigns")!.map((c) => c["id"])).toEqual([...sim.campaignIds])

    // the state survives the target: every campaign's cursor at its newest lead
    expect(target.state).toBeDefined()
    for (const id of sim.campaignIds) {
      expect(entries(target.state.bookmarks.leads).campaigns[id]!.created_at).toBe(sim.leads(id).at(-1)!.createdAt)
    }

    const added = sim.addLeads(sim.campaignIds[0]!, 2)
    const second = await runTap(["--config", config, "--catalog", catalog, "--state", files.write(target.state)])
    expect(second.code, second.stderr).toBe(0)
    const again = minimalTarget(second.stdout)
    const addedIds = added.map((lead) => lead.id)
    const secondLeads = again.records.get("leads")!
    expect(secondLeads.map((lead) => lead["id"])).toEqual(expect.arrayContaining(addedIds))
    // besides the new leads, only each campaign's newest lead at the cursor itself (re-read by design, deduplicated on the key)
    for (const lead of secondLeads.filter((r) => !addedIds.includes(r["id"] as number))) {
      expect(lead["created_at"]).toBe(
        entries(target.state.bookmarks.leads).campaigns[lead["campaign_id"] as number]!.created_at
      )
    }
    expect(secondLeads.length).toBeLessThanOrEqual(addedIds.length + sim.campaignIds.length)
    expect(entries(again.state.bookmarks.leads).campaigns[sim.campaignIds[0]!]!.created_at).toBe(
      added.at(-1)!.createdAt
    )
  })

  it("start_date given as a date alone is midnight UTC: a later date reads no lead", async () => {
    const sim = await startSimulator({ campaigns: 1, leadsPerCampaign: 3, baseTime: "2025-03-01T00:00:00.000Z" })
    simulators.push(sim)
    const read = async (startDate: string) => {
      const config = files.write({
        api_key: sim.apiKey,
        base_url: sim.url,
        max_requests_per_second: "50",
        start_date: startDate
      })
      const result = await runTap(["--config", config])
      expect(result.code, result.stderr).toBe(0)
      return minimalTarget(result.stdout).records.get("leads") ?? []
    }
    expect(await read("2025-02-28")).toHaveLength(3)
    expect(await read("2025-03-02")).toHaveLength(0)
  })

  it("--about --format json is in the Meltano SDK's layout; --format markdown works", async () => {
    const json = await runTap(["--about", "--format=json"])
    expect(json.code).toBe(0)
    const about = JSON.parse(json.stdout)
    const validate = makeAjv().compile(SDK_ABOUT_LAYOUT)
    expect(validate(about), JSON.stringify(validate.errors)).toBe(true)
    expect(about.name).toBe("tap-smartlead")
    expect(hubSettings(about).filter((s) => s.kind === "number").map((s) => s.name)).toEqual([
      "max_requests_per_second",
      "request_timeout_seconds"
    ])
    expect(typeof about.settings.properties.max_requests_per_second.default).toBe("number")
    const markdown = await runTap(["--about", "--format", "markdown"])
    expect(markdown.code).toBe(0)
    expect(markdown.stdout).toMatch(/^# `tap-smartlead`\n/)
    expect(markdown.stdout).toContain("| api_key | True | None |")
  })
})
