/** The connector in a shell pipe: records only as JSON Lines or CSV, help texts. */
import { readFileSync } from "node:fs"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { MAIN, runScript, tempFiles } from "../helpers/Connector.js"
import { entries, STREAM_NAMES } from "../helpers/Reads.js"
import type { Simulator } from "../simulator/Simulator.js"
import { startSimulator } from "../simulator/Simulator.js"

const files = tempFiles()
afterAll(() => files.cleanup())
const simulators: Array<Simulator> = []
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()))
})

const run = (args: ReadonlyArray<string>) => runScript(MAIN, args)

/** A minimal RFC 4180 parser for the assertions. */
const parseCsv = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === "\"" && text[i + 1] === "\"") {
        field += "\""
        i++
      } else if (c === "\"") quoted = false
      else field += c
    } else if (c === "\"") quoted = true
    else if (c === ",") {
      row.push(field)
      field = ""
    } else if (c === "\r") continue
    else if (c === "\n") {
      row.push(field)
      rows.push(row)
      row = []
      field = ""
    } else field += c
  }
  return rows
}

const start = async () => {
  const sim = await startSimulator({ campaigns: 2, leadsPerCampaign: [6, 4], shape: "mixed" })
  simulators.push(sim)
  return { sim, config: files.write({ api_key: sim.apiKey, base_url: sim.url, max_requests_per_second: 100 }) }
}

describe("read --records-only", () => {
  it("prints just the lead objects as JSON Lines, nothing else on stdout", async () => {
    const { config, sim } = await start()
    const { code, stderr, stdout } = await run(["read", "--config", config, "--records-only"])
    expect(code).toBe(0)
    // A read shorter than the progress interval: only the sync's last line.
    expect(stderr).toBe(
      `info: Sync done: ${sim.requests.length} requests (leads ${sim.requests.length}), 0 retried, 0 s waited for the rate limit, 10 records\n`
    )
    const leads = stdout.trim().split("\n").map((line) => JSON.parse(line))
    expect(leads.map((lead) => `${lead.campaign_id}:${lead.id}`).sort()).toEqual(
      sim.leads().map((l) => `${l.campaignId}:${l.id}`).sort()
    )
    expect(leads.every((lead) => typeof lead.email === "string" && lead.type === undefined)).toBe(true)
  })

  it("--stream picks another stream", async () => {
    const { config, sim } = await start()
    const { stdout } = await run(["read", "--config", config, "--records-only", "--stream", "campaigns"])
    expect(stdout.trim().split("\n").map((line) => JSON.parse(line).id)).toEqual([...sim.campaignIds])
  })

  it("exports CSV with the default columns, category names filled in", async () => {
    const { config, sim } = await start()
    const real = sim.campaignIds.find((id) => sim.shapeOf(id) === "real")!
    Object.assign(sim.leads(real)[0]!, { categoryId: 1, categoryName: "Interested" })
    const { code, stdout } = await run(["read", "--config", config, "--records-only", "--format", "csv"])
    expect(code).toBe(0)
    const [header, ...rows] = parseCsv(stdout)
    expect(header).toEqual([
      "email",
      "first_name",
      "last_name",
      "company_name",
      "status",
      "category_name",
      "created_at",
      "campaign_id"
    ])
    expect(rows).toHaveLength(10)
    expect(rows.filter((row) => row[5] === "Interested").length).toBeGreaterThanOrEqual(1)
    for (const row of rows) {
      const lead = sim.leads().find((l) => l.email === row[0])!
      expect(row).toEqual([
        lead.email,
        lead.firstName ?? "",
        lead.lastName ?? "",
        lead.companyName ?? "",
        lead.status,
        lead.categoryName ?? "",
        lead.createdAt,
        String(lead.campaignId)
      ])
    }
  })

  it("--columns picks fields, nested by dotted path, quoting as RFC 4180 says", async () => {
    const { config, sim } = await start()
    const lead = sim.leads()[0]!
    lead.companyName = "Acme, \"the\" Company\nLtd"
    lead.customFields = { job_title: "CEO", tags: ["a", "b"] }
    const { stdout } = await run([
      "read",
      "--config",
      config,
      "--format",
      "csv",
      "--columns",
      "id,company_name,custom_fields.job_title,custom_fields.tags"
    ])
    const rows = parseCsv(stdout)
    expect(rows[0]).toEqual(["id", "company_name", "custom_fields.job_title", "custom_fields.tags"])
    expect(rows.find((row) => row[0] === String(lead.id))).toEqual([
      String(lead.id),
      "Acme, \"the\" Company\nLtd",
      "CEO",
      "[\"a\",\"b\"]"
    ])
  })

  it("sends errors to stderr as text with a non-zero exit", async () => {
    const { sim } = await start()
    const { code, stderr, stdout } = await run([
      "read",
      "--config",
      files.write({ api_key: "wrong-key-77", base_url: sim.url }),
      "--records-only"
    ])
    expect(code).toBe(1)
    expect(stdout).toBe("")
    expect(stderr).toMatch(/^error: .*refused the API key/m)
    expect(stderr).not.toContain("wrong-key-77")
  })
})

