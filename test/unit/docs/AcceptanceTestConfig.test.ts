/**
 * acceptance-test-config.yml: it tests the dev image of metadata.yaml's repository, names files
 * that exist, and loads in a copy of the Connector Acceptance Test's config model
 * (airbyte-integrations/bases/connector-acceptance-test/connector_acceptance_test/config.py,
 * pydantic models with `extra = "forbid"`), written as a JSON Schema: the required fields, the
 * allowed fields of every section, and the rules its validators add (a section has `tests` or a
 * `bypass_reason`; expected records have a `path` or a `bypass_reason`, not both).
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { parse as parseYaml } from "yaml"
import { makeAjv } from "../../helpers/Ajv.js"

const ROOT = fileURLToPath(new URL("../../../", import.meta.url))

const yaml = (path: string): any => parseYaml(readFileSync(join(ROOT, path), "utf8"))
const config: any = yaml("acceptance-test-config.yml")

const string = { type: "string" }
const boolean = { type: "boolean" }
const timeoutSeconds = { type: "integer", minimum: 0 }
const deploymentMode = { type: "string", pattern: "^(cloud|oss)$" }
const strict = (properties: Record<string, unknown>, required: ReadonlyArray<string> = []) => ({
  type: "object",
  additionalProperties: false,
  properties,
  ...(required.length > 0 ? { required } : {})
})
const backwardCompatibility = strict({ previous_connector_version: string, disable_for_version: string })
const named = strict({ name: string, bypass_reason: string }, ["name"])
const clientContainer = strict({
  secrets_path: string,
  client_container_dockerfile_path: string,
  setup_command: { type: "array", items: string },
  teardown_command: { type: "array", items: string },
  between_syncs_command: { type: "array", items: string }
})
const expectRecords = {
  ...strict({ bypass_reason: string, path: string, exact_order: boolean }),
  oneOf: [{ required: ["path"], not: { required: ["bypass_reason"] } }, {
    required: ["bypass_reason"],
    not: { required: ["path"] }
  }]
}
const futureState = strict({
  future_state_path: string,
  missing_streams: { type: "array", items: named },
  bypass_reason: string,
  cursor_format: strict({
    format: string,
    streams: { type: "array", items: strict({ name: string, format: string }, ["name"]) }
  })
})
const tests = {
  spec: strict({
    spec_path: string,
    config_path: string,
    timeout_seconds: timeoutSeconds,
    deployment_mode: deploymentMode,
    backward_compatibility_tests_config: backwardCompatibility,
    auth_default_method: strict({ oauth: boolean, bypass_reason: string })
  }),
  connection: strict({
    config_path: string,
    status: { enum: ["succeed", "failed", "exception"] },
    timeout_seconds: timeoutSeconds,
    deployment_mode: deploymentMode
  }),
  discovery: strict({
    config_path: string,
    timeout_seconds: timeoutSeconds,
    deployment_mode: deploymentMode,
    backward_compatibility_tests_config: backwardCompatibility,
    validate_primary_keys_data_type: boolean
  }),
  basic_read: strict({
    config_path: string,
    deployment_mode: deploymentMode,
    configured_catalog_path: string,
    empty_streams: { type: "array", items: named },
    expect_records: expectRecords,
    validate_schema: boolean,
    validate_stream_statuses: boolean,
    validate_state_messages: boolean,
    validate_primary_keys_data_type: boolean,
    fail_on_extra_columns: boolean,
    validate_data_points: boolean,
    expect_trace_message_on_failure: boolean,
    timeout_seconds: timeoutSeconds,
    file_types: strict({ bypass_reason: string, unsupported_types: { type: "array" }, skip_test: boolean }),
    client_container_config: clientContainer
  }),
  full_refresh: strict({
    config_path: string,
    configured_catalog_path: string,
    timeout_seconds: timeoutSeconds,
    deployment_mode: deploymentMode,
    ignored_fields: { type: "object", additionalProperties: { type: "array", items: named } },
    client_container_config: clientContainer
  }),
  incremental: strict({
    config_path: string,
    configured_catalog_path: string,
    future_state: futureState,
    timeout_seconds: timeoutSeconds,
    deployment_mode: deploymentMode,
    skip_comprehensive_incremental_tests: boolean,
    client_container_config: clientContainer
  }),
  connector_attributes: strict({
    timeout_seconds: timeoutSeconds,
    config_path: string,
    streams_without_primary_key: { type: "array", items: named },
    allowed_hosts: strict({ bypass_reason: string }),
    suggested_streams: strict({ bypass_reason: string })
  }),
  connector_documentation: strict({ timeout_seconds: timeoutSeconds, config_path: string })
}
/** GenericTestConfig: `tests` or `bypass_reason` (a bypass with tests is refused). */
const section = (test: unknown) => ({
  type: "object",
  properties: { bypass_reason: string, tests: { type: "array", items: test } },
  not: { required: ["bypass_reason", "tests"] }
})
/** The `Config` model. */
const CAT_CONFIG = strict({
  connector_image: string,
  acceptance_tests: strict(Object.fromEntries(Object.entries(tests).map(([name, test]) => [name, section(test)]))),
  base_path: string,
  test_strictness_level: { enum: ["high", "low"] },
  custom_environment_variables: { type: "object" }
}, ["connector_image", "acceptance_tests"])

