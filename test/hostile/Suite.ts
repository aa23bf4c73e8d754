/**
 * The promise (every lead that exists reaches the destination), as one suite run per server
 * order (oldest-first, newest-first, stable shuffle) against the simulator's mutation mode: every
 * lead present for a whole sync is delivered by that sync while one already-read row per page is
 * deleted (and new leads are inserted); after a second incremental sync every lead that exists
 * is delivered; a lead re-categorised into a `lead_category_id` filter arrives with the next sync
 * that reconciles, and with the activity sweep when the change came with activity; SIGKILL at
 * seeded random points and resumes from the last STATE lose nothing. The caller picks the
 * child's TZ and the timestamps the server sends, so the same suite runs under
 * TZ=America/Los_Angeles. Expected ids always come from the simulator: the leads present at a
 * sync's start and end.
 */
import { describe, expect, it } from "vitest"
import { recordsOf, stateInput } from "../helpers/Connector.js"
import type { Order, TimestampFormat } from "../simulator/Simulator.js"
import {
  expectOnlyKnown,
  expectSuperset,
  hostileSetup,
  keysOf,
  makeRng,
  mutatingHook,
  suiteOptions,
  sum,
  throughout
} from "./Hostile.js"

const ORDERS: ReadonlyArray<Order> = ["ascending", "descending", "shuffled"]
const FAST = { page_size: 5, max_retries: 2 }

