/**
 * Issue 12's promise (Suite.ts) again with the connector under TZ=America/Los_Angeles and a server
 * sending zone-less created_at ("2025-01-01 12:00:00", meaning UTC): the case where a local-time
 * reading of the API's timestamps asks for leads 8 h later than it should.
 */
import { promiseSuite } from "./Suite.js"

promiseSuite({ tz: "America/Los_Angeles", timestamps: "zoneless", seed: 2 })
