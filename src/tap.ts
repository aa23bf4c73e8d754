/** The `tap-smartlead` executable, for Meltano and other Singer runners. Wiring only. */
import * as NodeMain from "./NodeMain.js"
import { program } from "./TapSmartlead.js"

NodeMain.run(program(process.argv))
