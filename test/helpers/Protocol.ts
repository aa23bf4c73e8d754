/**
 * Validation of printed messages against the official Airbyte protocol schema
 * (`test/fixtures/airbyte-protocol/airbyte_protocol.json`, release v0.18.0, draft-07) with ajv.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { makeAjv } from "./Ajv.js"

const schemaPath = fileURLToPath(new URL("../fixtures/airbyte-protocol/airbyte_protocol.json", import.meta.url))
const protocol = JSON.parse(readFileSync(schemaPath, "utf8")) as { $id: string }
const ajv = makeAjv({ strict: false })
ajv.addSchema(protocol)
const validateMessage = ajv.compile({ $ref: `${protocol.$id}#/definitions/AirbyteMessage` })

/** The errors of a message against AirbyteMessage, or undefined if it is valid. */
export const protocolErrors = (message: unknown): string | undefined =>
  validateMessage(message) ? undefined : ajv.errorsText(validateMessage.errors)

/** Throws unless every message is a valid AirbyteMessage. */
export const assertValidMessages = (messages: ReadonlyArray<unknown>): void => {
  for (const message of messages) {
    const errors = protocolErrors(message)
    if (errors !== undefined) {
      throw new Error(`invalid protocol message ${JSON.stringify(message).slice(0, 300)}: ${errors}`)
    }
  }
}
