/**
 * A source's Singer tap command line: the same source, streams and API client as its Airbyte
 * connector. `--about [--format json]`, `--config F --discover` (Singer catalog),
 * `--config F [--catalog F] [--state F]` (a sync of the selected streams: SCHEMA, RECORD and
 * STATE messages on stdout; logs and errors on stderr). `--config` takes a file or `ENV` and may
 * be repeated, as the Meltano SDK's (see `Settings`). Exit codes as the Airbyte CLI's.
 */
import { Command, Options } from "@effect/cli"
import type { Layer } from "effect"
import { Effect, Option } from "effect"
import { decodeLoadedConfig, layerFor, runCommand, stateFileError, UsageError } from "../airbyte/Edge.js"
import { InputError, readJsonFile } from "../airbyte/Inputs.js"
import { Output } from "../airbyte/Output.js"
import type { Format } from "../airbyte/Output.js"
import type { JsonObject } from "../airbyte/Protocol.js"
import { read } from "../airbyte/Read.js"
import type { AnySource } from "../airbyte/Source.js"
import * as About from "./About.js"
import * as Settings from "./Settings.js"
import * as Singer from "./Singer.js"

/** Logs and errors as text on stderr; nothing else is printed until the command chooses. */
const stderrOnly: Format = {
  records: () => "",
  message: (message) => {
    if (message.type === "LOG") return { stderr: `${message.log.level} ${message.log.message}\n` }
    if (message.type === "TRACE" && message.trace.type === "ERROR") {
      return { stderr: `CRITICAL ${message.trace.error.message}\n` }
    }
    return {}
  }
}

/** Builds the tap's program: given argv, it runs and returns the exit code. */
export const make = <Env>(
  source: AnySource<Env>,
  info: { readonly name: string; readonly version: string; readonly env: Layer.Layer<Env> }
) => {
  const about = (format: Option.Option<"json" | "markdown">) =>
    About.render(About.aboutInfo(source, info), Option.getOrElse(format, () => "markdown" as const))

  const writeStdout = (text: string) => Effect.flatMap(Output, (output) => output.useFormat(stderrOnly, text))

  const command = Command.make(
    info.name,
    {
      about: Options.boolean("about").pipe(Options.withDescription("Print what this tap does and its settings")),
      format: Options.choice("format", ["json", "markdown"]).pipe(
        Options.withDescription("With --about: json or markdown"),
        Options.optional
      ),
      config: Options.text("config").pipe(
        Options.withDescription(
          `Path to the config JSON (same keys as the Airbyte connector), or ENV for ${
            Settings.prefixOf(info.name)
          }* environment variables; repeat it to merge several, the later winning`
        ),
        Options.repeated
      ),
      discover: Options.boolean("discover").pipe(Options.withDescription("Print the Singer catalog")),
      catalog: Options.text("catalog").pipe(
        Options.withDescription("Path to a Singer catalog; only selected streams are synced"),
        Options.optional
      ),
      properties: Options.text("properties").pipe(
        Options.withDescription("Legacy alias of --catalog"),
        Options.optional
      ),
      state: Options.text("state").pipe(
        Options.withDescription("Path to a Singer state ({\"bookmarks\":{…}})"),
        Options.optional
      )
    },
    (options) =>
      Effect.gen(function*() {
        const output = yield* Output
        yield* output.useFormat(stderrOnly)
        if (options.about) return yield* writeStdout(about(options.format))
        if (options.config.length === 0) return yield* new UsageError({ reason: "--config is required (or --about)" })
        const settings = yield* Settings.load(
          options.config,
          (source.spec.connectionSpecification["properties"] ?? {}) as Record<string, unknown>,
          Settings.prefixOf(info.name),
          yield* Effect.sync(() => process.env)
        )
        const config = yield* decodeLoadedConfig(source, settings)
        if (options.discover) return yield* writeStdout(JSON.stringify(Singer.catalogOf(source), null, 2) + "\n")
        const catalogPath = Option.orElse(options.catalog, () => options.properties)
        const selection = yield* Option.match(catalogPath, {
          onNone: () => Effect.succeed(Singer.selectAll(source)),
          onSome: (path) =>
            Effect.flatMap(readJsonFile("catalog", path), (json) => {
              const selected = Singer.selectedCatalog(source, json)
              return "problem" in selected
                ? Effect.fail(new InputError({ flag: "catalog", path, reason: selected.problem }))
                : Effect.succeed(selected)
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
        yield* output.useFormat(Singer.format(source, states, selection.fields))
        yield* read(source, config, selection.catalog, states).pipe(
          Effect.catchTag("StateInvalid", (error) => Effect.fail(stateFileError(statePath)(error))),
          Effect.provide(layerFor(source, info.env, config))
        )
      })
  ).pipe(Command.withDescription(
    `Singer tap for ${source.description}. Examples: ${info.name} --about --format json; ` +
      `${info.name} --config config.json --discover > catalog.json; ` +
      `${info.name} --config config.json --catalog catalog.json --state state.json | target-jsonl`
  ))

  const cli = runCommand(source, command, info)
  return (argv: ReadonlyArray<string>) =>
    Effect.zipRight(Effect.flatMap(Output, (output) => output.useFormat(stderrOnly)), cli(argv))
}
