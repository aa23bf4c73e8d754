/**
 * The only writer to stdout. Every message and record batch goes through `Output`, which
 * renders it with the current `Format`: Airbyte protocol lines by default (one JSON document per
 * line, a page of records in one write), or another rendering chosen by the command (records
 * only, CSV, Singer), in which case what is not data goes to stderr. Writes wait while stdout is
 * backed up. A consumer that closes the pipe (`read … | head -1`) and any other failure of stdout
 * are handed to the caller (`NodeMain` ends the process at once: quietly with exit code 141, as a
 * shell's SIGPIPE would, or with 1 and the error on stderr); nothing is written after either.
 */
import { Context, Effect, Layer } from "effect"
import type { AirbyteMessage, JsonObject } from "./Protocol.js"

/** Exit code used when the consumer of stdout goes away. */
export const BROKEN_PIPE_EXIT_CODE = 141

/** How messages and records are rendered. */
export interface Format {
  /** The stdout text of a batch of records. */
  readonly records: (stream: string, batch: ReadonlyArray<JsonObject>, emittedAt: number) => string
  /** Where a message goes, rendered. */
  readonly message: (message: AirbyteMessage) => { readonly stdout?: string; readonly stderr?: string }
}

/** Serialises one message as a protocol line. */
export const serialize = (message: AirbyteMessage): string => JSON.stringify(message) + "\n"

/** The Airbyte protocol: everything on stdout, one JSON message per line. */
export const protocolFormat: Format = {
  records: (stream, batch, emittedAt) => {
    const prefix = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"emitted_at":${emittedAt},"data":`
    let lines = ""
    for (const data of batch) lines += prefix + JSON.stringify(data) + "}}\n"
    return lines
  },
  message: (message) => ({ stdout: serialize(message) })
}

/** stderr as a progress display sees it: text written now, whether it is a terminal, how wide. */
export interface Stderr {
  readonly write: (text: string) => void
  readonly isTerminal: boolean
  /** Its width in characters, when it is a terminal that says. */
  readonly columns: number | undefined
}

export interface OutputShape {
  /** Writes one message and waits while stdout is backed up. */
  readonly write: (message: AirbyteMessage) => Effect.Effect<void>
  /** Writes a batch of records of a stream, and the message that follows them (a STATE, say), in one go. */
  readonly writeRecords: (
    stream: string,
    batch: ReadonlyArray<JsonObject>,
    then?: AirbyteMessage
  ) => Effect.Effect<void>
  /** Writes one message now, without waiting; for loggers, which cannot wait. */
  readonly unsafeWrite: (message: AirbyteMessage) => void
  /** Switches the rendering; `prelude` (a CSV header, say) is written first. */
  readonly useFormat: (format: Format, prelude?: string) => Effect.Effect<void>
  /** stderr, for a layer that draws progress there (never stdout). */
  readonly stderr: Stderr
}

/** The stdout writer. */
export class Output extends Context.Tag("airbyte/Output")<Output, OutputShape>() {}

/**
 * An `Output` writing to Node streams. Once, when stdout fails, it calls `onClosed` if stdout's
 * reader went away (EPIPE) and `onFailed` for any other error; it writes nothing to stdout after.
 */
export const make = (
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  onClosed: () => void,
  onFailed: (error: Error) => void = onClosed
): OutputShape => {
  let closed = false
  let format = protocolFormat
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (closed) return
    closed = true
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") onClosed()
    else onFailed(error)
  })
  /** Resumes once stdout has drained (or closed). */
  const drained: Effect.Effect<void> = Effect.async<void>((resume) => {
    const done = () => {
      stdout.off("drain", done)
      stdout.off("close", done)
      resume(Effect.void)
    }
    stdout.on("drain", done)
    stdout.on("close", done)
  })
  /** Writes now; waits only when stdout is backed up (the text is not kept while waiting). */
  const writeStdout = (text: string): Effect.Effect<void> =>
    Effect.suspend(() => closed || text.length === 0 || stdout.write(text) ? Effect.void : drained)
  const route = (message: AirbyteMessage) => {
    const rendered = format.message(message)
    if (rendered.stderr !== undefined) stderr.write(rendered.stderr)
    return rendered.stdout ?? ""
  }
  return {
    write: (message) => Effect.suspend(() => writeStdout(route(message))),
    writeRecords: (stream, batch, then) =>
      Effect.suspend(() => {
        const text = batch.length === 0 ? "" : format.records(stream, batch, Date.now())
        return writeStdout(then === undefined ? text : text + route(then))
      }),
    unsafeWrite: (message) => {
      const text = route(message)
      if (!closed && text.length > 0) stdout.write(text)
    },
    useFormat: (next, prelude) =>
      Effect.suspend(() => {
        format = next
        return prelude === undefined ? Effect.void : writeStdout(prelude)
      }),
    stderr: {
      write: (text) => void stderr.write(text),
      get isTerminal() {
        return (stderr as { isTTY?: boolean }).isTTY === true
      },
      get columns() {
        const columns = (stderr as { columns?: unknown }).columns
        return typeof columns === "number" && columns > 0 ? columns : undefined
      }
    }
  }
}

/** `Output` on the given streams (the process's, from `NodeMain`), with `make`'s callbacks. */
export const layer = (
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  onClosed: () => void,
  onFailed: (error: Error) => void
): Layer.Layer<Output> => Layer.sync(Output, () => make(stdout, stderr, onClosed, onFailed))
