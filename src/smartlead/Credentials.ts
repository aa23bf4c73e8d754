/**
 * The one rule that keeps credentials inside the connector: SmartLead's email-account routes
 * return mailbox passwords (`password`, `imap_password`, on some routes `smtp_password`) and may
 * return other secrets or tokens. Every key whose name contains `password`, `secret` or `token`,
 * in any letter case and at any depth (inside nested objects and arrays), is deleted from a parsed
 * body before anything else looks at it, so no record, log or error can carry its value.
 */

/** Whether a key names a credential. */
export const isCredentialKey = (key: string): boolean => /password|secret|token/i.test(key)

/** Deletes every credential key from a parsed JSON value, at any depth, in place; returns the value. */
export const dropCredentials = <A>(value: A): A => {
  if (Array.isArray(value)) {
    for (const item of value) dropCredentials(item)
  } else if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>
    for (const key of Object.keys(object)) {
      if (isCredentialKey(key)) delete object[key]
      else dropCredentials(object[key])
    }
  }
  return value
}
