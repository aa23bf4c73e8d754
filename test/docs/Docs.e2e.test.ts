/**
 * Keeps the Airbyte registration files in step with the code: docs/integrations/sources/smartlead.md
 * (generated tables, Airbyte's template headings), metadata.yaml, icon.svg,
 * acceptance-test-config.yml and integration_tests/ (expected_records.jsonl included) against
 * spec.json, catalog.json, package.json, the Dockerfile and the connector. `check` on the invalid
 * config and the expected records need the build (`npm test` builds first).
 */
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import { decode as decodeCursorState } from "../../src/airbyte/Cursor.js"
import { SmartLeadSource } from "../../src/smartlead/Source.js"
import { makeAjv } from "../helpers/Ajv.js"
import { ofType, runConnector } from "../helpers/Connector.js"
import { protocolErrors } from "../helpers/Protocol.js"
import { recordProblem } from "../helpers/Schemas.js"

const LEADS_KEYS = { cursor: "created_at", partitions: "campaigns" } as const
const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const text = (path: string): string => readFileSync(join(ROOT, path), "utf8")

const json = (path: string): any => JSON.parse(text(path))

const yaml = (path: string): any => parseYaml(text(path))

/** The pure functions of scripts/generate-docs.mjs (plain JS, imported by URL so tsc does not look for types). */
interface GenerateDocs {
  readonly DOCS_PATH: string
  readonly CONFIGURED_CATALOG_PATH: string
  readonly renderDocs: (markdown: string, spec: unknown, catalog: unknown) => string
  readonly renderConfiguredCatalog: (catalog: unknown) => string
}
const generateDocsUrl: string = new URL("../../scripts/generate-docs.mjs", import.meta.url).href
const generator = (await import(generateDocsUrl)) as GenerateDocs
/** scripts/generate-expected-records.mjs. */
interface GenerateExpectedRecords {
  readonly EXPECTED_RECORDS_PATH: string
  readonly expectedRecords: (root: string) => Promise<string>
}
const generateExpectedRecordsUrl: string = new URL("../../scripts/generate-expected-records.mjs", import.meta.url).href
const expectedRecordsGenerator = (await import(generateExpectedRecordsUrl)) as GenerateExpectedRecords

const spec = json("spec.json")
const catalog = json("catalog.json")
const version: string = json("package.json").version
const properties: Record<string, unknown> = spec.connectionSpecification.properties
const streamNames = new Set<string>(catalog.streams.map((s: { stream: { name: string } }) => s.stream.name))

const validateConfig = makeAjv().compile(spec.connectionSpecification)

/**
 * The order of headings Airbyte's documentation QA check expects (connectors_qa's template.md.j2
 * and CheckDocumentationHeadersOrder): `null` marks a place for connector-specific headings;
 * `optional` ones may be left out.
 */
const TEMPLATE_HEADINGS: ReadonlyArray<{ readonly name: string | null; readonly optional?: boolean }> = [
  { name: "SmartLead" },
  { name: "Prerequisites" },
  { name: "Setup guide" },
  { name: "Set up SmartLead" },
  { name: "For Airbyte Cloud:", optional: true },
  { name: "For Airbyte Open Source:", optional: true },
  { name: null },
  { name: "Set up the SmartLead connector in Airbyte", optional: true },
  { name: "For Airbyte Cloud:", optional: true },
  { name: "For Airbyte Open Source:", optional: true },
  { name: null },
  { name: "Supported sync modes" },
  { name: "Supported Streams" },
  { name: null },
  { name: "Performance considerations", optional: true },
  { name: "Data type map", optional: true },
  { name: "Limitations & Troubleshooting", optional: true },
  { name: null },
  { name: "Tutorials", optional: true },
  { name: "Changelog" }
]