describe("--help", () => {
  it("explains the commands and the read flags with examples", async () => {
    const root = await run(["--help"])
    expect(root.code).toBe(0)
    for (const command of ["spec", "check", "discover", "read"]) expect(root.stdout).toContain(command)
    const read = await run(["read", "--help"])
    expect(read.code).toBe(0)
    for (const flag of ["--config", "--catalog", "--state", "--records-only", "--format", "--columns", "--stream"]) {
      expect(read.stdout).toContain(flag)
    }
    expect(read.stdout).toMatch(/--format csv --columns/)
  })
})

describe("progress on stderr", () => {
  it("writes a progress line every --progress-interval and the sync's last line to stderr, nothing more to stdout", async () => {
    const sim = await startSimulator({ campaigns: 4, leadsPerCampaign: [30, 20, 10, 5], latencyMs: 40 })
    simulators.push(sim)
    const config = files.write({ api_key: sim.apiKey, base_url: sim.url, max_requests_per_second: 10, page_size: 10 })
    const { code, stderr, stdout } = await run([
      "read",
      "--config",
      config,
      "--format",
      "csv",
      "--columns",
      "id",
      "--progress-interval",
      "0.2"
    ])
    expect(code).toBe(0)
    // stdout: the CSV alone, a header and one row per lead.
    expect(stdout.split("\r\n")).toHaveLength(1 + 65 + 1)
    expect(parseCsv(stdout).map((row) => row[0]).slice(1).sort()).toEqual(sim.leads().map((l) => String(l.id)).sort())
    expect(parseCsv(stdout).every((row) => row.length === 1 && /^\d+$|^id$/.test(row[0]!))).toBe(true)
    const lines = stderr.trimEnd().split("\n")
    const progress = lines.slice(0, -1)
    expect(progress.length).toBeGreaterThanOrEqual(2)
    for (const line of progress) {
      expect(line).toMatch(
        /^progress: (starting|leads: (\d of 4 campaigns, )?[\d,]+ records?), [\d,]+ requests?, [\d.]+ s waited for the rate limit, [\d.]+ s elapsed(, about .+ left)?$/
      )
    }
    expect(progress.some((line) => / of 4 campaigns, .*, about .+ left$/.test(line))).toBe(true)
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^info: Sync done: ${sim.requests.length} requests \\(leads ${sim.requests.length}\\), 0 retried, [\\d.]+ s waited for the rate limit, 65 records$`
      )
    )
    expect(stderr).not.toContain("\r")
  })

  it("--progress-interval 0 prints nothing on stderr; a protocol read never prints progress", async () => {
    const { config } = await start()
    const quiet = await run(["read", "--config", config, "--records-only", "--progress-interval", "0"])
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe("")
    const protocol = await run(["read", "--config", config, "--stream", "leads", "--progress-interval", "0.001"])
    expect(protocol.code).toBe(0)
    expect(protocol.stderr).toBe("")
    const messages = protocol.stdout.trim().split("\n").map((line) => JSON.parse(line))
    expect(messages.filter((m) => m.type === "LOG" && /^Sync /.test(m.log.message)).map((m) => m.log.message)).toEqual([
      expect.stringMatching(/^Sync done: \d+ requests \(leads \d+\)/)
    ])
    expect(protocol.stdout).not.toContain("progress:")
  })
})

describe("incremental exports", () => {
  it("--state-output saves the state; the next export with --state prints only new leads", async () => {
    const { config, sim } = await start()
    const state = `${files.dir}/export-state.json`
    const first = await run(["read", "--config", config, "--format", "csv", "--state-output", state])
    expect(first.code).toBe(0)
    expect(parseCsv(first.stdout)).toHaveLength(11)
    const saved = JSON.parse(readFileSync(state, "utf8"))
    expect(saved).toHaveLength(1)
    expect(saved[0]).toMatchObject({ type: "STREAM", stream: { stream_descriptor: { name: "leads" } } })
    const added = sim.addLeads(sim.campaignIds[0]!, 2)
    const second = await run([
      "read",
      "--config",
      config,
      "--format",
      "csv",
      "--columns",
      "id,created_at",
      "--state",
      state,
      "--state-output",
      state
    ])
    const ids = parseCsv(second.stdout).slice(1).map((row) => Number(row[0]))
    expect(ids).toEqual(expect.arrayContaining(added.map((lead) => lead.id)))
    const cursors = entries(saved[0].stream.stream_state).campaigns
    for (const row of parseCsv(second.stdout).slice(1)) {
      if (added.some((lead) => lead.id === Number(row[0]))) continue
      expect(Object.values(cursors).map((c) => c.created_at)).toContain(row[1])
    }
  })

  it("--state-output works in protocol mode too, saving the last STATE of every stream as a state input", async () => {
    const { config } = await start()
    const state = `${files.dir}/protocol-state.json`
    const { code, stdout } = await run(["read", "--config", config, "--state-output", state])
    expect(code).toBe(0)
    const lastPerStream = new Map<string, unknown>()
    for (const line of stdout.trim().split("\n")) {
      const message = JSON.parse(line)
      if (message.type === "STATE") {
        lastPerStream.set(message.state.stream.stream_descriptor.name, { type: "STREAM", stream: message.state.stream })
      }
    }
    expect(JSON.parse(readFileSync(state, "utf8"))).toEqual(Array.from(lastPerStream.values()))
    expect([...lastPerStream.keys()]).toEqual([...STREAM_NAMES])
  })
})