// strictRequired off: the `not: {required}` rules name properties declared one level up
const validate = makeAjv({ strictRequired: false }).compile(CAT_CONFIG)
const errorsOf = (
  value: unknown
) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`))

describe("acceptance-test-config.yml", () => {
  it("loads in the current CAT config model", () => {
    expect(errorsOf(config)).toEqual([])
  })

  it("runs the six standard sections, each with tests", () => {
    expect(Object.keys(config.acceptance_tests).sort()).toEqual([
      "basic_read",
      "connection",
      "discovery",
      "full_refresh",
      "incremental",
      "spec"
    ])
    for (const section of Object.values(config.acceptance_tests) as Array<{ tests: Array<unknown> }>) {
      expect(section.tests.length).toBeGreaterThan(0)
    }
  })

  it("the incremental tests pass as written: a future state for every incremental stream, and no statistics lookback", () => {
    const [incremental, ...others] = config.acceptance_tests.incremental.tests
    expect(others).toEqual([])
    expect(incremental.skip_comprehensive_incremental_tests).toBeUndefined()
    expect(incremental.future_state).toEqual({ future_state_path: "integration_tests/abnormal_state.json" })
    const states = JSON.parse(readFileSync(join(ROOT, incremental.future_state.future_state_path), "utf8"))
    const catalog = JSON.parse(readFileSync(join(ROOT, incremental.configured_catalog_path), "utf8"))
    const incrementalStreams = catalog.streams.filter((s: any) => s.sync_mode === "incremental").map((s: any) =>
      s.stream.name
    )
    expect(incrementalStreams.sort()).toEqual([
      "campaign_analytics",
      "campaign_sequences",
      "campaign_statistics",
      "leads"
    ])
    expect(states.map((s: any) => s.stream.stream_descriptor.name).sort()).toEqual(incrementalStreams)
    // the incremental config is secrets/config.json with statistics_lookback_days 0, made as the file's header says
    expect(incremental.config_path).toBe("secrets/config_incremental.json")
    const header = readFileSync(join(ROOT, "acceptance-test-config.yml"), "utf8")
    expect(header).toContain(
      "jq '.statistics_lookback_days = 0' secrets/config.json > secrets/config_incremental.json"
    )
  })

  it("the model refuses what CAT refuses: legacy cursor_paths, unknown sections, a missing image", () => {
    const copy = () => JSON.parse(JSON.stringify(config))
    const withCursorPaths = copy()
    withCursorPaths.acceptance_tests.incremental.tests[0].cursor_paths = { leads: ["created_at"] }
    expect(errorsOf(withCursorPaths).join()).toMatch(/must NOT have additional properties/)
    const legacy = copy()
    legacy.tests = {}
    expect(errorsOf(legacy)).not.toEqual([])
    const { connector_image: _image, ...noImage } = copy()
    expect(errorsOf(noImage).join()).toMatch(/connector_image/)
    const both = copy()
    both.acceptance_tests.basic_read.tests[0].expect_records = {
      path: "integration_tests/expected_records.jsonl",
      bypass_reason: "x"
    }
    expect(errorsOf(both)).not.toEqual([])
  })

  it("tests the dev image of metadata.yaml's repository", () => {
    expect(config.connector_image).toBe(`${yaml("metadata.yaml").data.dockerRepository}:dev`)
  })

  it("checks a good config succeeds and integration_tests/invalid_config.json fails", () => {
    expect(config.acceptance_tests.connection.tests).toEqual(expect.arrayContaining([
      { config_path: "secrets/config.json", status: "succeed" },
      { config_path: "integration_tests/invalid_config.json", status: "failed" }
    ]))
  })

  it("references files that exist (the secrets/ configs aside)", () => {
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
    walk(config.acceptance_tests)
    expect(paths).toContain("spec.json")
    expect(paths).toContain("integration_tests/abnormal_state.json")
    for (const path of paths.filter((p) => !p.startsWith("secrets/"))) {
      expect(existsSync(join(ROOT, path)), path).toBe(true)
    }
  })
})