/** The QA check's walk: what is wrong with the order of `headings`, or undefined. */
const headingOrderProblem = (headings: ReadonlyArray<string>): string | undefined => {
  const known = new Set(TEMPLATE_HEADINGS.flatMap((h) => (h.name === null ? [] : [h.name])))
  let actual = 0
  let expected = 0
  while (actual < headings.length && expected < TEMPLATE_HEADINGS.length) {
    const heading = headings[actual]!
    const template = TEMPLATE_HEADINGS[expected]!
    if (template.name === null) {
      if (known.has(heading)) expected++
      else actual++
    } else if (heading === template.name) {
      actual++
      expected++
    } else if (template.optional === true) {
      expected++
    } else {
      return `heading ${JSON.stringify(heading)} where the template expects ${JSON.stringify(template.name)}`
    }
  }
  const missing = TEMPLATE_HEADINGS.slice(expected).filter((h) => h.name !== null && h.optional !== true)
  return missing.length > 0 ? `missing headings ${missing.map((h) => h.name).join(", ")}` : undefined
}

describe("docs/integrations/sources/smartlead.md", () => {
  const docs = text(generator.DOCS_PATH)

  it("has the generated tables of the current spec.json and catalog.json (run `npm run generate`)", () => {
    expect(docs).toContain("<!-- config-table:start -->")
    expect(docs).toContain("<!-- streams-table:start -->")
    expect(generator.renderDocs(docs, spec, catalog)).toBe(docs)
  })

  it("documents every config key and every stream", () => {
    for (const key of Object.keys(properties)) expect(docs).toContain(`| \`${key}\` |`)
    for (const name of streamNames) expect(docs).toContain(`| \`${name}\` |`)
  })

  it("is where Airbyte keeps a source's docs", () => {
    expect(generator.DOCS_PATH).toBe("docs/integrations/sources/smartlead.md")
  })

  it("has the Airbyte docs sections, named and ordered as Airbyte's template", () => {
    for (
      const heading of [
        "## Prerequisites",
        "## Setup guide",
        "## Set up SmartLead",
        "## Set up the SmartLead connector in Airbyte",
        "### For Airbyte Cloud:",
        "### For Airbyte Open Source:",
        "## Configuration",
        "## Supported sync modes",
        "## Supported Streams",
        "## Performance considerations",
        "## Limitations & Troubleshooting",
        "## Changelog"
      ]
    ) expect(docs.split("\n")).toContain(heading)
    const headings = docs.split("\n").filter((line) => /^#{1,6} /.test(line)).map((line) =>
      line.replace(/^#+ /, "").trim()
    )
    expect(headingOrderProblem(headings)).toBeUndefined()
    expect(headingOrderProblem(headings.filter((h) => h !== "Supported Streams"))).toMatch(/Supported Streams/)
    expect(
      headingOrderProblem([
        "SmartLead",
        "Prerequisites",
        "Setup guide",
        "Set up SmartLead",
        "Changelog",
        "Supported sync modes"
      ])
    ).toBeDefined()
  })

  it("has a changelog with Airbyte's columns", () => {
    const changelog = docs.slice(docs.indexOf("## Changelog"))
    expect(changelog).toContain("| Version | Date | Pull Request | Subject |")
  })

  it("holds no Meltano, shell or build-from-this-repository content (the README has it)", () => {
    expect(docs).not.toMatch(/meltano|tap-smartlead|singer/i)
    expect(docs).not.toMatch(/node dist\/|docker build|docker run|kind load|from this repository|\| jq/i)
    expect(docs).not.toContain("### Outside Airbyte")
    const readme = text("README.md")
    expect(readme).toContain("## With Meltano (Singer)")
    expect(readme).toContain("### Build")
    expect(readme).toContain("## In a shell pipe")
  })

  it("every changelog row's Pull Request cell is a link, not a dash", () => {
    const changelog = docs.slice(docs.indexOf("## Changelog"))
    const rows = changelog.split("\n").filter((line) => /^\|\s*\d+\.\d+\.\d+\s*\|/.test(line))
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      expect(row.split("|")[3]!.trim()).toMatch(/^\[[^\]]+\]\(https:\/\/github\.com\/[^)]+\)$/)
    }
    expect(text("README.md")).toMatch(/^## Changelog$/m)
  })

  it("has package.json's version at the top of the changelog", () => {
    const changelog = docs.slice(docs.indexOf("## Changelog"))
    const rows = changelog.split("\n").filter((line) => /^\|\s*\d+\.\d+\.\d+\s*\|/.test(line))
    expect(rows.length).toBeGreaterThan(0)
    const [latest, date] = rows[0]!.split("|").slice(1, 3).map((c) => c.trim())
    expect(rows[0]!.split("|").slice(1, -1)).toHaveLength(4)
    expect(latest).toBe(version)
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })
})

