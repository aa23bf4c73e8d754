/**
 * The `source-smartlead` executable: the SmartLead source on the Airbyte CLI. Wiring only.
 */
import * as Cli from "./airbyte/Cli.js"
import * as NodeMain from "./NodeMain.js"
import { NAME, VERSION } from "./Package.js"
import { SmartLeadSource } from "./smartlead/Source.js"

NodeMain.run(Cli.make(SmartLeadSource, { name: NAME, version: VERSION, env: NodeMain.HttpClientLive })(process.argv))
