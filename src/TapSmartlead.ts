/**
 * The `tap-smartlead` program: the SmartLead source as a Singer tap, as a function of argv that
 * computes the exit code. `tap.ts` runs it on Node; the end-to-end tests run it in their own
 * process.
 */
import { Layer } from "effect"
import * as NodeMain from "./NodeMain.js"
import { NAME, VERSION } from "./Package.js"
import * as SingerCli from "./singer/Cli.js"
import { SmartLeadSource } from "./smartlead/Source.js"
import { UserAgent } from "./smartlead/Transport.js"

/** The program of `tap-smartlead`, given the full argv (`[node, script, ...args]`). */
export const program = SingerCli.make(SmartLeadSource, {
  name: "tap-smartlead",
  version: VERSION,
  env: Layer.merge(NodeMain.HttpTransportLive, Layer.succeed(UserAgent, `${NAME}/${VERSION}`))
})
