/**
 * The one ajv factory of the tests: ajv for draft-07 (Airbyte, the Meltano SDK) or its draft-04
 * build (singer-python targets), formats validated, the Airbyte spec keywords declared. Strict
 * mode by default, as the tools that consume the connector's schemas use it; `strict: false` only
 * for schemas the connector does not write (the Airbyte protocol's own).
 */
import AjvModule from "ajv"
import Ajv04Module from "ajv-draft-04"
import addFormatsModule from "ajv-formats"

// CommonJS packages: their class / function is `default` under Node's ESM interop, the module itself under a bundler
type AjvClass = typeof AjvModule.default
type Ajv04Class = typeof Ajv04Module.default
type AddFormats = typeof addFormatsModule.default
const Ajv: AjvClass = (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass)
const Ajv04: Ajv04Class = (Ajv04Module as unknown as { default?: Ajv04Class }).default ??
  (Ajv04Module as unknown as Ajv04Class)
const addFormats: AddFormats = (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats)

/** Keywords of Airbyte's spec UI, unknown to JSON Schema: declared so that strict mode accepts them and nothing else. */
export const AIRBYTE_SPEC_KEYWORDS = ["airbyte_secret", "order"] as const

/**
 * An ajv instance (`strictRequired: false` for a schema whose `not: {required}` names properties
 * declared one level up). Draft-04 also declares `examples` (draft-06) as an annotation, as draft-04
 * validators ignore it; compile with `asDraft04` from `Schemas.ts`.
 */
export const makeAjv = (
  options: { readonly draft?: "07" | "04"; readonly strict?: boolean; readonly strictRequired?: boolean } = {}
) => {
  const settings = {
    strict: options.strict ?? true,
    strictRequired: options.strictRequired ?? options.strict ?? true,
    allErrors: true,
    logger: false as const
  }
  const ajv = options.draft === "04" ? new Ajv04(settings) : new Ajv(settings)
  addFormats(ajv)
  for (const keyword of [...AIRBYTE_SPEC_KEYWORDS, ...(options.draft === "04" ? ["examples"] : [])]) {
    ajv.addKeyword(keyword)
  }
  return ajv
}
