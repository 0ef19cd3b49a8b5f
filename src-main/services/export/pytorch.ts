// The PyTorch export: one training script (plain torch; DistributedDataParallel under torchrun) with the
// network, the preprocessing and the run's settings written into it, and the weights beside it in the
// studio's own format (float32 + a JSON index), which the script reads without numpy.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { serializeModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import type { Preprocessing } from '../../../src-engine/core/insight/preprocess.ts'
import { exportedGraph } from './graph.ts'
import { appFile } from '../../../src-engine/node/app-files.ts'
import { ServiceError } from '../errors.ts'

/** The script's module name of a node (train.py's key(): `n_` and the id with every other character than a letter or digit as `_`). */
export const moduleKey = (id: string): string => 'n_' + [...id].map((ch) => (/[\p{L}\p{N}]/u.test(ch) ? ch : '_')).join('')

/** Two ids the script would name alike (a block's `s/c1` and a layer `s_c1`) would share one module: refused, naming both. */
function checkKeys(ids: string[]): void {
  const seen = new Map<string, string>()
  for (const id of ids) {
    const k = moduleKey(id), other = seen.get(k)
    if (other !== undefined) throw new ServiceError('INVALID_MODEL', `layers '${other}' and '${id}' would both be the PyTorch module ${k}; rename one of them (or the block instance) and train again`)
    seen.set(k, id)
  }
}


/** The graph as the script walks it: needed nodes in topological order, shapes and window geometry resolved. */
export function scriptGraph(model: ModelFile) {
  const { analysis, nodes } = exportedGraph(model)
  checkKeys(nodes.map((n) => n.id))
  return {
    name: model.name ?? null,
    output: analysis.outputId!,
    nodes: nodes.map((n) => ({
      id: n.id, type: n.type, attrs: n.attrs, inputs: n.inputs, inputShape: n.inputShapes[0] ?? null, outputShape: n.outputShape, window: n.window ?? null,
    })),
  }
}

/**
 * The script the export fills in (its __NAME__ placeholders below): a Python file of its own, shipped with
 * the app (electron-builder.yml `files`), read once.
 */
let script: string | null = null
const template = () => (script ??= readFileSync(appFile('resources/export/train.py'), 'utf8'))

/** A Python string literal holding `value` as JSON (JSON's escapes are all valid in Python strings). */
const pyJson = (value: unknown) => JSON.stringify(JSON.stringify(value))

export function pytorchScript(o: { model: ModelFile; preprocessing: Preprocessing; settings: Record<string, unknown>; weightsFile: string; scriptFile: string; runId: string; checkpoint: string; version: string }): string {
  const fill: Record<string, string> = {
    __TITLE__: `${(o.model.name ?? 'model').replace(/\s+/g, ' ')}: a PyTorch training script`,
    __VERSION__: o.version,
    __RUN__: o.runId,
    __CHECKPOINT__: o.checkpoint,
    __SCRIPT__: basename(o.scriptFile),
    __GRAPH__: pyJson(scriptGraph(o.model)),
    // The model file itself, which a run folder (--out) carries back for `runs import`.
    __MODEL__: pyJson(JSON.parse(serializeModelFile(o.model))),
    __PREPROCESSING__: pyJson(o.preprocessing),
    __SETTINGS__: pyJson(o.settings),
    __WEIGHTS__: JSON.stringify(basename(o.weightsFile)),
  }
  return template().replace(/__[A-Z]+__/g, (k) => fill[k] ?? k)
}
