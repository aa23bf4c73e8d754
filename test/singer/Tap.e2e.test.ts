/**
 * `tap-smartlead`: the Singer tap over the same source. About, discovery, selection, message
 * shapes (checked against the Singer message spec), and a two-run incremental round trip
 * through the Singer state.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { makeAjv } from "../helpers/Ajv.js"
import { runScript, TAP, tempFiles } from "../helpers/Connector.js"
import { entries, STREAM_NAMES } from "../helpers/Reads.js"
import type { Simulator } from "../simulator/Simulator.js"
import { startSimulator } from "../simulator/Simulator.js"

const files = tempFiles()
afterAll(() => files.cleanup())
const simulators: Array<Simulator> = []
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()))
})

const ajv = makeAjv({ strict: false })
/** The Singer spec's messages (singer-io/getting-started, SPEC.md). */
const validateSinger = ajv.compile({
  oneOf: [
    {
      type: "object",
      required: ["type", "stream", "schema", "key_properties"],
      properties: {
        type: { const: "SCHEMA" },
        stream: { type: "string" },
        schema: { type: "object" },
        key_properties: { type: "array", items: { type: "string" } },
        bookmark_properties: { type: "array", items: { type: "string" } }
      }
    },
    {
      type: "object",
      required: ["type", "stream", "record"],
      properties: {
        type: { const: "RECORD" },
        stream: { type: "string" },
        record: { type: "object" },
        time_extracted: { type: "string", format: "date-time" }
      }
    },
    { type: "object", required: ["type", "value"], properties: { type: { const: "STATE" }, value: { type: "object" } } }
  ]
})

const runTap = (args: ReadonlyArray<string>, options: { process?: boolean } = {}) => runScript(TAP, args, options)

const messagesOf = (stdout: string) => {
  const messages = stdout.split("\n").filter((line) => line.length > 0).map((line) =>
    JSON.parse(line) as Record<string, any>
  )
  for (const message of messages) {
    if (!validateSinger(message)) {
      throw new Error(
        `not a Singer message: ${JSON.stringify(message).slice(0, 200)} ${ajv.errorsText(validateSinger.errors)}`
      )
    }
  }
  return messages
}

const start = async () => {
  const sim = await startSimulator({ campaigns: 2, leadsPerCampaign: [9, 5], shape: "mixed" })
  simulators.push(sim)
  return {
    sim,
    config: files.write({
      api_key: sim.apiKey,
      base_url: sim.url,
      max_requests_per_second: 100,
      page_size: 4,
      inactive_campaign_interval_hours: 0
    })
  }
}

