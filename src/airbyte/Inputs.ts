/**
 * The files a command is given: `--config`, `--catalog` and `--state`. Reads each as JSON and
 * decodes it, failing with an `InputError` that names the flag, the file and what is wrong with
 * it. Config keys the source does not know are returned as warnings, not errors. The state file
 * itself is interpreted by `State`.
 */
import { isJsonObject } from "./Protocol.js"
import { FileSystem } from "@effect/platform"
import { Data, Effect, Either, ParseResult, Schema } from "effect"
import * as Conform from "./Conform.js"
import type { JsonObject } from "./Protocol.js"
import { ConfiguredAirbyteCatalog } from "./Protocol.js"

/** A file named on the command line that cannot be used; `flag` is `config`, `catalog`, `state` or an output's flag. */
export class InputError extends Data.TaggedError("InputError")<{
  readonly flag: "config" | "catalog" | "state" | "state-output"
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid --${this.flag} file ${JSON.stringify(this.path)}: ${this.reason}`
  }
}

/** The config file parsed but does not satisfy the spec; `problems` name each field. */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly problems: ReadonlyArray<string>
}> {
  override get message(): string {
    return `Invalid configuration: ${this.problems.join("; ")}`
  }
}

const describeJsonError = (error: unknown): string =>
  error instanceof Error ? error.message.replace(/^Unexpected/, "unexpected") : String(error)

/** Reads and parses a JSON file. */
export const readJsonFile = (flag: InputError["flag"], path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((error) =>
        new InputError({
          flag,
          path,
          reason: error._tag === "SystemError" && error.reason === "NotFound"
            ? "no such file"
            : `cannot be read (${error._tag === "SystemError" ? error.reason : error.message})`
        })
      )
    )
    if (text.trim().length === 0) return yield* new InputError({ flag, path, reason: "the file is empty" })
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => new InputError({ flag, path, reason: `not valid JSON (${describeJsonError(error)})` })
    })
  })

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, index) => (typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`)).join("")

/** The problems in a parse error, one line each, led by the path they concern. */
export const formatIssues = (error: ParseResult.ParseError): Array<string> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
    issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`
  )

/**
 * Decodes a config object against the source's config schema, after making its settings the
 * types its spec's `connectionSpecification` declares (`Conform.config`: `"50"` for a number, a
 * date alone for a date-time). Keys the spec does not have are reported back rather than rejected.
 */
export const decodeConfig = <A, I>(schema: Schema.Schema<A, I>, specification: JsonObject, input: unknown) =>
  Effect.gen(function*() {
    if (!isJsonObject(input)) {
      return yield* new ConfigInvalid({ problems: ["the config must be a JSON object"] })
    }
    const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(Conform.config(specification, input))
    if (Either.isLeft(decoded)) return yield* new ConfigInvalid({ problems: formatIssues(decoded.left) })
    const known = isJsonObject(specification["properties"]) ? specification["properties"] : {}
    const unknownKeys = Object.keys(input).filter((key) => !Object.hasOwn(known, key))
    return { config: decoded.right, unknownKeys }
  })

/** Reads and decodes a configured catalog file. */
export const readCatalog = (path: string) =>
  Effect.flatMap(readJsonFile("catalog", path), (json) => decodeCatalog(json, path))

/** Decodes a configured catalog. */
export const decodeCatalog = (json: unknown, path: string) =>
  Schema.decodeUnknown(ConfiguredAirbyteCatalog, { errors: "all" })(json).pipe(
    Effect.mapError((error) =>
      new InputError({ flag: "catalog", path, reason: `not a configured catalog: ${formatIssues(error).join("; ")}` })
    )
  )

/** Whether a value is a JSON object. */
export { isJsonObject } from "./Protocol.js"
