// "Train from these weights" in the page: the weights an ONNX import brought (base64, as models.importBytes
// gives them), offered on the Train screen while the design is still the imported network (its blocks and
// wiring unchanged; a rename or a move keeps them). runs.start takes them as `initialWeights`, and the service
// checks every tensor again. Weights too large for one message of `serve` are not offered: the CLI's
// `import --weights` and `train --init-weights` take any size.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { base64Length, ONNX_UPLOAD_LIMIT } from '../../../src-engine/core/limits.ts'
import { useDesign } from './design.ts'

/** The network a set of weights belongs to: its blocks and wiring, not its layout or name. */
const networkOf = (m: ModelFile) => JSON.stringify([m.nodes, m.edges])

export const useImportedWeights = defineStore('imported-weights', () => {
  const from = shallowRef<{ file: string; weights: string; network: string } | null>(null)
  /** The Train screen's checkbox: start from them (on by default when they fit). */
  const use = ref(true)

  /** Keeps the weights of a design just imported; weights too large to send are dropped (false). */
  function keep(model: ModelFile, file: string, weights: string | undefined): boolean {
    from.value = weights && weights.length <= base64Length(ONNX_UPLOAD_LIMIT) ? { file, weights, network: networkOf(model) } : null
    use.value = true
    return !!from.value
  }
  /** The weights fit the design as it is now. */
  const fits = computed(() => !!from.value && networkOf(useDesign().doc) === from.value.network)
  /** What runs.start gets: the weights when they fit and are chosen. */
  const forStart = computed(() => (fits.value && use.value ? from.value!.weights : null))
  return { from, use, fits, forStart, keep }
})