describe("metadata.yaml", () => {
  const metadata = yaml("metadata.yaml")
  const data = metadata.data
  const dockerfile = text("Dockerfile")

  it("has the required fields of Airbyte's connector metadata", () => {
    expect(metadata.metadataSpecVersion).toBe("1.0")
    expect(Object.keys(metadata).sort()).toEqual(["data", "metadataSpecVersion"])
    expect(data).toMatchObject({
      connectorType: "source",
      connectorSubtype: "api",
      dockerRepository: "airbyte/source-smartlead",
      githubIssueLabel: "source-smartlead",
      name: "SmartLead",
      releaseStage: "alpha",
      supportLevel: "community",
      license: json("package.json").license,
      allowedHosts: { hosts: ["server.smartlead.ai"] },
      registryOverrides: { cloud: { enabled: true }, oss: { enabled: true } }
    })
    expect(data.tags).toContain("language:typescript")
    expect(data.definitionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(() => new URL(data.documentationUrl)).not.toThrow()
  })

  it("allows the host of the default base_url", () => {
    const baseUrl = (properties["base_url"] as { default: string }).default
    expect(data.allowedHosts.hosts).toContain(new URL(baseUrl).hostname)
  })

  it("points documentationUrl at the docs page, the same page spec.json names", () => {
    expect(data.documentationUrl).toBe(spec.documentationUrl)
    expect(new URL(data.documentationUrl).pathname.endsWith(`/${generator.DOCS_PATH}`)).toBe(true)
  })

  it("has dockerImageTag = package.json's version = the Dockerfile's VERSION default", () => {
    expect(data.dockerImageTag).toBe(version)
    const arg = /^ARG VERSION=(\S+)\s*$/m.exec(dockerfile)
    expect(arg?.[1]).toBe(version)
  })

  it("names icon.svg as its icon, an SVG image", () => {
    expect(data.icon).toBe("icon.svg")
    const svg = text("icon.svg")
    expect(svg.trimStart().startsWith("<svg ")).toBe(true)
    expect(svg).toMatch(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/)
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true)
  })

  it("has the Dockerfile's io.airbyte.name as dockerRepository", () => {
    expect(/io\.airbyte\.name="([^"]+)"/.exec(dockerfile)?.[1]).toBe(data.dockerRepository)
  })
})

describe("the node flags", () => {
  // The launcher's first line is where they are set and explained; the image runs the same.
  const first = text("src/launcher.ts").split("\n")[0]!
  const flags = /^#!\/usr\/bin\/env -S node ((?:--[a-z-]+(?:=\d+)? ?)+)$/.exec(first)?.[1]?.trim().split(" ")
  const dockerfile = text("Dockerfile")

  it("are the launcher's V8 heap flags, in its first line", () => {
    expect(flags).toEqual(["--max-semi-space-size=4", "--heap-growing-percent=30", "--no-concurrent-recompilation"])
  })

  it("are the Dockerfile's ENTRYPOINT, AIRBYTE_ENTRYPOINT and the flags it fills the compile cache with", () => {
    const program = "/airbyte/integration_code/dist/main.js"
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1]
    expect(JSON.parse(entrypoint ?? "null")).toEqual(["/usr/local/bin/node", ...flags!, program])
    expect(/^ENV AIRBYTE_ENTRYPOINT="([^"]+)"$/m.exec(dockerfile)?.[1]).toBe(
      ["/usr/local/bin/node", ...flags!, program].join(" ")
    )
    expect(/^ARG NODE_FLAGS="([^"]+)"$/m.exec(dockerfile)?.[1]).toBe(flags!.join(" "))
  })

  it("start both built programs (the bundler keeps the launcher's first line)", () => {
    for (const launcher of ["dist/main.js", "dist/tap.js"]) expect(text(launcher).split("\n")[0]).toBe(first)
  })
})

