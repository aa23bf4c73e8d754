/**
 * The `tap-smartlead` command line: a Singer tap over the same source, streams and API client
 * as the Airbyte connector. `--about [--format json]`, `--config F --discover` (Singer catalog),
 * `--config F [--catalog F] [--state F]` (a sync of the selected streams: SCHEMA, RECORD and
 * STATE messages on stdout; logs and errors on stderr). Exit codes as the Airbyte CLI's.
 */
import { Command, Options } from "@effect/cli"
import { Effect, Layer, Option } from "effect"
import { layerFor, loadConfig, toExitCode, UsageError, validateStates } from "../airbyte/Cli.js"
import { InputError, readJsonFile } from "../airbyte/Inputs.js"
import { Output } from "../airbyte/Output.js"
import type { Format } from "../airbyte/Output.js"
import type { JsonObject } from "../airbyte/Protocol.js"
import { defaultCatalog, read } from "../airbyte/Read.js"
import type { AnySource } from "../airbyte/Source.js"
import * as Singer from "./Singer.js"

/** Logs and errors as text on stderr; nothing else is printed until the command chooses. */
const stderrOnly: Format = {
  records: () => "",
  message: (message) => {
    if (message.type === "LOG") return { stderr: `${message.log.level} ${message.log.message}\n` }
    if (message.type === "TRACE" && message.trace.type === "ERROR") return { stderr: `CRITICAL ${message.trace.error.message}\n` }
    return {}
  }
}

type Setting = { name: string; label?: unknown; description?: unknown; kind: string; value?: unknown; options?: Array<{ label: string; value: unknown }> }

/** Meltano-style settings from the source's spec. */
const settingsOf = (source: AnySource<unknown>): Array<Setting> => {
  const properties = (source.spec.connectionSpecification["properties"] ?? {}) as Record<string, Record<string, unknown>>
  return Object.entries(properties).map(([name, property]) => {
    const kind = property["airbyte_secret"] === true
      ? "password"
      : Array.isArray(property["enum"])
      ? "options"
      : property["format"] === "date-time"
      ? "date_iso8601"
      : property["type"] === "array"
      ? "array"
      : property["type"] === "integer"
      ? "integer"
      : property["type"] === "boolean"
      ? "boolean"
      : "string"
    return {
      name,
      label: property["title"],
      description: property["description"],
      kind,
      ...(property["default"] === undefined ? {} : { value: property["default"] }),
      ...(Array.isArray(property["enum"]) ? { options: property["enum"].map((value) => ({ label: String(value), value })) } : {})
    }
  })
}

/** Builds the tap's program: given argv, it runs and returns the exit code. */
export const make = <Env>(
  source: AnySource<Env>,
  info: { readonly name: string; readonly version: string; readonly env: Layer.Layer<Env> }
) => {
  const about = (format: Option.Option<"json" | "markdown">) => {
    const required = ((source.spec.connectionSpecification["required"] ?? []) as Array<string>)
    const document = {
      name: info.name,
      version: info.version,
      description: "Singer tap for SmartLead leads, campaigns and lead categories",
      capabilities: ["catalog", "discover", "state", "about"],
      settings: settingsOf(source),
      settings_required: required
    }
    if (Option.getOrElse(format, () => "markdown") === "json") return JSON.stringify(document, null, 2) + "\n"
    const lines = [`# ${info.name} ${info.version}`, "", document.description, "", `Capabilities: ${document.capabilities.join(", ")}`, "", "## Settings", ""]
    for (const setting of document.settings) {
      lines.push(`- \`${setting.name}\` (${setting.kind}${required.includes(setting.name) ? ", required" : ""}): ${String(setting.description ?? "")}`)
    }
    return lines.join("\n") + "\n"
  }

  const writeStdout = (text: string) =>
    Effect.flatMap(Output, (output) => output.useFormat(stderrOnly, text))

  const command = Command.make(
    info.name,
    {
      about: Options.boolean("about").pipe(Options.withDescription("Print what this tap does and its settings")),
      format: Options.choice("format", ["json", "markdown"]).pipe(Options.withDescription("With --about: json or markdown"), Options.optional),
      config: Options.text("config").pipe(Options.withDescription("Path to the config JSON (same keys as the Airbyte connector)"), Options.optional),
      discover: Options.boolean("discover").pipe(Options.withDescription("Print the Singer catalog")),
      catalog: Options.text("catalog").pipe(Options.withDescription("Path to a Singer catalog; only selected streams are synced"), Options.optional),
      properties: Options.text("properties").pipe(Options.withDescription("Legacy alias of --catalog"), Options.optional),
      state: Options.text("state").pipe(Options.withDescription("Path to a Singer state ({\"bookmarks\":{…}})"), Options.optional)
    },
    (options) =>
      Effect.gen(function*() {
        const output = yield* Output
        yield* output.useFormat(stderrOnly)
        if (options.about) return yield* writeStdout(about(options.format))
        if (Option.isNone(options.config)) return yield* new UsageError({ reason: "--config is required (or --about)" })
        const config = yield* loadConfig(source, options.config.value)
        if (options.discover) return yield* writeStdout(JSON.stringify(Singer.catalogOf(source, config), null, 2) + "\n")
        const catalogPath = Option.orElse(options.catalog, () => options.properties)
        const catalog = yield* Option.match(catalogPath, {
          onNone: () => Effect.succeed(defaultCatalog(source)),
          onSome: (path) =>
            Effect.flatMap(readJsonFile("catalog", path), (json) => {
              const selected = Singer.selectedCatalog(source, json)
              return "problem" in selected
                ? Effect.fail(new InputError({ flag: "catalog", path, reason: selected.problem }))
                : Effect.succeed(selected.catalog)
            })
        })
        const statePath = Option.getOrUndefined(options.state)
        const states: ReadonlyMap<string, JsonObject> = statePath === undefined
          ? new Map()
          : yield* Effect.flatMap(readJsonFile("state", statePath), (json) => {
            const bookmarks = Singer.bookmarksOf(json)
            return typeof bookmarks === "string"
              ? Effect.fail(new InputError({ flag: "state", path: statePath, reason: bookmarks }))
              : Effect.succeed(bookmarks)
          })
        yield* validateStates(source, states, statePath)
        yield* output.useFormat(Singer.format(source, states, config))
        yield* read(source, config, catalog, states).pipe(Effect.provide(layerFor(source, info.env, config)))
      })
  ).pipe(Command.withDescription(
    "Singer tap for SmartLead. Examples: tap-smartlead --about --format json; " +
      "tap-smartlead --config config.json --discover > catalog.json; " +
      "tap-smartlead --config config.json --catalog catalog.json --state state.json | target-jsonl"
  ))

  const cli = Command.run(command, { name: info.name, version: info.version })
  return (argv: ReadonlyArray<string>) =>
    Effect.zipRight(
      Effect.flatMap(Output, (output) => output.useFormat(stderrOnly)),
      toExitCode(source, cli(argv) as Effect.Effect<void, import("../airbyte/Cli.js").EdgeError, import("@effect/cli").CliApp.CliApp.Environment | Output>)
    )
}