describe("tap-smartlead", () => {
  it("--about --format json lists capabilities and settings", async () => {
    const { code, stdout } = await runTap(["--about", "--format", "json"], { process: true })
    expect(code).toBe(0)
    const about = JSON.parse(stdout)
    expect(about.name).toBe("tap-smartlead")
    expect(about.capabilities).toEqual(["catalog", "discover", "state", "about"])
    expect(about.settings.properties.api_key).toMatchObject({ type: "string", secret: true })
    expect(about.settings.properties.lead_status.enum).toContain("STARTED")
    expect(about.settings.required).toEqual(["api_key"])
  })

  it("--discover prints a Singer catalog with metadata breadcrumbs", async () => {
    const { config } = await start()
    const { code, stdout } = await runTap(["--config", config, "--discover"])
    expect(code).toBe(0)
    const catalog = JSON.parse(stdout)
    expect(catalog.streams.map((s: any) => s.tap_stream_id)).toEqual([...STREAM_NAMES])
    const leads = catalog.streams[0]
    expect(leads.key_properties).toEqual(["campaign_id", "id"])
    expect(leads.replication_key).toBe("created_at")
    const top = leads.metadata.find((m: any) => m.breadcrumb.length === 0).metadata
    expect(top).toEqual({
      inclusion: "available",
      "selected-by-default": true,
      "table-key-properties": ["campaign_id", "id"],
      "valid-replication-keys": ["created_at"]
    })
    expect(leads.metadata.find((m: any) => m.breadcrumb[1] === "id").metadata.inclusion).toBe("automatic")
    expect(leads.metadata.find((m: any) => m.breadcrumb[1] === "email").metadata.inclusion).toBe("available")
    const campaigns = catalog.streams[1].metadata.find((m: any) => m.breadcrumb.length === 0).metadata
    expect(campaigns["forced-replication-method"]).toBe("FULL_TABLE")
  })

  it("syncs only selected streams: SCHEMA first, RECORDs with time_extracted, STATE bookmarks; a second run gets only new leads", async () => {
    const { config, sim } = await start()
    const discovered = JSON.parse((await runTap(["--config", config, "--discover"])).stdout)
    for (const stream of discovered.streams) {
      stream.metadata.find((m: any) => m.breadcrumb.length === 0).metadata.selected = stream.tap_stream_id === "leads"
    }
    const catalog = files.write(discovered)
    const first = await runTap(["--config", config, "--catalog", catalog])
    expect(first.code).toBe(0)
    const messages = messagesOf(first.stdout)
    expect(messages[0]).toMatchObject({
      type: "SCHEMA",
      stream: "leads",
      key_properties: ["campaign_id", "id"],
      bookmark_properties: ["created_at"]
    })
    const records = messages.filter((m) => m["type"] === "RECORD")
    expect(records).toHaveLength(14)
    expect(new Set(records.map((m) => m["stream"]))).toEqual(new Set(["leads"]))
    expect(records.every((m) => !Number.isNaN(Date.parse(m["time_extracted"])))).toBe(true)
    const states = messages.filter((m) => m["type"] === "STATE")
    const last = states.at(-1)!["value"]
    expect(Object.keys(last.bookmarks)).toEqual(["leads"])
    for (const id of sim.campaignIds) {
      expect(entries(last.bookmarks.leads).campaigns[id]!.created_at).toBe(sim.leads(id).at(-1)!.createdAt)
    }
    expect(first.stderr).not.toMatch(/CRITICAL/)

    const added = sim.addLeads(sim.campaignIds[1]!, 3)
    const second = await runTap(["--config", config, "--catalog", catalog, "--state", files.write(last)])
    expect(second.code).toBe(0)
    const again = messagesOf(second.stdout).filter((m) => m["type"] === "RECORD").map((m) => m["record"])
    const addedIds = added.map((lead) => lead.id)
    expect(again.map((r) => r.id)).toEqual(expect.arrayContaining(addedIds))
    for (const record of again.filter((r) => !addedIds.includes(r.id))) {
      expect(record.created_at).toBe(entries(last.bookmarks.leads).campaigns[record.campaign_id]!.created_at)
    }
    const secondState = messagesOf(second.stdout).filter((m) => m["type"] === "STATE").at(-1)!["value"]
    const wrapped = await runTap([
      "--config",
      config,
      "--catalog",
      catalog,
      "--state",
      files.write({ type: "STATE", value: secondState })
    ])
    for (const message of messagesOf(wrapped.stdout).filter((m) => m["type"] === "RECORD")) {
      expect(message["record"].created_at).toBe(
        entries(secondState.bookmarks.leads).campaigns[message["record"].campaign_id]!.created_at
      )
    }
  })

  it("reports errors on stderr with a non-zero exit", async () => {
    // as a child process: the exit code is the executable's own
    const missing = await runTap(["--config", "/nonexistent.json", "--discover"], { process: true })
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe("")
    expect(missing.stderr).toMatch(/CRITICAL Invalid --config file "\/nonexistent.json": no such file/)
    const { config } = await start()
    const badState = await runTap([
      "--config",
      config,
      "--state",
      files.write({ bookmarks: { leads: { campaigns: 3 } } })
    ])
    expect(badState.code).toBe(1)
    expect(badState.stderr).toMatch(/leads state is invalid/)
    const noConfig = await runTap([])
    expect(noConfig.code).toBe(2)
  })
})

