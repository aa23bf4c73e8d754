/**
 * The `tap-smartlead` executable: the SmartLead source as a Singer tap, for Meltano and other
 * Singer runners. Wiring only.
 */
import * as NodeMain from "./NodeMain.js"
import { VERSION } from "./Package.js"
import * as SingerCli from "./singer/Cli.js"
import { SmartLeadSource } from "./smartlead/Source.js"

NodeMain.run(
  SingerCli.make(SmartLeadSource, { name: "tap-smartlead", version: VERSION, env: NodeMain.HttpClientLive })(
    process.argv
  )
)