describe("integration_tests/", () => {
  it("configured_catalog.json equals catalog.json", () => {
    expect(json(generator.CONFIGURED_CATALOG_PATH)).toEqual(catalog)
    expect(text(generator.CONFIGURED_CATALOG_PATH)).toBe(generator.renderConfiguredCatalog(catalog))
  })

  it("sample_config.json uses spec keys only and is valid against the spec", () => {
    const config = json("integration_tests/sample_config.json")
    for (const key of Object.keys(config)) expect(Object.keys(properties), key).toContain(key)
    expect(config.api_key).toBe("YOUR_SMARTLEAD_API_KEY")
    expect(Object.keys(config).length).toBeGreaterThan(1)
    expect(validateConfig(config), JSON.stringify(validateConfig.errors)).toBe(true)
  })

  it("invalid_config.json is invalid against the spec", () => {
    expect(validateConfig(json("integration_tests/invalid_config.json"))).toBe(false)
  })

  for (const file of ["sample_state.json", "abnormal_state.json"]) {
    it(`${file} is a platform state: STREAM states of incremental catalog streams, each in its stream's state shape`, () => {
      const states = json(`integration_tests/${file}`)
      expect(Array.isArray(states)).toBe(true)
      expect(states.length).toBeGreaterThan(0)
      for (const state of states) {
        expect(protocolErrors({ type: "STATE", state })).toBeUndefined()
        expect(state.type).toBe("STREAM")
        const name = state.stream.stream_descriptor.name
        expect(streamNames).toContain(name)
        const stream = SmartLeadSource.streams.find((s) => s.name === name)!
        expect(stream.supportedSyncModes).toContain("incremental")
        const keys = { cursor: stream.cursorField![0]!, partitions: "campaigns" }
        const decoded = decodeCursorState(keys, state.stream.stream_state)
        expect(Either.isRight(decoded), JSON.stringify(decoded)).toBe(true)
      }
    })
  }

  it("sample_state.json has per-campaign entries, one of them part-way (offset) with the pass its offset counts against", () => {
    const decoded = decodeCursorState(LEADS_KEYS, json("integration_tests/sample_state.json")[0].stream.stream_state)
    const entries = [...(Either.getOrThrow(decoded)?.partitions?.values() ?? [])]
    expect(entries.filter((e) => e.offset !== undefined && e.pass !== undefined)).toHaveLength(1)
    expect(entries.filter((e) => e.offset === undefined && e.cursor !== undefined)).toHaveLength(1)
    expect(entries.every((e) => e.reconciledAt !== undefined && e.activityAt !== undefined)).toBe(true)
  })

  it("abnormal_state.json has a far-future cursor for every incremental stream", () => {
    const states = json("integration_tests/abnormal_state.json")
    const incremental = SmartLeadSource.streams.filter((stream) => stream.supportedSyncModes.includes("incremental"))
    expect(states.map((state: any) => state.stream.stream_descriptor.name).sort()).toEqual(
      incremental.map((stream) => stream.name).sort()
    )
    for (const state of states) {
      const stream = incremental.find((s) => s.name === state.stream.stream_descriptor.name)!
      expect(state.stream.stream_state[stream.cursorField![0]!]).toBe("2100-01-01T00:00:00.000Z")
    }
  })

  it("expected_records.jsonl is what the connector reads from the simulator now (run `npm run generate`), each record valid", async () => {
    const committed = text(expectedRecordsGenerator.EXPECTED_RECORDS_PATH)
    const lines = committed.split("\n").filter((line) => line.length > 0).map((line) =>
      JSON.parse(line) as { stream: string; data: unknown; emitted_at: number }
    )
    expect(new Set(lines.map((line) => line.stream))).toEqual(streamNames)
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(["stream", "data", "emitted_at"])
      expect(recordProblem(line.stream, line.data)).toBeUndefined()
    }
    expect(await expectedRecordsGenerator.expectedRecords(ROOT)).toBe(committed)
  })

  it("check with invalid_config.json answers CONNECTION_STATUS FAILED (exit 0)", async () => {
    const result = await runConnector(["check", "--config", join(ROOT, "integration_tests/invalid_config.json")])
    expect(result.code).toBe(0)
    const statuses = ofType(result.messages, "CONNECTION_STATUS")
    expect(statuses).toHaveLength(1)
    expect(statuses[0]!["connectionStatus"].status).toBe("FAILED")
    expect(statuses[0]!["connectionStatus"].message).toMatch(/api_key/)
    expect(statuses[0]!["connectionStatus"].message).toMatch(/page_size/)
  })
})
