/**
 * The HTTP client on Node: undici's keep-alive `Agent`, each response's body read and decoded in
 * the same promise that waits for its headers, and handed to the program as a response that
 * holds its text. `@effect/platform-node`'s undici client resolves at the headers and reads the
 * body in a second step; with that split, page bodies (and the socket buffers they are sliced
 * from) outlived two young-generation collections, reached the old generation, and were freed
 * only by the next full collection: on a 200,000-lead read the connector's ArrayBuffers peaked at
 * 40–65 MB instead of ~4 MB (bench/HOT-PATH.md §5). Requests are aborted through the
 * `AbortSignal` the platform gives (the request watchdog closes a request's scope); timeouts are
 * the caller's, so undici's own are off, as in the platform's client. undici is imported when
 * the layer is built, so commands that never talk to an API do not load it.
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

type Undici = typeof import("undici")
type Agent = InstanceType<Undici["Agent"]>

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

/** An `HttpClient` on `agent` whose responses arrive with their bodies read. */
export const make = (agent: Agent): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.flatMap(
      Effect.tryPromise({
        try: async () => {
          const response = await agent.request({
            origin: url.origin,
            path: url.pathname + url.search,
            method: request.method,
            headers: request.headers,
            signal,
            headersTimeout: 0,
            bodyTimeout: 0
          })
          const headers = Headers.fromInput(response.headers as Headers.Input)
          try {
            return new ReadResponse(request, response.statusCode, headers, await response.body.text())
          } catch (cause) {
            return new BodyFailure(response.statusCode, headers, cause)
          }
        },
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
  )

/** The client on a keep-alive `Agent` that lives as long as the layer. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      Effect.promise(async () => {
        // Bundled as a chunk, the CommonJS module arrives as the namespace's default export.
        const undici = (await import("undici")) as Undici & { readonly default?: Undici }
        return new (undici.default ?? undici).Agent()
      }),
      (agent) => Effect.promise(() => agent.destroy())
    ),
    make
  )
)
