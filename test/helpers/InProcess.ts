/**
 * Runs a command-line program (`Cli.make(…)`, say) in this process, the way `NodeMain.run`
 * does but with stdout and stderr captured as text: Node's platform layers, the LOG-message
 * logger, an `Output` writing to in-memory streams, and a `Console` (where `@effect/cli` prints
 * help texts) writing to the same ones. For unit tests of the command-line
 * edge over a fake source, without child processes.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Console, Effect, Layer } from "effect"
import { Writable } from "node:stream"
import * as Logging from "../../src/airbyte/Logging.js"
import * as Output from "../../src/airbyte/Output.js"

/** What a run printed, and its exit code. */
export interface Captured {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const collector = () => {
  const chunks: Array<string> = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk))
      callback()
    }
  })
  return { stream, text: () => chunks.join("") }
}

/** Runs `program` with argv `[node, name, ...args]`; never fails. */
export const runInProcess = (
  program: (argv: ReadonlyArray<string>) => Effect.Effect<number, never, NodeContext.NodeContext | Output.Output>,
  args: ReadonlyArray<string>
): Effect.Effect<Captured, never, never> =>
  Effect.suspend(() => {
    const stdout = collector()
    const stderr = collector()
    const output = Output.make(stdout.stream, stderr.stream, () => {})
    const layer = Layer.mergeAll(NodeContext.layer, Logging.layer).pipe(Layer.provideMerge(Layer.succeed(Output.Output, output)))
    const line = (target: Writable) => (...parts: ReadonlyArray<unknown>) =>
      Effect.sync(() => void target.write(parts.map(String).join(" ") + "\n"))
    return Console.consoleWith((base) =>
      program(["node", "program", ...args]).pipe(
        Effect.map((code) => ({ code, stdout: stdout.text(), stderr: stderr.text() })),
        Effect.provide(layer),
        Console.withConsole({ ...base, log: line(stdout.stream), error: line(stderr.stream) })
      )
    )
  })
