/**
 * The `source-smartlead` program: the SmartLead source on the Airbyte CLI, with the shell flags
 * on `read`, as a function of argv that computes the exit code. `main.ts` runs it on Node; the
 * end-to-end tests run it in their own process against the simulator over loopback HTTP.
 */
import { Layer } from "effect"
import * as Cli from "./airbyte/Cli.js"
import * as NodeMain from "./NodeMain.js"
import { NAME, VERSION } from "./Package.js"
import * as Shell from "./shell/Shell.js"
import { SmartLeadSource } from "./smartlead/Source.js"
import { UserAgent } from "./smartlead/Transport.js"

/** The program of `source-smartlead`, given the full argv (`[node, script, ...args]`). */
export const program = Cli.make(SmartLeadSource, {
  name: NAME,
  version: VERSION,
  env: Layer.merge(NodeMain.HttpTransportLive, Layer.succeed(UserAgent, `${NAME}/${VERSION}`)),
  extensions: [Shell.readOptions]
})
