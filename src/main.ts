/** The `source-smartlead` executable. Wiring only. */
import * as NodeMain from "./NodeMain.js"
import { program } from "./SourceSmartlead.js"

NodeMain.run(program(process.argv))
