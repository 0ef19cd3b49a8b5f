// Folder = layer (ARCHITECTURE.md "The house"). Each rule names which folders a layer may import from;
// VS Code's `local/code-layering` rule is the model. Paths are resolved from the importing file, so
// `../../src-main/x` and an alias to the same place are judged alike.
import path from 'node:path'
import { builtinModules } from 'node:module'

const ROOT = path.resolve(import.meta.dirname, '..')
const UI_PACKAGES = ['vue', 'pinia', '@vue-flow/', 'electron']
const NODE_PACKAGES = ['better-sqlite3', 'sharp', 'ws', 'electron', 'commander', 'cli-table3', 'cli-progress']

/** First matching layer wins, so the narrower folders come first. */
export const LAYERS = [
  { layer: 'src-engine/core', may: ['src-engine/core'], packages: 'none', builtins: false },
  { layer: 'src-engine/node', may: ['src-engine/core', 'src-engine/node'], packages: 'any', forbid: UI_PACKAGES, builtins: true },
  { layer: 'src-engine', may: ['src-engine'], packages: 'any', forbid: UI_PACKAGES, builtins: true },
  { layer: 'src-main/api', may: ['src-main/api', 'src-engine/core'], packages: 'any', forbid: [...UI_PACKAGES, ...NODE_PACKAGES], builtins: false },
  { layer: 'src-main/shell', may: ['src-main', 'src-engine'], packages: 'any', forbid: ['vue', 'pinia', '@vue-flow/'], builtins: true },
  { layer: 'src-main', may: ['src-main', 'src-engine'], packages: 'any', forbid: UI_PACKAGES, builtins: true },
  { layer: 'src-renderer', may: ['src-renderer', 'src-engine/core'], typeOnly: ['src-main/api'], packages: 'any', forbid: NODE_PACKAGES, builtins: false },
]

const inside = (rel, folder) => rel === folder || rel.startsWith(folder + '/')
const isBuiltin = (spec) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])
const packageMatches = (spec, name) => (name.endsWith('/') ? spec.startsWith(name) : spec === name || spec.startsWith(name + '/'))

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Keep the layering of ARCHITECTURE.md: each folder imports only from the folders below it.' },
    schema: [],
    messages: {
      bad: 'Bad layering. You are not allowed to access {{target}} from {{layer}} ({{layer}} may import from: {{may}}).',
      typeOnly: 'Bad layering. {{layer}} may import only types from {{target}}: write `import type`.',
      builtin: 'Bad layering. {{layer}} must run in a browser and a worker too: no Node module ({{target}}).',
      pkg: 'Bad layering. {{layer}} may not depend on the package {{target}}.',
    },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/')
    const rule = LAYERS.find((l) => inside(file, l.layer))
    if (!rule) return {}
    const data = (target) => ({ layer: rule.layer, target, may: rule.may.join(', ') })

    function check(node, spec, isTypeOnly) {
      if (typeof spec !== 'string') return
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/')
        if (target.startsWith('..')) return context.report({ node, messageId: 'bad', data: data(spec) })
        if (rule.may.some((f) => inside(target, f))) return
        if (isTypeOnly && rule.typeOnly?.some((f) => inside(target, f))) return
        if (rule.typeOnly?.some((f) => inside(target, f))) return context.report({ node, messageId: 'typeOnly', data: data(target) })
        // Files outside the layered folders (configs, resources) are not layers.
        if (!LAYERS.some((l) => inside(target, l.layer))) return
        return context.report({ node, messageId: 'bad', data: data(target) })
      }
      if (isBuiltin(spec)) {
        if (!rule.builtins) context.report({ node, messageId: 'builtin', data: data(spec) })
        return
      }
      if (isTypeOnly) return
      if (rule.packages === 'none' || rule.forbid?.some((p) => packageMatches(spec, p))) {
        context.report({ node, messageId: 'pkg', data: data(spec) })
      }
    }

    return {
      ImportDeclaration(node) {
        const typeOnly = node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'))
        check(node, node.source.value, typeOnly)
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value, node.exportKind === 'type')
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value, node.exportKind === 'type')
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, node.source.value, false)
      },
      TSImportType(node) {
        const arg = node.argument?.literal ?? node.argument
        if (arg?.type === 'Literal') check(node, arg.value, true)
      },
    }
  },
}
