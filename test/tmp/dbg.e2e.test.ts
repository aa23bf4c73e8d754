import { it } from "vitest"
import { statesOf } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
const { readLeads, start } = setup()
it("dbg", async () => {
  const sim = await start({ campaigns: 1, leadsPerCampaign: 25, shape: "documented" })
  const r = await readLeads(sim, { page_size: 10, checkpoint_interval_seconds: 0 })
  for (const m of statesOf(r.messages, "leads")) console.log(JSON.stringify(m["state"].stream.stream_state))
  for (const m of r.messages.filter((m) => m.type === "LOG")) console.log(JSON.stringify(m))
})
