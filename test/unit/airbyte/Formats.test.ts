/**
 * The shell renderings of `read`: JSON Lines and CSV records on stdout, dotted-path columns,
 * RFC 4180 quoting, and what of the other messages reaches stderr.
 */
import { describe, expect, it } from "@effect/vitest"
import { csv, csvField, csvLine, jsonLines, valueAt } from "../../../src/airbyte/Formats.js"
import type { AirbyteMessage } from "../../../src/airbyte/Protocol.js"
import {
  errorTraceMessage,
  estimateMessage,
  logMessage,
  stateMessage,
  streamStatusMessage
} from "../../../src/airbyte/Protocol.js"

const lead = {
  id: 2995276770,
  email: "john@example.com",
  custom_fields: { job_title: "CEO", "team.size": 12, nested: { deep: true } },
  "odd.key": "top",
  odd: { key: "nested" },
  note: null
}

describe("jsonLines", () => {
  it("prints each record's data as one JSON line, nothing for an empty batch", () => {
    expect(jsonLines.records("leads", [{ id: 1, a: "x" }, { id: 2, b: [1, 2] }], 0)).toBe('{"id":1,"a":"x"}\n{"id":2,"b":[1,2]}\n')
    expect(jsonLines.records("leads", [], 0)).toBe("")
  })
})

describe("messages other than records", () => {
  const formats = { jsonLines, csv: csv(["id"]) }
  for (const [name, format] of Object.entries(formats)) {
    describe(name, () => {
      it("sends warnings and errors to stderr, one line each, and never to stdout", () => {
        expect(format.message(logMessage("WARN", "slow down"))).toEqual({ stderr: "warn: slow down\n" })
        expect(format.message(logMessage("ERROR", "it broke"))).toEqual({ stderr: "error: it broke\n" })
        expect(format.message(logMessage("FATAL", "gone"))).toEqual({ stderr: "fatal: gone\n" })
        expect(format.message(errorTraceMessage({ message: "HTTP 401 on GET /campaigns", failure_type: "config_error" })))
          .toEqual({ stderr: "error: HTTP 401 on GET /campaigns\n" })
      })

      it("drops informational logs, STATE and progress traces", () => {
        const quiet: ReadonlyArray<AirbyteMessage> = [
          logMessage("INFO", "reading"),
          logMessage("DEBUG", "page 3"),
          stateMessage("leads", { created_at: "2025-01-01T00:00:00.000Z" }, 10),
          streamStatusMessage("leads", "RUNNING"),
          estimateMessage("leads", 100)
        ]
        for (const message of quiet) expect(format.message(message), JSON.stringify(message)).toEqual({})
      })

      it("prints a connection status, spec or catalog as JSON on stderr", () => {
        const status: AirbyteMessage = { type: "CONNECTION_STATUS", connectionStatus: { status: "FAILED", message: "no" } }
        expect(format.message(status)).toEqual({ stderr: JSON.stringify(status) + "\n" })
        const catalog: AirbyteMessage = { type: "CATALOG", catalog: { streams: [] } }
        expect(format.message(catalog)).toEqual({ stderr: '{"type":"CATALOG","catalog":{"streams":[]}}\n' })
      })
    })
  }
})

describe("valueAt", () => {
  it("follows a dotted path into nested objects", () => {
    expect(valueAt(lead, "custom_fields.job_title")).toBe("CEO")
    expect(valueAt(lead, "custom_fields.nested.deep")).toBe(true)
    expect(valueAt(lead, "custom_fields")).toEqual(lead.custom_fields)
  })

  it("prefers a top-level key that contains dots", () => {
    expect(valueAt(lead, "odd.key")).toBe("top")
  })

  it("is undefined for a missing key or a path through a non-object", () => {
    expect(valueAt(lead, "missing")).toBeUndefined()
    expect(valueAt(lead, "custom_fields.missing")).toBeUndefined()
    expect(valueAt(lead, "email.length")).toBeUndefined()
    expect(valueAt(lead, "note.anything")).toBeUndefined()
    // a dotted key below the top level is not split back together
    expect(valueAt(lead, "custom_fields.team.size")).toBeUndefined()
  })
})

describe("csvField", () => {
  it("writes plain values as they are", () => {
    expect(csvField("CEO")).toBe("CEO")
    expect(csvField(2995276770)).toBe("2995276770")
    expect(csvField(false)).toBe("false")
    expect(csvField("")).toBe("")
  })

  it("writes null and undefined as an empty field", () => {
    expect(csvField(null)).toBe("")
    expect(csvField(undefined)).toBe("")
  })

  it("quotes fields with commas, quotes, line breaks or edge spaces, doubling quotes", () => {
    expect(csvField("Acme, Inc.")).toBe('"Acme, Inc."')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField("a\nb")).toBe('"a\nb"')
    expect(csvField("a\r\nb")).toBe('"a\r\nb"')
    expect(csvField(" padded")).toBe('" padded"')
    expect(csvField("padded\t")).toBe('"padded\t"')
  })

  it("writes objects and arrays as JSON, quoted", () => {
    expect(csvField({ job_title: "CEO" })).toBe('"{""job_title"":""CEO""}"')
    expect(csvField([1, 2])).toBe('"[1,2]"')
  })
})

describe("csv", () => {
  it("ends each line with CRLF", () => {
    expect(csvLine(["id", "email", "custom_fields.job_title"])).toBe("id,email,custom_fields.job_title\r\n")
  })

  it("prints the chosen columns of each record, in column order", () => {
    const format = csv(["email", "id", "custom_fields.job_title", "note", "missing"])
    const records = [lead, { id: 7, email: "a,b@c.d", custom_fields: null }]
    expect(format.records("leads", records, 0)).toBe(
      "john@example.com,2995276770,CEO,,\r\n" +
        '"a,b@c.d",7,,,\r\n'
    )
    expect(format.records("leads", [], 0)).toBe("")
  })
})
