/**
 * Keeps the Airbyte registration files in step with the code: docs/source-smartlead.md's generated
 * tables, metadata.yaml, acceptance-test-config.yml and integration_tests/ against spec.json,
 * catalog.json, package.json and the Dockerfile. `check` on the invalid config needs the build
 * (`npm test` builds first).
 */
import AjvModule from "ajv"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import { decode as decodeCursorState } from "../../src/airbyte/Cursor.js"
import { KEYS as LEADS_KEYS } from "../../src/smartlead/streams/Leads.js"
import { ofType, runConnector } from "../helpers/Connector.js"
import { protocolErrors } from "../helpers/Protocol.js"

const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const text = (path: string): string => readFileSync(join(ROOT, path), "utf8")
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (path: string): any => JSON.parse(text(path))
// eslint-disable-next-line @typescript-eslint/no-explicit-any
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

const spec = json("spec.json")
const catalog = json("catalog.json")
const version: string = json("package.json").version
const properties: Record<string, unknown> = spec.connectionSpecification.properties
const streamNames = new Set<string>(catalog.streams.map((s: { stream: { name: string } }) => s.stream.name))

const Ajv = AjvModule.default ?? AjvModule
const validateConfig = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: false })
  .compile(spec.connectionSpecification)

describe("docs/source-smartlead.md", () => {
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

  it("has the Airbyte docs sections", () => {
    for (const heading of [
      "## Prerequisites",
      "## Setup guide",
      "#### For Airbyte Cloud:",
      "#### For Airbyte Open Source:",
      "## Configuration",
      "## Supported sync modes",
      "## Supported streams",
      "## Performance considerations",
      "## Failure behaviour",
      "## Changelog"
    ]) expect(docs.split("\n")).toContain(heading)
  })

  it("has package.json's version at the top of the changelog", () => {
    const changelog = docs.slice(docs.indexOf("## Changelog"))
    const rows = changelog.split("\n").filter((line) => /^\|\s*\d+\.\d+\.\d+\s*\|/.test(line))
    expect(rows.length).toBeGreaterThan(0)
    const [latest, date] = rows[0]!.split("|").slice(1, 3).map((c) => c.trim())
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

  it("points documentationUrl at docs/source-smartlead.md, the same page spec.json names", () => {
    expect(data.documentationUrl).toBe(spec.documentationUrl)
    expect(new URL(data.documentationUrl).pathname.endsWith(`/${generator.DOCS_PATH}`)).toBe(true)
  })

  it("has dockerImageTag = package.json's version = the Dockerfile's VERSION default", () => {
    expect(data.dockerImageTag).toBe(version)
    const arg = /^ARG VERSION=(\S+)\s*$/m.exec(dockerfile)
    expect(arg?.[1]).toBe(version)
  })

  it("has the Dockerfile's io.airbyte.name as dockerRepository", () => {
    expect(/io\.airbyte\.name="([^"]+)"/.exec(dockerfile)?.[1]).toBe(data.dockerRepository)
  })
})

describe("acceptance-test-config.yml", () => {
  const config = yaml("acceptance-test-config.yml")
  const tests = config.acceptance_tests

  it("tests the dev image of metadata.yaml's repository", () => {
    expect(config.connector_image).toBe(`${yaml("metadata.yaml").data.dockerRepository}:dev`)
  })

  it("runs spec, connection, discovery, basic_read, incremental and full_refresh", () => {
    expect(Object.keys(tests).sort()).toEqual(["basic_read", "connection", "discovery", "full_refresh", "incremental", "spec"])
    expect(tests.connection.tests).toEqual(expect.arrayContaining([
      { config_path: "secrets/config.json", status: "succeed" },
      { config_path: "integration_tests/invalid_config.json", status: "failed" }
    ]))
  })

  it("references files that exist (secrets/config.json aside)", () => {
    const paths: Array<string> = []
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk)
      else if (typeof value === "object" && value !== null) {
        for (const [key, inner] of Object.entries(value)) {
          if (key.endsWith("_path") && typeof inner === "string") paths.push(inner)
          else walk(inner)
        }
      }
    }
    walk(tests)
    expect(paths).toContain("spec.json")
    expect(paths).toContain("integration_tests/abnormal_state.json")
    for (const path of paths.filter((p) => !p.startsWith("secrets/"))) expect(existsSync(join(ROOT, path)), path).toBe(true)
  })

  it("names cursor paths of incremental streams only", () => {
    for (const test of tests.incremental.tests) {
      for (const [stream, path] of Object.entries(test.cursor_paths ?? {})) {
        const configured = catalog.streams.find((s: { stream: { name: string } }) => s.stream.name === stream)
        expect(configured?.stream.supported_sync_modes).toContain("incremental")
        expect(path).toEqual(configured.stream.default_cursor_field)
      }
    }
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
    it(`${file} is a platform state: STREAM states of catalog streams, in the leads state shape`, () => {
      const states = json(`integration_tests/${file}`)
      expect(Array.isArray(states)).toBe(true)
      expect(states.length).toBeGreaterThan(0)
      for (const state of states) {
        expect(protocolErrors({ type: "STATE", state })).toBeUndefined()
        expect(state.type).toBe("STREAM")
        const name = state.stream.stream_descriptor.name
        expect(streamNames).toContain(name)
        expect(name).toBe("leads")
        const decoded = decodeCursorState(LEADS_KEYS, state.stream.stream_state)
        expect(Either.isRight(decoded), JSON.stringify(decoded)).toBe(true)
      }
    })
  }

  it("sample_state.json has per-campaign entries, one of them part-way (offset)", () => {
    const stream_state = json("integration_tests/sample_state.json")[0].stream.stream_state
    const entries = Object.values(stream_state.campaigns) as Array<{ created_at: string; offset?: number }>
    expect(entries.some((e) => e.offset !== undefined)).toBe(true)
    expect(entries.some((e) => e.offset === undefined)).toBe(true)
  })

  it("abnormal_state.json's cursor is far in the future", () => {
    for (const state of json("integration_tests/abnormal_state.json")) {
      expect(state.stream.stream_state.created_at).toBe("2100-01-01T00:00:00.000Z")
    }
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
