/**
 * The Airbyte command line. Defines `spec`, `check --config`, `discover --config` and
 * `read --config [--catalog] [--state]` with `@effect/cli` and runs them against a `Source`;
 * failures become protocol output and exit codes in `Edge`. Help texts are generic, completed by
 * the source's description, streams and examples. `read` is the protocol read and nothing else;
 * a layer above the runner (the shell's records-only exports, say) adds its own flags to it as a
 * `ReadExtension`, given by `main`, and wraps the read: it may change the rendering, narrow the
 * catalog and use the final states the read returns.
 */
import type { CliApp } from "@effect/cli"
import { Command, Options } from "@effect/cli"
import { Data, Duration, Effect, Layer, Option } from "effect"
import type { EdgeError } from "./Edge.js"
import { emit, layerFor, loadConfig, runCommand, stateFileError, UsageError } from "./Edge.js"
import { readCatalog } from "./Inputs.js"
import type { Output } from "./Output.js"
import type { ConfiguredAirbyteCatalog } from "./Protocol.js"
import type { FinalStates } from "./Read.js"
import { defaultCatalog, read } from "./Read.js"
import { Redaction } from "./Redaction.js"
import type { AnySource } from "./Source.js"
import { readState } from "./State.js"

/** `check` got no answer within `CHECK_TIMEOUT`. */
export class CheckTimedOut extends Data.TaggedError("CheckTimedOut")<{ readonly seconds: number }> {
  override get message(): string {
    return `no answer within ${this.seconds} s`
  }
}

/** How long `check` may take before it answers FAILED. */
export const CHECK_TIMEOUT = Duration.seconds(25)

const configOption = Options.text("config").pipe(
  Options.withDescription("Path to the connector config JSON (see spec.json)")
)
const catalogOption = Options.text("catalog").pipe(
  Options.withDescription("Path to a configured catalog JSON; defaults to every stream, incremental where supported"),
  Options.optional
)
const stateOption = Options.text("state").pipe(
  Options.withDescription(
    "Path to a state JSON (the platform's array of per-stream states, or the last STATE's stream_state)"
  ),
  Options.optional
)

/** The paths `read` was given. */
export interface ReadInputs {
  readonly config: string
  readonly catalog: Option.Option<string>
  readonly state: Option.Option<string>
}

/** What `read` runs in: the platform's services, the `Output` and the run's `Redaction`. */
export type ReadEnvironment = CliApp.CliApp.Environment | Output | Redaction

/** Narrows the configured catalog before anything is read (to one stream, say). */
export type SelectStreams = (
  catalog: ConfiguredAirbyteCatalog,
  inputs: ReadInputs
) => Effect.Effect<ConfiguredAirbyteCatalog, UsageError>

/**
 * The protocol read as an extension calls it: loads config, catalog and state, narrows the
 * catalog with `select`, reads, and returns the final state of every stream read (on failure,
 * `StreamsFailed.states` holds them).
 */
export type ReadStep = (select?: SelectStreams) => Effect.Effect<FinalStates, EdgeError, ReadEnvironment>

/**
 * A layer above the protocol `read`, made for one source: flags of its own, examples for
 * `read --help`, and what it does around the read.
 */
export interface ReadExtension<A> {
  readonly options: Options.Options<A>
  readonly examples?: ReadonlyArray<string>
  /** Runs the read (`read`), doing what its flags (`value`) ask before and after it. */
  readonly around: (value: A, read: ReadStep) => Effect.Effect<FinalStates, EdgeError, ReadEnvironment>
}

/** Makes a `ReadExtension` for a source (its flags' help can then name the source's streams). */
export type ReadExtensionFor = (source: AnySource<unknown>) => ReadExtension<any>

const andThen = (first: SelectStreams | undefined, second: SelectStreams | undefined): SelectStreams | undefined =>
  first === undefined
    ? second
    : second === undefined
    ? first
    : (catalog, inputs) => Effect.flatMap(first(catalog, inputs), (narrowed) => second(narrowed, inputs))

/** A help text with its examples. */
const withExamples = (text: string, examples: ReadonlyArray<string>): string =>
  examples.length === 0 ? text : `${text} Example${examples.length === 1 ? "" : "s"}: ${examples.join("; ")}`

/** The streams of a source, one phrase each, for help texts. */
const streamsHelp = (source: AnySource<unknown>): string =>
  source.streams.map((stream) =>
    stream.description === undefined ? stream.name : `${stream.name} (${stream.description})`
  )
    .join(", ")

/**
 * Builds the CLI program of a source: given argv, it runs one command and returns the exit code.
 * `env` provides what the source's layer needs (an HTTP client, say); it is built only by the
 * commands that talk to the API, so `spec` and `discover` never load it. `extensions` add flags
 * to `read` (see `ReadExtension`); without them `read` is the protocol read alone.
 */
