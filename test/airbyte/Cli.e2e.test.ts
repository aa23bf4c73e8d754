/**
 * The runner's command line through the built executable: usage errors (exit 2), unusable
 * --config files (exit 1 with a config_error naming the file), unknown config keys (a warning),
 * and `spec` (one SPEC, nothing on stderr). What the SmartLead spec and catalog hold is tested
 * in test/smartlead/Cli.e2e.test.ts. Every run here is a child process (`node dist/main.js`), as the
 * platform starts it, so exit codes are the process's own; most other end-to-end files run the same
 * program in their own process.
 */
import { afterAll, describe, expect, it } from "vitest"
import type { RunOptions } from "../helpers/Connector.js"
import { errorsOf, ofType, runConnector as runIn, tempFiles } from "../helpers/Connector.js"

const runConnector = (args: ReadonlyArray<string>, options: RunOptions = {}) =>
  runIn(args, { ...options, process: true })

const files = tempFiles()
afterAll(() => files.cleanup())

describe("spec", () => {
  it("prints exactly one SPEC message, with an empty stderr", async () => {
    const result = await runConnector(["spec"])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.messages.map((message) => message.type)).toEqual(["SPEC"])
  })
})

describe("usage errors", () => {
  it("rejects an unknown command with an ERROR trace and exit 2", async () => {
    const result = await runConnector(["frobnicate"])
    expect(result.code).toBe(2)
    const [error] = errorsOf(result.messages)
    expect(error?.failure_type).toBe("config_error")
    expect(error?.message).toMatch(/spec.*check.*discover.*read/)
  })

  it("rejects no command with exit 2", async () => {
    const result = await runConnector([])
    expect(result.code).toBe(2)
    expect(errorsOf(result.messages)[0]?.message).toMatch(/missing command/)
  })

  it("rejects a command without its required --config", async () => {
    const result = await runConnector(["check"])
    expect(result.code).toBe(2)
    expect(errorsOf(result.messages)[0]?.message).toMatch(/config/)
  })
})

describe("config files", () => {
  const bad: Array<[string, string, RegExp]> = [
    ["a missing file", "/nonexistent/config.json", /--config file "\/nonexistent\/config.json": no such file/],
    ["an empty file", files.write("", "empty.json"), /empty/],
    ["a file that is not JSON", files.write("{ api_key: nope", "broken.json"), /not valid JSON/]
  ]
  for (const [what, path, pattern] of bad) {
    for (const command of ["check", "discover", "read"]) {
      it(`${command} with ${what} fails with a config_error naming the problem`, async () => {
        const result = await runConnector([command, "--config", path])
        expect(result.code).toBe(1)
        const errors = errorsOf(result.messages)
        expect(errors).toHaveLength(1)
        expect(errors[0]!.failure_type).toBe("config_error")
        expect(errors[0]!.message).toMatch(pattern)
      })
    }
  }

  it("check answers FAILED when the config is not a JSON object", async () => {
    const result = await runConnector(["check", "--config", files.write([1, 2])])
    expect(result.code).toBe(0)
    const [status] = ofType(result.messages, "CONNECTION_STATUS")
    expect(status!["connectionStatus"]).toEqual({
      status: "FAILED",
      message: "Invalid configuration: the config must be a JSON object"
    })
  })

  it("read with an invalid config fails with a config_error and exit 1", async () => {
    const result = await runConnector(["read", "--config", files.write([1, 2])])
    expect(result.code).toBe(1)
    expect(errorsOf(result.messages)).toEqual([
      expect.objectContaining({
        failure_type: "config_error",
        message: "Invalid configuration: the config must be a JSON object"
      })
    ])
    expect(ofType(result.messages, "RECORD")).toEqual([])
  })
})
