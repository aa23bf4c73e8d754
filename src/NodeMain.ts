/**
 * What both executables share on Node: the platform layers (file system, path and terminal for
 * the CLI; the stdout `Output`, which ends the process when stdout goes away, the run's
 * `Redaction` and the LOG-message logger at `LOG_LEVEL`), the HTTP transport on `node:http` (its
 * agents made only when a command talks to the API), and `NodeRuntime.runMain` with the exit
 * code the program computes — or 130/143 when a SIGINT/SIGTERM interrupted it.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Effect, Exit, Layer } from "effect"
import * as HttpTransport from "./airbyte/HttpTransport.js"
import * as Logging from "./airbyte/Logging.js"
import * as Output from "./airbyte/Output.js"
import * as Redaction from "./airbyte/Redaction.js"

/** The HTTP transport on `node:http` (`airbyte/HttpTransport.ts`). */
export const HttpTransportLive: Layer.Layer<HttpTransport.HttpTransport> = HttpTransport.layer

/**
 * What `@effect/cli` needs (file system, path, terminal) and no more: `NodeContext.layer` would
 * also load `node:child_process` and the worker manager at every start, which no command uses.
 */
const MainLive = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeTerminal.layer,
  Logging.layer(process.env["LOG_LEVEL"])
).pipe(
  Layer.provideMerge(Layer.merge(
    Output.layer(process.stdout, process.stderr, () => process.exit(Output.BROKEN_PIPE_EXIT_CODE), (error) => {
      process.stderr.write(`stdout failed: ${error.message}\n`)
      process.exit(1)
    }),
    Redaction.layer
  ))
)

/** Runs a program that computes its exit code, and exits with it. */
export const run = (program: Effect.Effect<number, never, Layer.Layer.Success<typeof MainLive>>): void => {
  let signal: NodeJS.Signals | undefined
  process.once("SIGINT", () => (signal ??= "SIGINT"))
  process.once("SIGTERM", () => (signal ??= "SIGTERM"))
  NodeRuntime.runMain(Effect.provide(program, MainLive), {
    disablePrettyLogger: true,
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit)) return onExit(exit.value as number)
      onExit(signal === "SIGTERM" ? 143 : signal === "SIGINT" ? 130 : 1)
    }
  })
}
