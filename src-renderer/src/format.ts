// How the screens print numbers: accuracies as percentages, losses to four places, counts with k/M/G.
// Formatters are made once: toLocaleString builds a new one per call, which shows in a long table.
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
export const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–')
export const loss = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '–')
export const big = (v: number | null | undefined) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–'
  const a = Math.abs(v)
  return a >= 1e9 ? `${(v / 1e9).toPrecision(3)}G` : a >= 1e6 ? `${(v / 1e6).toPrecision(3)}M` : a >= 1e4 ? `${(v / 1e3).toPrecision(3)}k` : INT.format(v)
}
export const signed = (v: number) => (v > 0 ? `+${big(v)}` : v < 0 ? `−${big(-v)}` : '±0')
export const rate = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${INT.format(v)}/s` : '–')
export const duration = (s: number) => {
  if (!Number.isFinite(s) || s < 0) return '–'
  if (s < 1) return s > 0 ? 'under 1 s' : '0 s'
  if (s < 60) return `${Math.round(s)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
}
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
export const when = (iso: string) => DATE.format(new Date(iso))
// With seconds: two runs started a minute apart (or in the same minute) are told apart.
const DATE_S = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
export const whenExact = (iso: string) => DATE_S.format(new Date(iso))
// For a table: the year only when it is not this one.
const DAY_S = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' })
export const whenShort = (iso: string) => {
  const d = new Date(iso)
  return d.getFullYear() === new Date().getFullYear() ? DAY_S.format(d) : DATE_S.format(d)
}
/** A duration as a clock: 42 s as "0:42", 1 h 2 min 3 s as "1:02:03". */
export const clock = (s: number | null | undefined) => {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return '–'
  const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = String(t % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}
/** A learning rate as typed (0.001, 1e-5), never rounded to 0. */
export const lrText = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '–')
/** A settings value as a short string (null and absent as a dash). */
export const value = (v: unknown) => (v === undefined || v === null ? '–' : typeof v === 'string' ? v : JSON.stringify(v))
