// How the contract's errors quote what a caller sent: clipped, and zod's issues by field.

/** How much of a caller's text an error may echo back: enough to recognise it, never the whole of it. */
export const ECHO_LIMIT = 80
/** At most this many fields in an error: a form has about 15. */
const MAX_FIELDS = 32

/** At most ECHO_LIMIT characters of a caller's text, marked with "…" when cut. */
export function clip(text: string, limit = ECHO_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text
}

/** The fields of a zod error (path -> message), the first message of each path. */
export function fieldsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[], limit = MAX_FIELDS): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const i of issues) {
    const key = clip(i.path.map(String).join('.'), ECHO_LIMIT) || 'payload'
    if (Object.keys(fields).length >= limit) break
    fields[key] ??= clip(i.message, 2 * ECHO_LIMIT)
  }
  return fields
}