export const make = <Env>(
  source: AnySource<Env>,
  info: {
    readonly name: string
    readonly version: string
    readonly env: Layer.Layer<Env>
    readonly extensions?: ReadonlyArray<ReadExtensionFor>
  }
) => {
  const sourceLayer = (config: unknown) => layerFor(source, info.env, config)
  const extensions = (info.extensions ?? []).map((extensionFor) => extensionFor(source))
  const examplesOf = (command: string) => source.examples?.[command] ?? []

  const spec = Command.make("spec", {}, () => emit({ type: "SPEC", spec: source.spec })).pipe(
    Command.withDescription(withExamples(
      "Print the connector specification (the config's JSON Schema).",
      ["spec > spec.json", ...examplesOf("spec")]
    ))
  )

  const check = Command.make("check", { config: configOption }, ({ config: path }) =>
    Effect.gen(function*() {
      const { scrub } = yield* Redaction
      const loaded = yield* loadConfig(source, path).pipe(
        Effect.map((config) => ({ config })),
        Effect.catchTag("ConfigInvalid", (error) => Effect.succeed({ invalid: error }))
      )
      if ("invalid" in loaded) {
        return yield* emit({
          type: "CONNECTION_STATUS",
          connectionStatus: { status: "FAILED", message: scrub(loaded.invalid.message) }
        })
      }
      const config = loaded.config
      const outcome = yield* source.check(config).pipe(
        Effect.provide(Layer.merge(sourceLayer(config), info.env)),
        Effect.timeoutFail({
          duration: CHECK_TIMEOUT,
          onTimeout: () => new CheckTimedOut({ seconds: Duration.toSeconds(CHECK_TIMEOUT) })
        }),
        Effect.either
      )
      if (outcome._tag === "Right") {
        return yield* emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "SUCCEEDED" } })
      }
      const message = outcome.left instanceof CheckTimedOut
        ? outcome.left.message
        : source.describeError(outcome.left).message
      yield* emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "FAILED", message: scrub(message) } })
    })).pipe(Command.withDescription(withExamples(
      "Validate the config, then test the connection to the API; answers SUCCEEDED or FAILED (exit 0 either way).",
      ["check --config secrets/config.json", ...examplesOf("check")]
    )))

  const discover = Command.make("discover", { config: configOption }, ({ config: path }) =>
    Effect.gen(function*() {
      yield* loadConfig(source, path)
      yield* emit({
        type: "CATALOG",
        catalog: {
          streams: source.streams.map((stream) => ({
            name: stream.name,
            json_schema: stream.jsonSchema,
            supported_sync_modes: stream.supportedSyncModes,
            source_defined_primary_key: stream.primaryKey,
            is_resumable: stream.supportedSyncModes.includes("incremental"),
            ...(stream.cursorField ? { source_defined_cursor: true, default_cursor_field: stream.cursorField } : {})
          }))
        }
      })
    })).pipe(Command.withDescription(withExamples(
      "Print the catalog of streams this source offers (no API call).",
      ["discover --config secrets/config.json", ...examplesOf("discover")]
    )))

  const protocolRead = (inputs: ReadInputs): ReadStep => (select) =>
    Effect.gen(function*() {
      const config = yield* loadConfig(source, inputs.config)
      const configured = yield* Option.match(inputs.catalog, {
        onNone: () => Effect.succeed(defaultCatalog(source)),
        onSome: readCatalog
      })
      const catalog = select === undefined ? configured : yield* select(configured, inputs)
      const statePath = Option.getOrUndefined(inputs.state)
      const states = yield* readState(statePath, source.bareStateStream)
      return yield* read(source, config, catalog, states).pipe(
        Effect.catchTag("StateInvalid", (error) => Effect.fail(stateFileError(statePath)(error))),
        Effect.provide(sourceLayer(config))
      )
    })

  const readCommand = Command.make(
    "read",
    {
      config: configOption,
      catalog: catalogOption,
      state: stateOption,
      extensions: Options.all(extensions.map((extension) => extension.options))
    },
    ({ extensions: values, ...inputs }) => {
      const step = extensions.reduceRight<ReadStep>(
        (next, extension, index) => (select) => extension.around(values[index], (own) => next(andThen(select, own))),
        protocolRead(inputs)
      )
      return Effect.asVoid(step())
    }
  ).pipe(Command.withDescription(withExamples(
    `Read records, emitting STATE checkpoints (every stream when no --catalog). Streams: ${streamsHelp(source)}.`,
    [
      "read --config secrets/config.json > messages.jsonl",
      "read --config secrets/config.json --catalog catalog.json --state state.json",
      ...extensions.flatMap((extension) => extension.examples ?? []),
      ...examplesOf("read")
    ]
  )))

  const root = Command.make(
    info.name,
    {},
    () => Effect.fail(new UsageError({ reason: "missing command: expected one of spec, check, discover, read" }))
  ).pipe(
    Command.withDescription(
      `An Airbyte source for ${source.description}. stdout carries only Airbyte protocol messages, one JSON per line. ` +
        "Exit codes: 0 success (a FAILED check included), 1 failed (an ERROR trace says why), 2 usage error, " +
        "130/143 interrupted, 141 stdout closed. Run `<command> --help` for each command's flags."
    ),
    Command.withSubcommands([spec, check, discover, readCommand])
  )

  return runCommand(source, root, info)
}
