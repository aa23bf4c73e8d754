/**
 * The shell flags on `read`, in process over a fake source: what the flags ask for (`plan`),
 * and the command line they make with the runner: records only as JSON Lines or CSV, `--stream`,
 * usage errors as text on stderr with exit 2, and `--state-output` writing the final states the
 * read returns (also when a stream failed) as a state input the next `--state` accepts. Without
 * the extension, the protocol `read` has none of these flags.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Cli from "../../../src/airbyte/Cli.js"
import type { ShellFlags } from "../../../src/shell/Shell.js"
import * as Shell from "../../../src/shell/Shell.js"
import type { FakeConfig } from "../../helpers/FakeSource.js"
import { FakeSource } from "../../helpers/FakeSource.js"
import { runInProcess } from "../../helpers/InProcess.js"

const dir = mkdtempSync(join(tmpdir(), "shell-unit-"))
let files = 0
const write = (value: unknown): string => {
  const path = join(dir, `file-${files++}.json`)
  writeFileSync(path, JSON.stringify(value))
  return path
}

const flags = (overrides: Partial<ShellFlags> = {}): ShellFlags => ({
  recordsOnly: false,
  format: Option.none(),
  columns: Option.none(),
  stream: Option.none(),
  stateOutput: Option.none(),
  progressInterval: Option.none(),
  ...overrides
})

describe("plan", () => {
  it("leaves a read without shell flags to the protocol, every stream", () => {
    expect(Shell.plan(FakeSource, flags())).toEqual(
      Either.right({ rendering: { _tag: "Protocol" }, stream: undefined, stateOutput: undefined, progressSeconds: 0 })
    )
  })

  it("prints the first stream as JSON Lines with --records-only", () => {
    expect(Shell.plan(FakeSource, flags({ recordsOnly: true }))).toEqual(
      Either.right({ rendering: { _tag: "JsonLines" }, stream: "items", stateOutput: undefined, progressSeconds: 10 })
    )
  })

  it("narrows a protocol read to --stream", () => {
    expect(Shell.plan(FakeSource, flags({ stream: Option.some("tags"), stateOutput: Option.some("s.json") }))).toEqual(
      Either.right({ rendering: { _tag: "Protocol" }, stream: "tags", stateOutput: "s.json", progressSeconds: 0 })
    )
  })

  it("takes --columns as CSV, trimmed, nested paths kept", () => {
    expect(Shell.plan(FakeSource, flags({ columns: Option.some(" tag , meta.colour ,"), stream: Option.some("tags") })))
      .toEqual(
        Either.right({
          rendering: { _tag: "Csv", columns: ["tag", "meta.colour"] },
          stream: "tags",
          stateOutput: undefined,
          progressSeconds: 10
        })
      )
  })

  it("defaults CSV columns to the stream's choice, else the primary key and cursor", () => {
    expect(Shell.plan(FakeSource, flags({ format: Option.some("csv") }))).toEqual(
      Either.right({
        rendering: { _tag: "Csv", columns: ["id"] },
        stream: "items",
        stateOutput: undefined,
        progressSeconds: 10
      })
    )
    const chosen = {
      ...FakeSource,
      streams: FakeSource.streams.map((
        stream
      ) => (stream.name === "tags" ? { ...stream, columns: ["tag", "id"] } : stream))
    }
    expect(Shell.plan(chosen, flags({ format: Option.some("csv"), stream: Option.some("tags") }))).toEqual(
      Either.right({
        rendering: { _tag: "Csv", columns: ["tag", "id"] },
        stream: "tags",
        stateOutput: undefined,
        progressSeconds: 10
      })
    )
  })

  it("refuses an unknown stream, --columns with jsonl, and --columns naming nothing", () => {
    const reasons = [
      flags({ recordsOnly: true, stream: Option.some("gadgets") }),
      flags({ format: Option.some("jsonl"), columns: Option.some("id") }),
      flags({ columns: Option.some(" , ") }),
      flags({ recordsOnly: true, progressInterval: Option.some(-1) })
    ].map((given) =>
      Either.match(Shell.plan(FakeSource, given), { onLeft: (error) => error.reason, onRight: () => "accepted" })
    )
    expect(reasons).toEqual([
      `unknown stream "gadgets" (this source has items, tags)`,
      "--columns applies to --format csv, not jsonl",
      `--columns " , " names no column`,
      "--progress-interval must be a number of seconds, 0 or more (got -1)"
    ])
  })
})

const shellCli = Cli.make(FakeSource, {
  name: "fake",
  version: "0.0.0",
  env: Layer.empty,
  extensions: [Shell.readOptions]
})
const protocolCli = Cli.make(FakeSource, { name: "fake", version: "0.0.0", env: Layer.empty })

const read = (config: FakeConfig, ...args: Array<string>) =>
  runInProcess(shellCli, ["read", "--config", write(config), ...args])

const lines = (text: string) => text.split("\n").filter((line) => line.length > 0)

/** The sync's last line on stderr, for a fake read (which makes no request) of `stream`. */
const done = (stream: string, records: number, outcome = "done") =>
  `info: Sync ${outcome}: 0 requests (${stream} 0), 0 retried, 0 s waited for the rate limit, ${records} record${
    records === 1 ? "" : "s"
  }\n`

