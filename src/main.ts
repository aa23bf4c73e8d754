/**
 * The `source-smartlead` executable: wires the SmartLead source into the Airbyte CLI with the
 * Node platform (file system; the undici HTTP client, loaded only by commands that call the
 * API), the stdout `Output` and the LOG-message logger, then runs it. The exit code is the CLI's; a SIGINT or SIGTERM interrupts the read
 * and exits 130 or 143.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Exit, Layer } from "effect"
import * as Cli from "./airbyte/Cli.js"
import * as Logging from "./airbyte/Logging.js"
import * as Output from "./airbyte/Output.js"
import { NAME, VERSION } from "./Package.js"
import { SmartLeadSource } from "./smartlead/Source.js"

let signal: NodeJS.Signals | undefined
process.once("SIGINT", () => (signal ??= "SIGINT"))
process.once("SIGTERM", () => (signal ??= "SIGTERM"))

const HttpClientLive = Layer.unwrapEffect(
  Effect.map(Effect.promise(() => import("@effect/platform-node/NodeHttpClient")), (http) => http.layerUndici)
)

const MainLive = Layer.mergeAll(NodeContext.layer, Logging.layer).pipe(Layer.provideMerge(Output.layerStdout))

const program = Cli.make(SmartLeadSource, { name: NAME, version: VERSION, env: HttpClientLive })(process.argv).pipe(
  Effect.provide(MainLive)
)

NodeRuntime.runMain(program, {
  disablePrettyLogger: true,
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(exit.value as number)
    onExit(signal === "SIGTERM" ? 143 : signal === "SIGINT" ? 130 : 1)
  }
})
