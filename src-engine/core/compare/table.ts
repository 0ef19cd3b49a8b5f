// A comparison as one table, one row a run: its final and best metrics, its size, and the settings that differ
// between the runs (issue 22: "comparison tables exported to CSV"). The one place its columns are chosen and
// written out, for `cnn-studio runs compare --csv/--markdown` and for Compare's download buttons alike.
// CSV follows RFC 4180 (CRLF lines, a field with a comma, quote or line break quoted, its quotes doubled) and
// keeps numbers as they are stored (0.91234, not 91.2%), for a spreadsheet or pandas; Markdown is for reading,
// so it formats them as the studio shows them.

/** One run as the table needs it (the service's Comparison.runs has these fields). */
export interface TableRun {
  runId: string; name: string; status: string; model: string
  final: { valAccuracy?: number; valLoss?: number; testAccuracy?: number }
  params: number; macs: number
  /** The epoch of the best checkpoint (the highest validation accuracy) and the last epoch recorded. */
  bestEpoch?: { epoch: number; valAccuracy: number | null } | null
  lastEpoch?: { epoch: number; valAccuracy: number | null } | null
}

type Kind = 'text' | 'pct' | 'loss' | 'int' | 'big' | 'setting'
export interface TableColumn { /** CSV header */ key: string; /** Markdown header */ label: string; kind: Kind }
export type Cell = string | number | boolean | null | object
export interface ComparisonTable { columns: TableColumn[]; rows: Cell[][] }

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

const FIXED: (TableColumn & { of: (r: TableRun) => Cell })[] = [
  { key: 'run_id', label: 'Run', kind: 'text', of: (r) => r.runId },
  { key: 'name', label: 'Name', kind: 'text', of: (r) => r.name },
  { key: 'status', label: 'Status', kind: 'text', of: (r) => r.status },
  { key: 'model', label: 'Model', kind: 'text', of: (r) => r.model },
  { key: 'val_accuracy', label: 'Val acc', kind: 'pct', of: (r) => num(r.final.valAccuracy) },
  { key: 'val_loss', label: 'Val loss', kind: 'loss', of: (r) => num(r.final.valLoss) },
  { key: 'test_accuracy', label: 'Test acc', kind: 'pct', of: (r) => num(r.final.testAccuracy) },
  { key: 'best_val_accuracy', label: 'Best val acc', kind: 'pct', of: (r) => num(r.bestEpoch?.valAccuracy) },
  { key: 'best_epoch', label: 'Best epoch', kind: 'int', of: (r) => r.bestEpoch?.epoch ?? null },
  { key: 'epochs_trained', label: 'Epochs', kind: 'int', of: (r) => r.lastEpoch?.epoch ?? null },
  { key: 'params', label: 'Params', kind: 'big', of: (r) => r.params },
  { key: 'macs', label: 'MACs / image', kind: 'big', of: (r) => r.macs },
]

/** The table of a comparison: the fixed columns, then one column per setting that differs (its values by run, in the runs' order). */
export function comparisonTable(runs: TableRun[], differences: Record<string, unknown[]>): ComparisonTable {
  const taken = new Set(FIXED.map((c) => c.key))
  const settings = Object.keys(differences).sort()
  const columns: TableColumn[] = [
    ...FIXED.map(({ key, label, kind }) => ({ key, label, kind })),
    // a setting named like a fixed column (none is today) keeps both apart
    ...settings.map((k) => ({ key: taken.has(k) ? `setting_${k}` : k, label: k, kind: 'setting' as const })),
  ]
  const rows = runs.map((r, i) => [...FIXED.map((c) => c.of(r)), ...settings.map((k) => (differences[k][i] ?? null) as Cell)])
  return { columns, rows }
}

/** A cell's raw text: numbers as stored, objects and arrays as JSON, nothing as an empty field. */
function raw(v: Cell): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** A field as RFC 4180 writes it: quoted when it holds a comma, a double quote or a line break, its quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function toCsv(t: ComparisonTable): string {
  return [t.columns.map((c) => csvField(c.key)), ...t.rows.map((r) => r.map((v) => csvField(raw(v))))].map((r) => `${r.join(',')}\r\n`).join('')
}

function formatted(kind: Kind, v: Cell): string {
  const n = typeof v === 'number' && Number.isFinite(v) ? v : null
  if (kind === 'text' || kind === 'setting') return v === null || v === undefined ? '–' : raw(v)
  if (n === null) return '–'
  if (kind === 'pct') return `${(100 * n).toFixed(2)}%`
  if (kind === 'loss') return n.toFixed(4)
  if (kind === 'int') return String(n)
  const a = Math.abs(n)
  return a >= 1e9 ? `${(n / 1e9).toPrecision(3)}G` : a >= 1e6 ? `${(n / 1e6).toPrecision(3)}M` : a >= 1e4 ? `${(n / 1e3).toPrecision(3)}k` : String(n)
}

/** A cell of a GitHub-flavoured Markdown table: its pipes escaped, line breaks as spaces (a row is one line). */
export function markdownCell(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replaceAll('|', '\\|')
}

export function toMarkdown(t: ComparisonTable): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |\n`
  const right = (k: Kind) => k !== 'text' && k !== 'setting'
  return line(t.columns.map((c) => markdownCell(c.label))) + line(t.columns.map((c) => (right(c.kind) ? '---:' : '---'))) +
    t.rows.map((r) => line(r.map((v, i) => markdownCell(formatted(t.columns[i].kind, v))))).join('')
}
