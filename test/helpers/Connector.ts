/**
 * Runs the connector, in this process or as the built `dist/main.js` in a child process the way
 * Airbyte does (see `startConnector`), and checks what every run prints: each stdout line must parse as a valid AirbyteMessage, each RECORD must
 * fit its stream's discovered schema (formats on), and no known secret may appear on stdout or
 * stderr. Helpers pick records and states out of the messages
 * and write config, catalog and state files into a temporary directory.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { program } from "../../src/SourceSmartlead.js"
import { program as tapProgram } from "../../src/TapSmartlead.js"
import { DEFAULT_API_KEY } from "../simulator/Simulator.js"
import * as InProcess from "./InProcess.js"
import { assertValidMessages } from "./Protocol.js"
import { assertRecordsFitSchemas } from "./Schemas.js"

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))
export const TAP = fileURLToPath(new URL("../../dist/tap.js", import.meta.url))

/** The programs behind the built executables, for runs in this process. */
const PROGRAMS = new Map<string, InProcess.Program>([[MAIN, program], [TAP, tapProgram]])

/** Values that must never be printed. */
export const SECRETS = new Set<string>([DEFAULT_API_KEY])

export type Message = { type: string; [key: string]: any }

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly messages: Array<Message>
}

export interface RunOptions {
  /** Environment variables for the run (set in this process for the length of an in-process run). */
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
  /** Runs `node dist/main.js` in a child process even where the run could be in-process. */
  readonly process?: boolean
  /** Called once the child is running (to send signals, say); implies a child process. */
  readonly onSpawn?: (child: import("node:child_process").ChildProcess) => void
  /** Skips the record-schema check: only for tests whose API sends values the schema cannot hold. */
  readonly recordsMayMisfit?: boolean
  /**
   * Runs the connector on a clock this far ahead of the real one (see `InProcess.StartOptions`):
   * in this process through Effect's `Clock`; in a child process by shifting its `Date.now()`
   * (which Effect's default clock reads) with a preloaded module.
   */
  readonly clockOffsetMs?: number
}

/**
 * Whether runs that need no process of their own run in this process. `E2E_PROCESS=1` makes every
 * run a child process (`node dist/main.js`), as the platform runs the connector.
 */
export const IN_PROCESS = process.env["E2E_PROCESS"] !== "1"

/** Runs `node <script> ...args` (in this process when the script is `MAIN` or `TAP`, unless `process` or `E2E_PROCESS=1`) and collects its output; asserts no secret appears in it. */
export const runScript = async (
  script: string,
  args: ReadonlyArray<string>,
  options: Pick<RunOptions, "process"> = {}
) => {
  const inProcess = IN_PROCESS && options.process !== true ? PROGRAMS.get(script) : undefined
  const result = inProcess !== undefined
    ? await InProcess.start(inProcess, args, { script }).done
    : await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.on("error", reject)
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
  assertNoSecrets(result.stdout, "stdout")
  assertNoSecrets(result.stderr, "stderr")
  return { code: result.code, stdout: result.stdout, stderr: result.stderr }
}

/** Asserts that no secret appears in a text. */
export const assertNoSecrets = (text: string, where: string): void => {
  for (const secret of SECRETS) {
    if (text.includes(secret)) throw new Error(`secret found in ${where}`)
  }
}

/** What a run printed and how it ended, unchecked. */
export interface RawRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: Buffer
  readonly stderr: string
}

/** A connector run under way. */
export interface Started {
  /** Ends the run at once, as SIGKILL does: nothing it writes from now on is seen. */
  readonly kill: () => void
  readonly done: Promise<RawRun>
}

/** Options of `startConnector`. */
export interface StartOptions extends Pick<RunOptions, "env" | "process" | "onSpawn" | "clockOffsetMs"> {
  /** Called with the number of stdout bytes seen so far, after each chunk. */
  readonly onStdout?: (bytes: number) => void
}

/** Node flags that shift a child's `Date.now()` by `offsetMs` before anything else loads. */
export const clockOffsetFlags = (offsetMs: number | undefined): Array<string> =>
  offsetMs === undefined || offsetMs === 0
    ? []
    : [
      "--import",
      `data:text/javascript,const now=Date.now;Date.now=()=>now()+${Math.round(offsetMs)}`
    ]

