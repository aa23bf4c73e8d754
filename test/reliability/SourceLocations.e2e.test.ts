/**
 * An unexpected failure (a defect) is reported with a stack trace that names the TypeScript
 * sources, not positions in the minified bundle: the bundles ship source maps and the runner maps
 * the trace when it renders the ERROR trace's `internal_message`. The defect is provoked from
 * outside the connector: a preloaded module makes `JSON.stringify` throw on the first lead record,
 * which happens inside the runner's record serialisation (`src/airbyte/Output.ts`).
 */
import { describe, expect, it } from "vitest"
import { errorsOf, ofType } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"

const { files, readLeads, start } = setup()

const THROW_ON_FIRST_LEAD = `
const stringify = JSON.stringify
JSON.stringify = function (value, ...rest) {
  if (value !== null && typeof value === "object" && "campaign_id" in value && "email" in value) {
    throw new Error("record serialisation broke")
  }
  return stringify.call(this, value, ...rest)
}
`

describe("stack traces name the sources", () => {
  it("a defect's internal_message points at src/ files and lines, not at the bundle", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: [5], shape: "real" })
    const preload = files.write(THROW_ON_FIRST_LEAD, "throw-on-first-lead.cjs")
    const result = await readLeads(sim, {}, undefined, { env: { NODE_OPTIONS: `--require ${preload}` } })

    expect(result.code).toBe(1)
    const [error, ...others] = errorsOf(result.messages)
    expect(others).toEqual([])
    expect(error?.failure_type).toBe("system_error")
    expect(error?.message).toBe("Unexpected error: record serialisation broke")
    const trace = ofType(result.messages, "TRACE").find((m) => m["trace"].type === "ERROR")?.["trace"].error
      .internal_message as string
    // the frame that called JSON.stringify: Output's record rendering, by file, line and column
    expect(trace).toMatch(/\/src\/airbyte\/Output\.ts:\d+:\d+/)
    expect(trace).not.toMatch(/\/dist\/\S*\.[cm]?js:\d+/)
  })
})