describe("--config as the Meltano SDK takes it: ENV, and repeated files merged with the later winning", () => {
  const leadsCatalog = async (config: ReadonlyArray<string>) => {
    const discovered = JSON.parse((await runTap([...config, "--discover"])).stdout)
    for (const stream of discovered.streams) {
      stream.metadata.find((m: any) => m.breadcrumb.length === 0).metadata.selected = stream.tap_stream_id === "leads"
    }
    return files.write(discovered)
  }
  const recordsIn = (stdout: string) => messagesOf(stdout).filter((m) => m["type"] === "RECORD")
  const leadLimits = (sim: Simulator) =>
    Array.from(new Set(sim.requests.filter((r) => r.path.endsWith("/leads")).map((r) => r.query["limit"])))

  it("--config ENV reads TAP_SMARTLEAD_* variables: strings, numbers, a comma-separated array, a boolean", async () => {
    const { sim } = await start()
    const variables: Record<string, string> = {
      TAP_SMARTLEAD_API_KEY: sim.apiKey,
      TAP_SMARTLEAD_BASE_URL: sim.url,
      TAP_SMARTLEAD_MAX_REQUESTS_PER_SECOND: "100",
      TAP_SMARTLEAD_PAGE_SIZE: "3",
      TAP_SMARTLEAD_CAMPAIGN_IDS: `${sim.campaignIds[1]}`,
      TAP_SMARTLEAD_ACTIVITY_SWEEP: "false"
    }
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]))
    Object.assign(process.env, variables)
    try {
      const catalog = await leadsCatalog(["--config", "ENV"])
      // as a child process, as Meltano runs it (the environment is inherited)
      const result = await runTap(["--config", "ENV", "--catalog", catalog], { process: true })
      expect(result.stderr).not.toMatch(/CRITICAL/)
      expect(result.code).toBe(0)
      const records = recordsIn(result.stdout)
      expect(records).toHaveLength(5)
      expect(new Set(records.map((m) => m["record"].campaign_id))).toEqual(new Set([sim.campaignIds[1]]))
      expect(leadLimits(sim)).toEqual(["3"])
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
  })

  it("several --config files are merged, the later winning; ENV among them takes its place in the order", async () => {
    const { sim } = await start()
    const base = files.write({
      api_key: "not-the-key-1",
      base_url: sim.url,
      max_requests_per_second: 100,
      page_size: 3
    })
    const key = files.write({ api_key: sim.apiKey })
    const catalog = await leadsCatalog(["--config", base, "--config", key])
    const merged = await runTap(["--config", base, "--config", key, "--catalog", catalog])
    expect(merged.code).toBe(0)
    expect(recordsIn(merged.stdout)).toHaveLength(14)
    expect(leadLimits(sim)).toEqual(["3"])
    // the other order: the wrong key wins
    const reversed = await runTap(["--config", key, "--config", base, "--catalog", catalog])
    expect(reversed.code).toBe(1)
    expect(reversed.stderr).toMatch(/CRITICAL .*refused the API key/)
    // ENV then a file: the file wins over the variable
    const saved = process.env["TAP_SMARTLEAD_API_KEY"]
    process.env["TAP_SMARTLEAD_API_KEY"] = "not-the-key-2"
    try {
      const envFirst = await runTap(["--config", "ENV", "--config", base, "--config", key, "--catalog", catalog])
      expect(envFirst.code).toBe(0)
      const envLast = await runTap(["--config", base, "--config", key, "--config", "ENV", "--catalog", catalog])
      expect(envLast.code).toBe(1)
      expect(envLast.stderr).toMatch(/CRITICAL .*refused the API key/)
    } finally {
      if (saved === undefined) delete process.env["TAP_SMARTLEAD_API_KEY"]
      else process.env["TAP_SMARTLEAD_API_KEY"] = saved
    }
  })

  it("a config file that is not a JSON object cannot be merged, and is named", async () => {
    const { config } = await start()
    const list = files.write([1, 2])
    const result = await runTap(["--config", config, "--config", list, "--discover"])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`CRITICAL Invalid --config file ${JSON.stringify(list)}: not a JSON object`)
  })
})
