/**
 * The Singer translation: discovery metadata (offers, no choices), selection of streams and
 * fields by metadata, and the message rendering (narrowed SCHEMA and RECORDs, a STATE closing
 * every stream).
 */
import { describe, expect, it } from "vitest"
import type { AirbyteMessage, JsonObject } from "../../../src/airbyte/Protocol.js"
import { stateMessage, streamStatusMessage } from "../../../src/airbyte/Protocol.js"
import * as Singer from "../../../src/singer/Singer.js"
import { SmartLeadSource } from "../../../src/smartlead/Source.js"
import { meltanoSelect } from "../../helpers/Meltano.js"

const source = SmartLeadSource

type Any = any

const topOf = (stream: Any) => stream.metadata.find((m: Any) => m.breadcrumb.length === 0).metadata
const propertyOf = (stream: Any, name: string) => stream.metadata.find((m: Any) => m.breadcrumb[1] === name)?.metadata

describe("Singer.catalogOf", () => {
  const catalog = Singer.catalogOf(source) as Any

  it("offers every stream and field (selected-by-default, valid-replication-keys) and sets no user choice", () => {
    expect(catalog.streams.map((s: Any) => s.tap_stream_id)).toEqual(source.streams.map((s) => s.name))
    for (const stream of catalog.streams) {
      const top = topOf(stream)
      expect(top["selected-by-default"]).toBe(true)
      expect(top).not.toHaveProperty("selected")
      expect(top).not.toHaveProperty("replication-key")
      expect(Array.isArray(top["valid-replication-keys"])).toBe(true)
      for (const item of stream.metadata.filter((m: Any) => m.breadcrumb.length > 0)) {
        expect(item.metadata).not.toHaveProperty("selected")
        expect(item.metadata["selected-by-default"]).toBe(true)
      }
    }
    const leads = catalog.streams[0]
    expect(topOf(leads)["valid-replication-keys"]).toEqual(["created_at"])
    expect(propertyOf(leads, "created_at").inclusion).toBe("automatic")
    expect(propertyOf(leads, "id").inclusion).toBe("automatic")
    expect(propertyOf(leads, "email").inclusion).toBe("available")
    expect(topOf(catalog.streams[1])["forced-replication-method"]).toBe("FULL_TABLE")
    expect(topOf(leads)).not.toHaveProperty("forced-replication-method")
  })
})

describe("Singer.selectedCatalog", () => {
  const select = (catalog: unknown) => {
    const selection = Singer.selectedCatalog(source, catalog)
    if ("problem" in selection) throw new Error(selection.problem)
    return selection
  }

  it("a discovered catalog as is selects every stream and every field (selected-by-default)", () => {
    const selection = select(Singer.catalogOf(source))
    expect(selection.catalog.streams.map((s) => [s.stream.name, s.sync_mode])).toEqual(
      source.streams.map((
        stream
      ) => [stream.name, stream.supportedSyncModes.includes("incremental") ? "incremental" : "full_refresh"])
    )
    expect(selection.catalog.streams[0]).toMatchObject({ stream: { name: "leads" }, sync_mode: "incremental" })
    expect(selection.fields.size).toBe(0)
  })

  it("Meltano-style field selection keeps the selected fields, the keys and the replication key, in schema order", () => {
    const selection = select(
      meltanoSelect(Singer.catalogOf(source), ["leads.email", "leads.first_name", "campaigns.*"])
    )
    expect(selection.catalog.streams.map((s) => s.stream.name)).toEqual(["leads", "campaigns"])
    expect(selection.fields.get("leads")).toEqual(["campaign_id", "id", "email", "first_name", "created_at"])
    expect(selection.fields.has("campaigns")).toBe(false)
  })

  it("inclusion: automatic is always kept, unsupported never; selected wins over selected-by-default", () => {
    const catalog = Singer.catalogOf(source) as Any
    const leads = catalog.streams[0]
    topOf(leads).selected = true
    propertyOf(leads, "email").inclusion = "unsupported"
    propertyOf(leads, "email").selected = true
    propertyOf(leads, "phone_number").selected = false
    propertyOf(leads, "website")["selected-by-default"] = false
    propertyOf(leads, "status").inclusion = "automatic"
    propertyOf(leads, "status").selected = false
    const kept = select(catalog).fields.get("leads")!
    expect(kept).not.toContain("email")
    expect(kept).not.toContain("phone_number")
    expect(kept).not.toContain("website")
    expect(kept).toContain("status")
    expect(kept).toContain("first_name")
  })

  it("a stream deselected by metadata or by the legacy entry flag is not read", () => {
    const catalog = Singer.catalogOf(source) as Any
    topOf(catalog.streams[0]).selected = false
    catalog.streams[1].selected = false
    expect(select(catalog).catalog.streams.map((s) => s.stream.name)).toEqual(
      source.streams.slice(2).map((stream) => stream.name)
    )
  })
})

describe("Singer.format", () => {
  const started = (name: string) => streamStatusMessage(name, "STARTED")
  const run = (
    format: ReturnType<typeof Singer.format>,
    steps: ReadonlyArray<AirbyteMessage | { records: string; batch: Array<JsonObject> }>
  ) => {
    let out = ""
    for (const step of steps) {
      out += "records" in step
        ? format.records(step.records, step.batch, 0)
        : (format.message(step).stdout ?? "")
    }
    return out.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line) as Any)
  }

  it("closes a full-table stream with a STATE holding every bookmark, so a sync ends with a STATE", () => {
    const format = Singer.format(source, new Map([["leads", { created_at: "2025-01-01T00:00:00.000Z" }]]))
    const messages = run(format, [
      started("campaigns"),
      { records: "campaigns", batch: [{ id: 1 }] },
      stateMessage("campaigns", {}, 1),
      streamStatusMessage("campaigns", "COMPLETE"),
      started("lead_categories"),
      { records: "lead_categories", batch: [{ id: 2 }] },
      streamStatusMessage("lead_categories", "INCOMPLETE")
    ])
    expect(messages.map((m) => m.type)).toEqual(["SCHEMA", "RECORD", "STATE", "SCHEMA", "RECORD", "STATE"])
    for (const state of messages.filter((m) => m.type === "STATE")) {
      expect(state.value).toEqual({ bookmarks: { leads: { created_at: "2025-01-01T00:00:00.000Z" } } })
    }
  })

  it("narrows the SCHEMA and the RECORDs of a stream with field selection", () => {
    const format = Singer.format(source, new Map(), new Map([["leads", ["campaign_id", "id", "email", "created_at"]]]))
    const [schema, record] = run(format, [started("leads"), {
      records: "leads",
      batch: [{ campaign_id: 1, id: 2, email: "a@b.c", first_name: "A", created_at: null, extra: 1 }]
    }])
    expect(Object.keys(schema.schema.properties)).toEqual(["campaign_id", "id", "email", "created_at"])
    expect(schema.schema.required).toEqual(["campaign_id", "id"])
    expect(schema.key_properties).toEqual(["campaign_id", "id"])
    expect(record.record).toEqual({ campaign_id: 1, id: 2, email: "a@b.c", created_at: null })
  })
})