/** Defines the suite; call once at a test file's top level. */
export const promiseSuite = (options: { tz: string; timestamps: TimestampFormat; seed: number }) => {
  const { readKilled, read, start } = hostileSetup(options.tz)
  const label = `TZ=${options.tz}, ${options.timestamps} created_at`

  for (const [index, order] of ORDERS.entries()) {
    const seed = options.seed * 10 + index
    describe(`${order} order (${label})`, () => {
      it("a sync delivers every lead present throughout it while one already-read row per page is deleted", async () => {
        const sim = await start(
          suiteOptions(order, options.timestamps, {
            campaigns: 3,
            leadsPerCampaign: [23, 17, 31],
            shape: "mixed",
            seed
          })
        )
        const { counts, hook } = mutatingHook({ seed, maxDeletesPerCampaign: 4 })
        sim.mutations.setBeforeLeadsPage(hook)
        const before = sim.mutations.present()
        const run = await read(sim, FAST)
        const after = sim.mutations.present()
        expect(run.code, run.stdout.slice(-500)).toBe(0)
        expect(sum(counts.deletes), "rows deleted during the read").toBeGreaterThanOrEqual(6)
        expectSuperset(keysOf(run.messages), throughout(before, after), "the sync")
        expectOnlyKnown(keysOf(run.messages), sim)
      })

      it("a sync delivers every lead present throughout it while new leads are inserted during the read", async () => {
        const sim = await start(
          suiteOptions(order, options.timestamps, {
            campaigns: 3,
            leadsPerCampaign: [23, 17, 31],
            shape: "real",
            seed: seed + 1
          })
        )
        const { counts, hook } = mutatingHook({
          seed,
          maxDeletesPerCampaign: 4,
          insertEvery: 2,
          maxInsertsPerCampaign: 4
        })
        sim.mutations.setBeforeLeadsPage(hook)
        const before = sim.mutations.present()
        const run = await read(sim, FAST)
        const after = sim.mutations.present()
        expect(run.code, run.stdout.slice(-500)).toBe(0)
        expect(sum(counts.inserts), "leads inserted during the read").toBeGreaterThanOrEqual(3)
        expectSuperset(keysOf(run.messages), throughout(before, after), "the sync")
        expectOnlyKnown(keysOf(run.messages), sim)
      })

      it("after a second incremental sync, every lead that exists has been delivered", async () => {
        const sim = await start(
          suiteOptions(order, options.timestamps, {
            campaigns: 3,
            leadsPerCampaign: [21, 14, 26],
            shape: "mixed",
            seed: seed + 2
          })
        )
        const mutate = mutatingHook({ seed, maxDeletesPerCampaign: 3, insertEvery: 2, maxInsertsPerCampaign: 3 })
        sim.mutations.setBeforeLeadsPage(mutate.hook)
        const first = await read(sim, FAST)
        expect(first.code, first.stdout.slice(-500)).toBe(0)
        // between the syncs: more leads, some deleted, and a server that now ignores created_at_gt
        for (const id of sim.campaignIds) sim.mutations.insertLeads(id, 2)
        sim.mutations.deleteAt(sim.campaignIds[0]!, 0)
        sim.mutations.setIgnoreCreatedAtFilter(true)
        const again = mutatingHook({
          seed: seed + 7,
          maxDeletesPerCampaign: 2,
          insertEvery: 3,
          maxInsertsPerCampaign: 2
        })
        sim.mutations.setBeforeLeadsPage(again.hook)
        const before = sim.mutations.present()
        const second = await read(sim, FAST, stateInput(first.messages))
        const after = sim.mutations.present()
        expect(second.code, second.stdout.slice(-500)).toBe(0)
        const union = [...keysOf(first.messages), ...keysOf(second.messages)]
        expectSuperset(union, throughout(before, after), "the two syncs")
        expectOnlyKnown(union, sim)
      })

      it("a lead re-categorised into the lead_category_id filter arrives with the next reconciling sync, and with the activity sweep", async () => {
        const sim = await start(
          suiteOptions(order, options.timestamps, {
            campaigns: 3,
            leadsPerCampaign: [30, 26, 22],
            shape: "mixed",
            seed: seed + 3
          })
        )
        const filter = { ...FAST, lead_category_id: 1 }
        const first = await read(sim, filter)
        expect(first.code, first.stdout.slice(-500)).toBe(0)
        const interested = sim.leads().filter((lead) => lead.categoryId === 1)
        expect([...new Set(keysOf(first.messages))].sort(), "the first sync: the Interested leads").toEqual(
          interested.map((l) => `${l.campaignId}:${l.id}`).sort()
        )
        // a lead older than its campaign's newest Interested lead (so behind that campaign's cursor)
        const behindCursor = (campaignId: number, skip: ReadonlySet<number>) => {
          const newest = Math.max(
            ...sim.leads(campaignId).filter((l) => l.categoryId === 1).map((l) => Date.parse(l.createdAt))
          )
          return sim.leads(campaignId).find((l) =>
            l.categoryId !== 1 && !skip.has(l.id) && Date.parse(l.createdAt) < newest
          )
        }
        const [a, b] = sim.campaignIds.filter((id) => sim.leads(id).some((l) => l.categoryId === 1)) as [number, number]
        const quiet = behindCursor(a, new Set())!
        const loud = behindCursor(b, new Set())!
        expect(quiet, "a lead behind campaign a's cursor").toBeDefined()
        expect(loud, "a lead behind campaign b's cursor").toBeDefined()
        sim.mutations.recategorise(a, quiet.id, 1) // changed in the app: no email activity
        sim.mutations.recategorise(b, loud.id, 1, new Date().toISOString()) // a reply, categorised Interested
        const state = stateInput(first.messages)

        const reconciling = await read(sim, { ...filter, reconcile_interval_hours: 0 }, state)
        expect(reconciling.code, reconciling.stdout.slice(-500)).toBe(0)
        for (const lead of [quiet, loud]) {
          const record = recordsOf(reconciling.messages, "leads").find((r) =>
            r["campaign_id"] === lead.campaignId && r["id"] === lead.id
          )
          expect(record, `lead ${lead.campaignId}:${lead.id} re-categorised before a reconciling sync`).toBeDefined()
          expect(record!["category_id"]).toBe(1)
        }

        // the same next sync with the defaults: no reconciliation is due, the sweep brings the reply
        const swept = await read(sim, filter, state)
        expect(swept.code, swept.stdout.slice(-500)).toBe(0)
        const record = recordsOf(swept.messages, "leads").find((r) => r["campaign_id"] === b && r["id"] === loud.id)
        expect(record, `lead ${b}:${loud.id} re-categorised with activity, next sync with activity_sweep on`)
          .toBeDefined()
        expect(record!["category_id"]).toBe(1)
      })

      it("SIGKILL at seeded random points, each run resumed from the last STATE seen, loses nothing", async () => {
        const sim = await start(
          suiteOptions(order, options.timestamps, {
            campaigns: 3,
            leadsPerCampaign: [60, 45, 50],
            shape: "real",
            seed: seed + 4
          })
        )
        const counts = { deletes: new Map<number, number>(), inserts: new Map<number, number>() }
        const rng = makeRng(seed + 4)
        const before = sim.mutations.present()
        const delivered = new Set<string>()
        let state: unknown = undefined
        let kills = 0
        for (let run = 0; run < 5; run++) {
          // each run deletes up to 2 already-read rows per campaign and inserts some leads
          counts.deletes.clear()
          sim.mutations.setBeforeLeadsPage(
            mutatingHook({
              seed: seed + run,
              maxDeletesPerCampaign: 2,
              insertEvery: 3,
              maxInsertsPerCampaign: 1,
              counts
            }).hook
          )
          const cut = rng.int(2_000, 20_000)
          const killed = await readKilled(sim, FAST, state, cut)
          if (killed.killed) kills++
          for (const key of killed.committed) delivered.add(key)
          state = killed.nextState
          // between runs: a lead near the start of a campaign is deleted (rows before a saved offset move)
          const victim = sim.campaignIds[rng.int(0, sim.campaignIds.length - 1)]!
          if (sim.mutations.served(victim).length > 1) sim.mutations.deleteAt(victim, rng.int(0, 3))
        }
        expect(kills, "runs killed part-way").toBeGreaterThanOrEqual(3)
        sim.mutations.setBeforeLeadsPage(undefined)
        const last = await read(sim, FAST, state)
        expect(last.code, last.stdout.slice(-500)).toBe(0)
        for (const key of keysOf(last.messages)) delivered.add(key)
        expectSuperset(delivered, throughout(before, sim.mutations.present()), "the killed runs and the final one")
        expectOnlyKnown(delivered, sim)
      })
    })
  }
}
