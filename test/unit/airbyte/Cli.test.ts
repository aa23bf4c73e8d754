/**
 * The Airbyte command line in process over a fake source: help texts made from the source (its
 * description, streams and examples, nothing connector-specific in the runner), the commands'
 * protocol output, and the edge's exit codes and ERROR traces (usage errors 2, failed commands 1,
 * an invalid state named by its file, a failed stream's own failure type).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Cli from "../../../src/airbyte/Cli.js"
import * as Shell from "../../../src/shell/Shell.js"
import { FakeSource } from "../../helpers/FakeSource.js"
import { runInProcess } from "../../helpers/InProcess.js"

const dir = mkdtempSync(join(tmpdir(), "cli-unit-"))
let files = 0
const write = (value: unknown): string => {
  const path = join(dir, `file-${files++}.json`)
  writeFileSync(path, JSON.stringify(value))
  return path
}

const cli = Cli.make(FakeSource, { name: "fake", version: "0.0.0", env: Layer.empty })
const run = (...args: Array<string>) =>
  Effect.map(runInProcess(cli, args), (result) => ({
    ...result,
    messages: result.stdout.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))
  }))

const errors = (messages: ReadonlyArray<any>) => messages.filter((m) => m.type === "TRACE" && m.trace.type === "ERROR").map((m) => m.trace.error)

describe("help", () => {
  it.effect("describes the program with the source's description", () =>
    Effect.gen(function*() {
      const { code, stdout } = yield* runInProcess(cli, ["--help"])
      expect(code).toBe(0)
      expect(stdout).toContain("An Airbyte source for numbered things and their tags. stdout carries only Airbyte protocol messages")
    }))

  it.effect("read --help names the source's streams with their descriptions, and its examples after the runner's", () =>
    Effect.gen(function*() {
      const { stdout } = yield* runInProcess(cli, ["read", "--help"])
      expect(stdout).toContain("Streams: items (numbered things), tags.")
      expect(stdout).toContain(
        "Examples: read --config secrets/config.json > messages.jsonl; read --config secrets/config.json --catalog catalog.json --state state.json; read --config fake.json | grep RECORD"
      )
      expect(stdout).not.toContain("--records-only")
    }))

  it.effect("with the shell extension, read --help adds its flags and examples for the source's first stream", () =>
    Effect.gen(function*() {
      const shell = Cli.make(FakeSource, { name: "fake", version: "0.0.0", env: Layer.empty, extensions: [Shell.readOptions] })
      const { stdout } = yield* runInProcess(shell, ["read", "--help"])
      for (const flag of ["--records-only", "--format", "--columns", "--stream", "--state-output"]) expect(stdout).toContain(flag)
      expect(stdout).toContain("read --config config.json --records-only > items.jsonl")
      expect(stdout).toContain("Read only this stream: one of items, tags")
      expect(stdout).toContain("(default for items: id)")
    }))
})

describe("commands", () => {
  it.effect("spec prints the source's spec, discover its streams", () =>
    Effect.gen(function*() {
      const spec = yield* run("spec")
      expect(spec.code).toBe(0)
      expect(spec.messages).toEqual([{ type: "SPEC", spec: FakeSource.spec }])
      const discover = yield* run("discover", "--config", write({ items: [], tags: 0 }))
      expect(discover.code).toBe(0)
      expect(discover.messages.map((m) => m.catalog.streams.map((s: any) => [s.name, s.supported_sync_modes, s.default_cursor_field]))).toEqual([
        [["items", ["full_refresh", "incremental"], ["id"]], ["tags", ["full_refresh"], undefined]]
      ])
    }))

  it.effect("check answers FAILED naming the field of an invalid config, with exit 0", () =>
    Effect.gen(function*() {
      const { code, messages } = yield* run("check", "--config", write({ items: [], tags: "many" }))
      expect(code).toBe(0)
      expect(messages).toHaveLength(1)
      expect(messages[0].connectionStatus.status).toBe("FAILED")
      expect(messages[0].connectionStatus.message).toMatch(/^Invalid configuration: tags: Expected number, actual "many"/)
    }))
})

describe("exit codes and ERROR traces", () => {
  it.effect("a usage error is a config_error with exit 2", () =>
    Effect.gen(function*() {
      const { code, messages } = yield* run("frobnicate")
      expect(code).toBe(2)
      expect(errors(messages)).toEqual([expect.objectContaining({ failure_type: "config_error", message: expect.stringMatching(/^Usage error: /) })])
    }))

  it.effect("an invalid state is a config_error naming the state file, with exit 1 and nothing read", () =>
    Effect.gen(function*() {
      const state = write([{ type: "STREAM", stream: { stream_descriptor: { name: "items" }, stream_state: { cursor: -1 } } }])
      const { code, messages } = yield* run("read", "--config", write({ items: [[1]], tags: 1 }), "--state", state)
      expect(code).toBe(1)
      expect(messages.filter((m) => m.type !== "TRACE" || m.trace.type !== "ERROR")).toEqual([])
      expect(errors(messages)).toEqual([{
        failure_type: "config_error",
        message: `Invalid --state file ${JSON.stringify(state)}: the items state is invalid: cursor must be a non-negative integer (got -1)`
      }])
    }))

  it.effect("a failed stream is an ERROR trace with the source's failure type for that stream, exit 1, after the other stream's records", () =>
    Effect.gen(function*() {
      const { code, messages } = yield* run("read", "--config", write({ items: [[1]], itemsFailAfter: 0, tags: 1 }))
      expect(code).toBe(1)
      expect(messages.filter((m) => m.type === "RECORD").map((m) => m.record.data)).toEqual([{ tag: "t0" }])
      expect(errors(messages)).toEqual([{ failure_type: "transient_error", message: "items broke", stream_descriptor: { name: "items" } }])
      expect(messages.at(-1).trace.type).toBe("ERROR")
    }))
})
