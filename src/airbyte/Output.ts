/**
 * The only writer to stdout. Every protocol message goes through `Output`, one JSON document per
 * line; batches of pre-serialised lines go out in one write. Writes wait while the stream is
 * backed up, and a consumer that closes the pipe (`read … | head -1`) ends the process at once,
 * quietly, with exit code 141 as a shell's SIGPIPE would.
 */
import { Context, Effect, Layer } from "effect"
import type { AirbyteMessage } from "./Protocol.js"

/** Exit code used when the consumer of stdout goes away. */
export const BROKEN_PIPE_EXIT_CODE = 141

export interface OutputShape {
  /** Writes one message and waits while the stream is backed up. */
  readonly write: (message: AirbyteMessage) => Effect.Effect<void>
  /** Writes already-serialised lines (each ending in `\n`) in one go. */
  readonly writeLines: (lines: string) => Effect.Effect<void>
  /** Writes one message now, without waiting; for loggers, which cannot wait. */
  readonly unsafeWrite: (message: AirbyteMessage) => void
}

/** The stdout writer. */
export class Output extends Context.Tag("airbyte/Output")<Output, OutputShape>() {}

/** Serialises one message as a protocol line. */
export const serialize = (message: AirbyteMessage): string => JSON.stringify(message) + "\n"

/** An `Output` writing to a Node writable stream, calling `onClosed` once if the reader goes away. */
export const fromWritable = (stream: NodeJS.WritableStream, onClosed: () => void): OutputShape => {
  let closed = false
  const close = () => {
    if (!closed) {
      closed = true
      onClosed()
    }
  }
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") close()
    else throw error
  })
  const writeLines = (lines: string): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      if (closed) return
      if (stream.write(lines)) return resume(Effect.void)
      const done = () => {
        stream.off("drain", done)
        stream.off("close", done)
        resume(Effect.void)
      }
      stream.on("drain", done)
      stream.on("close", done)
    })
  return {
    writeLines,
    write: (message) => writeLines(serialize(message)),
    unsafeWrite: (message) => {
      if (!closed) stream.write(serialize(message))
    }
  }
}

/** `Output` on the process's stdout; a closed pipe exits the process with code 141. */
export const layerStdout: Layer.Layer<Output> = Layer.sync(
  Output,
  () => fromWritable(process.stdout, () => process.exit(BROKEN_PIPE_EXIT_CODE))
)

/** An in-memory `Output` for tests: the lines written so far, parsed. */
export const makeMemory = () => {
  const lines: Array<string> = []
  const output: OutputShape = {
    writeLines: (chunk) =>
      Effect.sync(() => {
        for (const line of chunk.split("\n")) if (line.length > 0) lines.push(line)
      }),
    write: (message) => Effect.sync(() => void lines.push(JSON.stringify(message))),
    unsafeWrite: (message) => void lines.push(JSON.stringify(message))
  }
  return { output, messages: (): Array<AirbyteMessage> => lines.map((line) => JSON.parse(line)) }
}
