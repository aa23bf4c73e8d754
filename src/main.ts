/**
 * The `source-smartlead` executable: the SmartLead source on the Airbyte CLI, with the shell
 * flags on `read`. Wiring only.
 */
import * as Cli from "./airbyte/Cli.js"
import * as NodeMain from "./NodeMain.js"
import { NAME, VERSION } from "./Package.js"
import * as Shell from "./shell/Shell.js"
import { SmartLeadSource } from "./smartlead/Source.js"

NodeMain.run(
  Cli.make(SmartLeadSource, { name: NAME, version: VERSION, env: NodeMain.HttpClientLive, extensions: [Shell.readOptions] })(
    process.argv
  )
)