const spawnConnector = (args: ReadonlyArray<string>, options: StartOptions): Started => {
  const child = spawn(process.execPath, [...clockOffsetFlags(options.clockOffsetMs), MAIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const out: Array<Buffer> = []
  const err: Array<Buffer> = []
  let seen = 0
  child.stdout.on("data", (chunk: Buffer) => {
    out.push(chunk)
    seen += chunk.length
    options.onStdout?.(seen)
  })
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
  options.onSpawn?.(child)
  const done = new Promise<RawRun>((resolve, reject) => {
    child.on("error", reject)
    child.on(
      "close",
      (code, signal) =>
        resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") })
    )
  })
  return { kill: () => child.exitCode === null && child.kill("SIGKILL"), done }
}

/** Sets environment variables until `restore` is called. */
const setEnv = (env: Record<string, string> | undefined) => {
  const saved = Object.entries(env ?? {}).map(([key, value]) => {
    const before = process.env[key]
    process.env[key] = value
    return [key, before] as const
  })
  return () => {
    for (const [key, before] of saved.reverse()) {
      if (before === undefined) delete process.env[key]
      else process.env[key] = before
    }
  }
}

const inProcessConnector = (args: ReadonlyArray<string>, options: StartOptions): Started => {
  const restore = setEnv(options.env)
  let seen = 0
  const running = InProcess.start(program, args, {
    script: MAIN,
    ...(options.clockOffsetMs === undefined ? {} : { clockOffsetMs: options.clockOffsetMs }),
    onStdout: (text) => {
      seen += Buffer.byteLength(text)
      options.onStdout?.(seen)
    }
  })
  const done = running.done.then(
    (captured): RawRun => ({
      code: captured.code,
      signal: captured.killed ? "SIGKILL" : null,
      stdout: Buffer.from(captured.stdout),
      stderr: captured.stderr
    })
  ).finally(restore)
  return { kill: running.kill, done }
}

/**
 * Starts the connector with these arguments: in this process (the program of `main.ts` against
 * in-memory stdout and stderr, over real HTTP) unless the run needs a process of its own (signals,
 * Node options, `process: true`, `E2E_PROCESS=1`), else as `node dist/main.js`.
 */
export const startConnector = (args: ReadonlyArray<string>, options: StartOptions = {}): Started =>
  IN_PROCESS && options.process !== true && options.onSpawn === undefined &&
    options.env?.["NODE_OPTIONS"] === undefined
    ? inProcessConnector(args, options)
    : spawnConnector(args, options)

/** Parses stdout lines as messages; checks protocol validity, record schemas (unless told not to) and secrets. */
export const checkedMessages = (
  stdout: string,
  stderr: string,
  options: Pick<RunOptions, "recordsMayMisfit"> = {}
): Array<Message> => {
  assertNoSecrets(stdout, "stdout")
  assertNoSecrets(stderr, "stderr")
  const lines = stdout.split("\n").filter((line) => line.length > 0)
  const messages = lines.map((line) => {
    try {
      return JSON.parse(line) as Message
    } catch {
      throw new Error(`stdout line is not JSON: ${line.slice(0, 200)}`)
    }
  })
  assertValidMessages(messages)
  if (options.recordsMayMisfit !== true) assertRecordsFitSchemas(messages)
  return messages
}

/** Runs the connector to its end (see `startConnector`); checks protocol validity of stdout and absence of secrets. */
export const runConnector = async (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> => {
  const started = startConnector(args, options)
  const timer = setTimeout(started.kill, options.timeoutMs ?? 60_000)
  const raw = await started.done.finally(() => clearTimeout(timer))
  const stdout = raw.stdout.toString("utf8")
  const messages = checkedMessages(stdout, raw.stderr, options)
  return { code: raw.code, signal: raw.signal, stdout, stderr: raw.stderr, messages }
}

/** A temporary directory for config, catalog and state files. */
export const tempFiles = () => {
  const dir = mkdtempSync(join(tmpdir(), "source-smartlead-test-"))
  let n = 0
  return {
    dir,
    /** Writes a JSON value (or raw text) and returns its path. */
    write: (value: unknown, name?: string): string => {
      const path = join(dir, name ?? `file-${n++}.json`)
      writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value))
      return path
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** Messages of one type. */
export const ofType = (messages: ReadonlyArray<Message>, type: string): Array<Message> =>
  messages.filter((message) => message.type === type)

/** The record data of a stream. */
export const recordsOf = (messages: ReadonlyArray<Message>, stream: string): Array<Record<string, unknown>> =>
  messages.filter((m) => m.type === "RECORD" && m["record"].stream === stream).map((m) => m["record"].data)

/** The STATE messages of a stream. */
export const statesOf = (messages: ReadonlyArray<Message>, stream: string): Array<Message> =>
  messages.filter((m) => m.type === "STATE" && m["state"].stream.stream_descriptor.name === stream)

/** The last stream_state of a stream. */
export const lastState = (messages: ReadonlyArray<Message>, stream: string): Record<string, unknown> | undefined =>
  statesOf(messages, stream).at(-1)?.["state"].stream.stream_state

/** The platform's state input made of the last STATE per stream. */
export const stateInput = (messages: ReadonlyArray<Message>): Array<unknown> => {
  const last = new Map<string, unknown>()
  for (const m of messages) if (m.type === "STATE") last.set(m["state"].stream.stream_descriptor.name, m["state"])
  return Array.from(last.values())
}

/** STREAM_STATUS values of a stream, in order. */
export const statusesOf = (messages: ReadonlyArray<Message>, stream: string): Array<string> =>
  messages
    .filter((m) =>
      m.type === "TRACE" && m["trace"].type === "STREAM_STATUS" &&
      m["trace"].stream_status.stream_descriptor.name === stream
    )
    .map((m) => m["trace"].stream_status.status)

/** ERROR traces. */
export const errorsOf = (
  messages: ReadonlyArray<Message>
): Array<{ message: string; failure_type: string; stream_descriptor?: { name: string } }> =>
  messages.filter((m) => m.type === "TRACE" && m["trace"].type === "ERROR").map((m) => m["trace"].error)

/** `(campaign_id, id)` keys of lead records, as strings. */
export const leadKeys = (records: ReadonlyArray<Record<string, unknown>>): Array<string> =>
  records.map((r) => `${r["campaign_id"]}:${r["id"]}`)

/** Asserts the STATE contract: each recordCount equals the records since the stream's previous STATE, and none follow the last. */
export const assertStateCounts = (messages: ReadonlyArray<Message>): void => {
  const since = new Map<string, number>()
  for (const m of messages) {
    if (m.type === "RECORD") since.set(m["record"].stream, (since.get(m["record"].stream) ?? 0) + 1)
    if (m.type === "STATE") {
      const name = m["state"].stream.stream_descriptor.name
      const count = m["state"].sourceStats.recordCount
      if (count !== (since.get(name) ?? 0)) {
        throw new Error(`STATE of ${name} says ${count} records, ${since.get(name) ?? 0} were emitted`)
      }
      since.set(name, 0)
    }
  }
  for (const [name, count] of since) if (count > 0) throw new Error(`${count} records of ${name} follow its last STATE`)
}
