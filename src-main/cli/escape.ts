// Human (non-JSON) output quotes user text: folder and file names, run names, node ids, error messages.
// A terminal acts on control characters in it (ESC ] 0 ; ... BEL retitles the window, ESC [ 2 J clears it,
// a newline splits a table row), so every such character is shown as a visible escape instead. The JSON
// output is JSON.stringify's, which escapes the C0 controls; jsonText below escapes the C1 ones it leaves raw.

// C0 controls (TAB and LF included: both break a table), DEL, C1 controls, and the bidirectional overrides
// and isolates that reorder what is shown ("Trojan Source").
// eslint-disable-next-line no-control-regex -- matching control characters is this file's whole purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' }

/** `text` with every control character replaced by a visible escape (`\e`, `\n`, `\x07`, `\u202e`). */
export function esc(text: unknown): string {
  return String(text).replace(CONTROL, (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16)}`))
}

/** A table row with its text cells escaped (numbers pass as they are). */
export function escRow<T>(cells: T[]): (T | string)[] {
  return cells.map((c) => (typeof c === 'string' ? esc(c) : c))
}

/** What JSON.stringify leaves raw that a terminal may act on: DEL and the C1 controls. */
const JSON_RAW = /[\u007f-\u009f]/g

/**
 * A `--json` document, one line ending it. JSON.stringify escapes C0 controls but leaves DEL and the C1
 * controls (U+0080-U+009F) raw, and a terminal may act on those (U+009B is CSI, like ESC [): they are
 * written as \u escapes, which every JSON reader decodes to the same text.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n'
}
