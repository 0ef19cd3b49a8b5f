// "Try both" (issue 20): a rewrite as an experiment instead of an edit. The current design and the rewritten
// one (not applied to the canvas) are queued as two runs with what the Train screen would start now (its
// settings, seed included, its folder and test folder), named apart; when both have ended, Compare opens on
// them, where the architecture diff shows the change. Refused as a whole, with the reason, when there is no
// folder or a check the service would make fails for either design. The pairs waiting are remembered in the
// prefs, so a reload (or a restart of `serve`) still opens Compare when they end.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { RunSummary } from '../../../src-main/api/contract.ts'
import { analyzeGraph } from '../../../src-engine/core/graph/index.ts'
import type { RewriteResult } from '../../../src-engine/core/graph/rewrites.ts'
import { ENDED_STATUSES } from '../../../src-engine/core/train/status.ts'
import { studio } from '../api/client.ts'
import { asFailure } from '../api/request.ts'
import { useData } from './data.ts'
import { useDesign } from './design.ts'
import { usePrefs } from './prefs.ts'
import { useRuns } from './runs.ts'
import { formSplit, useTrain } from './train.ts'
import { useUi } from './ui.ts'

export type AppliedRewrite = Extract<RewriteResult, { ok: true }>
/** Two runs queued together: `a` the design as it is, `b` the rewrite; `label` names the rewrite ("bottleneck c2"). */
export interface Pair { a: string; b: string; label: string }

/** The most pairs remembered (the prefs' schema holds the same bound). */
const MAX_PAIRS = 10
/** Rules that rewrite one node: the run's name says which. */
const ONE_NODE = new Set(['stack3x3', 'bottleneck'])

/** "bottleneck c2": the rule, and the node it rewrote where it rewrites one (the last of `changed` is the target). */
export function rewriteLabel(r: AppliedRewrite, nodeId: string | null): string {
  const target = nodeId ?? (ONE_NODE.has(r.rule) ? r.changed.at(-1) : undefined)
  return target ? `${r.rule} ${target}` : r.rule
}

export const useTryBoth = defineStore('try-both', () => {
  const prefs = usePrefs()
  const pairs = ref<Pair[]>([...(prefs.values.tryBoth ?? [])])
  /** Why the last Try both queued nothing, with the rule it was for (the suggestion shows it). */
  const refusal = ref<{ rule: string; message: string } | null>(null)
  const busy = ref<string | null>(null)
  // A refusal is about the folder and the design of its moment: another of either makes it stale.
  watch([() => useData().report, () => useDesign().doc], () => void (refusal.value = null))

  /** The pairs now, written to the prefs at once (a reload right after a Try both must find its pair). */
  function remember(next: Pair[]): Promise<void> {
    pairs.value = next.slice(-MAX_PAIRS)
    // Not written (the server gone): this page still opens Compare, a reload will not.
    return prefs.setNow({ tryBoth: pairs.value }).catch(() => {})
  }

  /** Queues the design and its rewrite; the pair, or null with `refusal` saying why nothing was queued. */
  async function start(r: AppliedRewrite, nodeId: string | null): Promise<Pair | null> {
    const design = useDesign(), data = useData(), train = useTrain(), runs = useRuns()
    refusal.value = null
    const refuse = (message: string) => ((refusal.value = { rule: r.rule, message }), null)
    busy.value = r.rule
    try {
      // What the Train screen would use now: its form, and the folder it reopens (the one read last).
      await train.load()
      await data.restore(formSplit(train.form))
      if (!data.report && data.loading) return refuse('Nothing was queued: the dataset folder is still being read; try again once its report is shown.')
      if (!data.report) return refuse('Nothing was queued: choose a dataset folder on the Data screen first (or use the sample).')
      const badSettings = Object.entries(train.errors)
      if (badSettings.length) return refuse(`Nothing was queued: fix the training settings on the Train screen (${badSettings.map(([k, m]) => `${k}: ${m}`).join('; ')}).`)
      const label = rewriteLabel(r, nodeId)
      for (const [which, model] of [['the design', design.doc], [`the rewrite (${label})`, r.model]] as const) {
        const failed = train.verdictFor(analyzeGraph(model, { forTraining: true })).find((c) => c.severity === 'error')
        if (failed) return refuse(`Nothing was queued: ${which} cannot train on ${data.report.root}: ${failed.message}`)
      }
      const base = typeof train.settings.name === 'string' && train.settings.name ? train.settings.name : design.name
      // One settings object for both (the name is given after, so Compare shows no difference but the model's).
      const { name: _name, ...settings } = train.settings
      const test = train.testDir.trim()
      const request = (model: typeof design.doc) => ({ model, datasetDir: data.report!.root, ...(test ? { testDir: test } : {}), settings })
      const a = await studio().invoke('runs.start', request(design.doc))
      let b: { runId: string }
      try {
        b = await studio().invoke('runs.start', request(r.model))
      } catch (e) {
        // The pair or nothing: the design's run, queued a moment ago, is stopped.
        await studio().invoke('runs.stop', { runId: a.runId }).catch(() => {})
        return refuse(`The rewrite (${label}) was refused, so the design's run was stopped: ${asFailure(e).message}`)
      }
      await Promise.all([
        studio().invoke('runs.update', { runId: a.runId, name: base }),
        studio().invoke('runs.update', { runId: b.runId, name: `${base} · ${label}` }),
      ])
      const pair = { a: a.runId, b: b.runId, label }
      // The list first: a pair whose runs the list does not have yet would look deleted.
      await runs.refresh()
      await remember([...pairs.value, pair])
      return pair
    } catch (e) {
      return refuse(`Nothing was queued: ${asFailure(e).message}`)
    } finally {
      busy.value = null
    }
  }

  const runs = useRuns()
  /** Each waiting pair with its two runs as the list has them (undefined until the list has loaded them). */
  const waiting = computed(() => pairs.value.map((p) => ({ ...p, runA: runs.byId.get(p.a), runB: runs.byId.get(p.b) })))
  const ended = (r: RunSummary | undefined) => !!r && (ENDED_STATUSES as readonly string[]).includes(r.status)

  /**
   * Compare on a pair whose runs have both ended; the pair is done. A pair missing from the list is forgotten
   * only once the host says a run of it is gone (deleted): the list may be one that is still loading.
   */
  function settle(): void {
    if (!runs.loaded) return
    const done = waiting.value.filter((w) => ended(w.runA) && ended(w.runB))
    if (done.length) {
      void remember(pairs.value.filter((p) => !done.some((d) => d.a === p.a)))
      const last = done.at(-1)!
      useUi().navigate('compare', { runs: `${last.a},${last.b}` })
    }
    for (const w of waiting.value) if (!w.runA || !w.runB) void forgetIfGone(w)
  }
  async function forgetIfGone(p: Pair): Promise<void> {
    for (const runId of [p.a, p.b]) {
      const gone = await studio().invoke('runs.get', { runId }).then(() => false, (e) => asFailure(e).code === 'NOT_FOUND')
      if (gone && pairs.value.some((q) => q.a === p.a)) return remember(pairs.value.filter((q) => q.a !== p.a))
    }
  }
  watch(() => waiting.value.map((w) => `${w.runA?.status}/${w.runB?.status}`).join(), settle)

  /** After a reload: the list of runs, so remembered pairs that ended meanwhile open Compare. */
  async function restore(): Promise<void> {
    if (pairs.value.length && !runs.loaded) await runs.refresh()
    settle()
  }

  return { pairs, waiting, refusal, busy, start, restore, settle }
})
