/**
 * The `tap-smartlead` executable: the SmartLead source as a Singer tap, for Meltano and other
 * Singer runners. Wiring only, as `main.ts`.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Exit, Layer } from "effect"
import * as Logging from "./airbyte/Logging.js"
import * as Output from "./airbyte/Output.js"
import { VERSION } from "./Package.js"
import * as SingerCli from "./singer/Cli.js"
import { SmartLeadSource } from "./smartlead/Source.js"

let signal: NodeJS.Signals | undefined
process.once("SIGINT", () => (signal ??= "SIGINT"))
process.once("SIGTERM", () => (signal ??= "SIGTERM"))

const HttpClientLive = Layer.unwrapEffect(
  Effect.map(Effect.promise(() => import("@effect/platform-node/NodeHttpClient")), (http) => http.layerUndici)
)

const MainLive = Layer.mergeAll(NodeContext.layer, Logging.layer).pipe(Layer.provideMerge(Output.layerStdout))

const program = SingerCli.make(SmartLeadSource, { name: "tap-smartlead", version: VERSION, env: HttpClientLive })(process.argv).pipe(
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
