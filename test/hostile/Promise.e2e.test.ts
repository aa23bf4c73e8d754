/** Issue 12's promise under TZ=UTC with ISO created_at (the suite is in Suite.ts). */
import { promiseSuite } from "./Suite.js"

promiseSuite({ tz: "UTC", timestamps: "iso", seed: 1 })
