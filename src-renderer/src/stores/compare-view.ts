// How Compare draws its curves: grouped or not (by seed group, a setting or the tags), every member of a
// group shown or only its mean and band, the per-step curves' smoothing, and the x axis. View state only:
// the selection stays the URL (stores/compare.ts), and a fresh Compare starts from these defaults.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useCompare } from './compare.ts'
import type { GroupBy, XAxis } from '../components/compare/curve-model.ts'

export const useCompareView = defineStore('compare-view', () => {
  const compare = useCompare()
  /** null: grouped by seed group when the selection holds one, else not grouped. */
  const chosenGroupBy = ref<GroupBy | null>(null)
  const showMembers = ref(false)
  /** The EMA weight of the per-step curves: 0 (raw) to 0.99. */
  const smoothing = ref(0)
  const xAxis = ref<XAxis>('epoch')

  const hasSeedGroup = computed(() => {
    const seen = new Set<string>()
    for (const d of compare.details) {
      if (!d?.group) continue
      if (seen.has(d.group)) return true
      seen.add(d.group)
    }
    return false
  })
  const groupBy = computed<GroupBy>(() => chosenGroupBy.value ?? (hasSeedGroup.value ? 'group' : ''))
  function setGroupBy(g: GroupBy): void {
    chosenGroupBy.value = g
  }
  function setSmoothing(w: number): void {
    smoothing.value = Math.min(0.99, Math.max(0, Number.isFinite(w) ? w : 0))
  }
  return { groupBy, showMembers, smoothing, xAxis, hasSeedGroup, setGroupBy, setSmoothing }
})
