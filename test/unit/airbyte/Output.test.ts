/** What `Output` does when stdout fails: it tells its caller once, and writes nothing after. */
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import * as Output from "../../../src/airbyte/Output.js"

const failure = (code: string) => Object.assign(new Error(code), { code })

const setup = () => {
  const stdout = new PassThrough()
  const calls: Array<string> = []
  const output = Output.make(
    stdout,
    new PassThrough(),
    () => calls.push("closed"),
    (error) => calls.push(error.message)
  )
  return { stdout, calls, output }
}

describe("a failing stdout", () => {
  it("is reported as closed on EPIPE, once, and nothing is written after", () => {
    const { calls, output, stdout } = setup()
    stdout.emit("error", failure("EPIPE"))
    stdout.emit("error", failure("EPIPE"))
    expect(calls).toEqual(["closed"])
    output.unsafeWrite({ type: "LOG", log: { level: "INFO", message: "after" } })
    expect(stdout.read()).toBeNull()
  })

  it("hands any other error to the caller instead of throwing it from the listener", () => {
    const { calls, stdout } = setup()
    expect(() => stdout.emit("error", failure("EIO"))).not.toThrow()
    expect(calls).toEqual(["EIO"])
  })
})
