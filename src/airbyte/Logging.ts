/**
 * Effect logging as Airbyte LOG messages. Replaces the default logger so that every
 * `Effect.log*` call becomes a LOG line on stdout through `Output`, with the level mapped to the
 * protocol's and the cause (if any) as the stack trace (with source locations). The minimum level
 * is given by name (`NodeMain` passes the `LOG_LEVEL` environment variable); INFO when it names
 * no level.
 */
import { Cause, Effect, HashMap, Layer, Logger, LogLevel } from "effect"
import { Output } from "./Output.js"
import type { LogLevel as ProtocolLevel } from "./Protocol.js"
import { logMessage } from "./Protocol.js"
import { Redaction } from "./Redaction.js"
import { withSourceLocations } from "./StackTraces.js"

const protocolLevel = (level: LogLevel.LogLevel): ProtocolLevel => {
  switch (level._tag) {
    case "Fatal":
      return "FATAL"
    case "Error":
      return "ERROR"
    case "Warning":
      return "WARN"
    case "Debug":
      return "DEBUG"
    case "Trace":
      return "TRACE"
    default:
      return "INFO"
  }
}

const render = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" ")
}

const annotationsText = (annotations: HashMap.HashMap<string, unknown>): string => {
  const pairs = Array.from(HashMap.toEntries(annotations), ([key, value]) => `${key}=${render(value)}`)
  return pairs.length === 0 ? "" : ` (${pairs.join(", ")})`
}

/** A logger that writes LOG messages through `Output`, from `level` (`"debug"`, `"WARN"`, …; default INFO) up. */
export const layer = (level: string | undefined): Layer.Layer<never, never, Output | Redaction> =>
  Layer.unwrapEffect(
    Effect.map(Effect.all([Output, Redaction]), ([output, { scrub }]) => {
      const logger = Logger.make(({ annotations, cause, logLevel, message }) => {
        const text = render(message) + annotationsText(annotations)
        const stack = Cause.isEmpty(cause)
          ? undefined
          : withSourceLocations(Cause.pretty(cause, { renderErrorCause: true }))
        output.unsafeWrite(
          logMessage(protocolLevel(logLevel), scrub(text), stack === undefined ? undefined : scrub(stack))
        )
      })
      const minimum = LogLevel.allLevels.find((candidate) => candidate.label === (level ?? "").toUpperCase())
      return Layer.merge(
        Logger.replace(Logger.defaultLogger, logger),
        Logger.minimumLogLevel(minimum ?? LogLevel.Info)
      )
    })
  )