describe("read with the shell flags", () => {
  it.effect("--records-only prints the first stream's records, one JSON per line, and nothing else", () =>
    Effect.gen(function*() {
      const result = yield* read({ items: [[1, 2], [3]], tags: 2 }, "--records-only")
      expect(result).toEqual({ code: 0, stdout: `{"id":1}\n{"id":2}\n{"id":3}\n`, stderr: done("items", 3) })
    }))

  it.effect("--format csv prints a header and one row per record; --stream and --columns pick what", () =>
    Effect.gen(function*() {
      const items = yield* read({ items: [[1, 2]], tags: 0 }, "--format", "csv")
      expect(items).toEqual({ code: 0, stdout: "id\r\n1\r\n2\r\n", stderr: done("items", 2) })
      const tags = yield* read({ items: [[1]], tags: 2 }, "--stream", "tags", "--columns", "tag,missing")
      expect(tags).toEqual({ code: 0, stdout: "tag,missing\r\nt0,\r\nt1,\r\n", stderr: done("tags", 2) })
    }))

  it.effect("--stream narrows a protocol read to that stream", () =>
    Effect.gen(function*() {
      const result = yield* read({ items: [[1]], tags: 1 }, "--stream", "tags")
      expect(result.code).toBe(0)
      const messages = lines(result.stdout).map((line) => JSON.parse(line))
      expect(messages.at(-1).log.message).toBe(
        "Sync done: 0 requests (tags 0), 0 retried, 0 s waited for the rate limit, 1 record"
      )
      const streams = messages.filter((message) => message.type !== "LOG").map((message) =>
        message.record?.stream ?? message.state?.stream.stream_descriptor.name ??
          message.trace?.stream_status?.stream_descriptor.name
      )
      expect(new Set(streams)).toEqual(new Set(["tags"]))
      expect(streams).toHaveLength(5)
    }))

  it.effect("usage errors are text on stderr with exit 2, before anything is read", () =>
    Effect.gen(function*() {
      const unknown = yield* read({ items: [[1]], tags: 0 }, "--records-only", "--stream", "gadgets")
      expect(unknown).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: Usage error: unknown stream "gadgets" (this source has items, tags)\n`
      })
      const catalog = write({
        streams: [{ stream: { name: "tags" }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }]
      })
      const missing = yield* read({ items: [[1]], tags: 0 }, "--records-only", "--catalog", catalog)
      expect(missing).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: Usage error: stream "items" is not in the --catalog ${JSON.stringify(catalog)}\n`
      })
    }))

  it.effect("--state-output saves the final states as a state input; the next --state reads on from them", () =>
    Effect.gen(function*() {
      const state = join(dir, "state.json")
      const first = yield* read({ items: [[1, 2], [3]], tags: 1 }, "--records-only", "--state-output", state)
      expect(first.code).toBe(0)
      expect(JSON.parse(readFileSync(state, "utf8"))).toEqual([
        { type: "STREAM", stream: { stream_descriptor: { name: "items" }, stream_state: { cursor: 3 } } }
      ])
      const second = yield* read(
        { items: [[1, 2], [3, 4, 5]], tags: 1 },
        "--records-only",
        "--state",
        state,
        "--state-output",
        state
      )
      expect(second).toEqual({ code: 0, stdout: `{"id":4}\n{"id":5}\n`, stderr: done("items", 2) })
      expect(JSON.parse(readFileSync(state, "utf8"))[0].stream.stream_state).toEqual({ cursor: 5 })
    }))

  it.effect("--state-output in protocol mode holds every stream's final state", () =>
    Effect.gen(function*() {
      const state = join(dir, "protocol-state.json")
      const result = yield* read({ items: [[1, 2]], tags: 1 }, "--state-output", state)
      expect(result.code).toBe(0)
      expect(JSON.parse(readFileSync(state, "utf8"))).toEqual([
        { type: "STREAM", stream: { stream_descriptor: { name: "items" }, stream_state: { cursor: 2 } } },
        { type: "STREAM", stream: { stream_descriptor: { name: "tags" }, stream_state: {} } }
      ])
    }))

  it.effect("--state-output saves the last checkpoint of a stream that failed, and the read exits 1", () =>
    Effect.gen(function*() {
      const state = join(dir, "failed-state.json")
      const result = yield* read(
        { items: [[1, 2], [3], [4]], itemsFailAfter: 2, tags: 0 },
        "--records-only",
        "--state-output",
        state
      )
      expect(result).toEqual({
        code: 1,
        stdout: `{"id":1}\n{"id":2}\n{"id":3}\n`,
        stderr: done("items", 3, "failed") + "error: items broke\n"
      })
      expect(JSON.parse(readFileSync(state, "utf8"))).toEqual([
        { type: "STREAM", stream: { stream_descriptor: { name: "items" }, stream_state: { cursor: 3 } } }
      ])
    }))

  it.effect("a --state-output that cannot be written fails the read, naming the file", () =>
    Effect.gen(function*() {
      const state = join(dir, "no-such-dir", "state.json")
      const result = yield* read({ items: [[1]], tags: 0 }, "--records-only", "--state-output", state)
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        done("items", 1) + `error: Invalid --state-output file ${JSON.stringify(state)}: cannot be written (NotFound)\n`
      )
    }))
})

describe("read without the shell", () => {
  it.effect("has only the protocol flags: --records-only is a usage error", () =>
    Effect.gen(function*() {
      const result = yield* runInProcess(protocolCli, [
        "read",
        "--config",
        write({ items: [[1]], tags: 0 }),
        "--records-only"
      ])
      expect(result.code).toBe(2)
      expect(JSON.parse(lines(result.stdout)[0]!).trace.error.message).toMatch(/records-only/)
    }))
})
