/**
 * Runs the built connector (`dist/main.js`) as a child process, the way Airbyte does, and checks
 * what every run prints: each stdout line must parse as a valid AirbyteMessage, each RECORD must
 * fit its stream's discovered schema (formats on), and no known secret may appear on stdout or
 * stderr. Helpers pick records and states out of the messages
 * and write config, catalog and state files into a temporary directory.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DEFAULT_API_KEY } from "../simulator/Simulator.js"
import { assertValidMessages } from "./Protocol.js"
import { assertRecordsFitSchemas } from "./Schemas.js"

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

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
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
  /** Called once the child is running (to send signals, say). */
  readonly onSpawn?: (child: import("node:child_process").ChildProcess) => void
  /** Skips the record-schema check: only for tests whose API sends values the schema cannot hold. */
  readonly recordsMayMisfit?: boolean
}

/** Runs `node <script> ...args` and collects its output; asserts no secret appears in it. */
export const runScript = (script: string, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      try {
        assertNoSecrets(stdout, "stdout")
        assertNoSecrets(stderr, "stderr")
        resolve({ code, stdout, stderr })
      } catch (error) {
        reject(error)
      }
    })
  })

/** Asserts that no secret appears in a text. */
export const assertNoSecrets = (text: string, where: string): void => {
  for (const secret of SECRETS) {
    if (text.includes(secret)) throw new Error(`secret found in ${where}`)
  }
}

/** Runs `node dist/main.js ...args`; checks protocol validity of stdout and absence of secrets. */
export const runConnector = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000)
    options.onSpawn?.(child)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      const stdout = Buffer.concat(out).toString("utf8")
      const stderr = Buffer.concat(err).toString("utf8")
      try {
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
        resolve({ code, signal, stdout, stderr, messages })
      } catch (error) {
        reject(error)
      }
    })
  })

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
