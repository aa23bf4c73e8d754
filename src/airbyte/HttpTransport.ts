/**
 * The HTTP client on Node: `node:http`/`node:https` with one keep-alive `Agent` per scheme, each
 * response's body read and decoded in the same callback that sees its end, and handed to the
 * program as a response that holds its text. Node's own client (its HTTP parser is built in)
 * replaced undici here: undici's half a megabyte of JavaScript and its WebAssembly parser cost
 * about 15 MB of resident memory and a tenth of the CPU time of a 200,000-lead read (issue 23,
 * bench/RESULTS.md). A body is never kept past its page: `@effect/platform-node`'s clients resolve
 * at the headers and read the body in a second step, and with that split page bodies outlived two
 * young-generation collections and reached the old generation (bench/HOT-PATH.md §5). Requests
 * are aborted through the `AbortSignal` the platform gives (the request watchdog closes a
 * request's scope); timeouts are the caller's. Only bodies given as bytes or text are sent.
 */
import {
  Cookies,
  Headers,
  HttpClient,
  HttpClientError,
  HttpClientResponse,
  HttpIncomingMessage
} from "@effect/platform"
import type { HttpClientRequest, UrlParams } from "@effect/platform"
import { Effect, Inspectable, Layer, Option, Stream } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"

/** A response whose body has been read: its text is a field, dropped with the response. */
class ReadResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly remoteAddress: Option.Option<string> = Option.none()
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    readonly headers: Headers.Headers,
    private readonly body: string
  ) {
    super()
  }
  private decodeError(cause: unknown, description?: string) {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause,
      ...(description === undefined ? {} : { description })
    })
  }
  get cookies(): Cookies.Cookies {
    const header = this.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.succeed(this.body)
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.try({
      try: () => (this.body === "" ? null : JSON.parse(this.body) as unknown),
      catch: (cause) => this.decodeError(cause)
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.sync(() => new TextEncoder().encode(this.body).buffer as ArrayBuffer)
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => Stream.succeed(new TextEncoder().encode(this.body)))
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.fail(this.decodeError(undefined, "URL-encoded bodies are not read by this client"))
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.decodeError(undefined, "form data bodies are not read by this client"))
  }
  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
}

/** A body that could not be read after the headers came. */
class BodyFailure {
  constructor(readonly status: number, readonly headers: Headers.Headers, readonly cause: unknown) {}
}

/** The keep-alive agents a client sends through: one per scheme. */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Http.Agent
}

/** A request body as bytes or text; anything else (a stream, form data) is not sent by this client. */
const bodyOf = (
  body: HttpClientRequest.HttpClientRequest["body"]
): { readonly ok: Uint8Array | string | undefined } | { readonly unsupported: string } => {
  switch (body._tag) {
    case "Empty":
      return { ok: undefined }
    case "Uint8Array":
      return { ok: body.body }
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array
        ? { ok: body.body }
        : { unsupported: "a raw body that is neither text nor bytes" }
    default:
      return { unsupported: `a ${body._tag} body` }
  }
}

/** One request on `agents`: resolves with the status, headers and whole body, read as text. */
const send = (
  agents: Agents,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal,
  body: Uint8Array | string | undefined
) =>
  new Promise<ReadResponse | BodyFailure>((resolve, reject) => {
    const https = url.protocol === "https:"
    const outgoing = (https ? Https.request : Http.request)(url, {
      method: request.method,
      headers: body === undefined ? request.headers : { ...request.headers, "content-length": Buffer.byteLength(body) },
      agent: https ? agents.https : agents.http,
      signal
    })
    // `on`, not `once`: an abort while the body streams can raise a second error, and an
    // 'error' event nobody listens to ends the process (a settled promise ignores the rest).
    outgoing.on("error", reject)
    outgoing.once("response", (incoming) => {
      const headers = Headers.fromInput(incoming.headers as Headers.Input)
      const status = incoming.statusCode ?? 0
      const chunks: Array<Buffer> = []
      let length = 0
      incoming.on("data", (chunk: Buffer) => {
        chunks.push(chunk)
        length += chunk.length
      })
      incoming.once("end", () => {
        // One chunk is decoded as it is; more are joined once. Nothing outlives this callback.
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
        resolve(new ReadResponse(request, status, headers, decoder.decode(bytes)))
      })
      incoming.on("error", (cause) => resolve(new BodyFailure(status, headers, cause)))
      incoming.once("aborted", () => resolve(new BodyFailure(status, headers, new Error("response aborted"))))
    })
    outgoing.end(body)
  })

const decoder = new TextDecoder()

/** An `HttpClient` on `agents` whose responses arrive with their bodies read. */
export const make = (agents: Agents): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) => {
    const body = bodyOf(request.body)
    if ("unsupported" in body) {
      return Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Encode",
          description: `${body.unsupported} is not sent by this client`
        })
      )
    }
    return Effect.flatMap(
      Effect.tryPromise({
        try: () => send(agents, request, url, signal, body.ok),
        catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
      }),
      (read) =>
        read instanceof BodyFailure
          ? Effect.fail(
            new HttpClientError.ResponseError({
              request,
              response: new ReadResponse(request, read.status, read.headers, ""),
              reason: "Decode",
              cause: read.cause
            })
          )
          : Effect.succeed(read)
    )
  })

/**
 * Idle sockets are kept 4 s (undici's default), or as long as the server's `Keep-Alive: timeout`
 * hint allows; Node's agent applies the timeout to free sockets only.
 */
const AGENT_OPTIONS: Http.AgentOptions = { keepAlive: true, timeout: 4_000 }

/** The client on keep-alive agents that live as long as the layer. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync((): Agents => ({
        http: new Http.Agent(AGENT_OPTIONS),
        https: new Https.Agent(AGENT_OPTIONS)
      })),
      (agents) =>
        Effect.sync(() => {
          agents.http.destroy()
          agents.https.destroy()
        })
    ),
    make
  )
)
