// Runs every vitest project, then prints the one closing line CI reads: "tests: N passed, N failed, N skipped".
// Extra arguments go to vitest (for example `npm run test:only -- tests/engine`).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'

const report = '.vitest-report.json'
rmSync(report, { force: true })
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' })
let summary
try {
  summary = JSON.parse(readFileSync(report, 'utf8'))
} catch {
  console.log('tests: 0 passed, 1 failed (vitest wrote no report)')
  process.exit(r.status || 1)
}
const passed = summary.numPassedTests
// A file whose worker died (a crash, not a failed assertion) leaves its remaining tests "pending": they did
// not run, so they count as failed, not skipped, and the file is named.
const unrun = summary.testResults.filter((t) => t.status === 'failed').flatMap((t) => t.assertionResults.filter((a) => a.status === 'pending').map((a) => ({ file: t.name, title: a.fullName })))
for (const u of unrun) console.log(`did not run (its file failed): ${u.file} > ${u.title}`)
const failed = summary.numFailedTests + unrun.length + (summary.numRuntimeErrorTestSuites ?? 0) + summary.testResults.filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length
const skipped = summary.numPendingTests + summary.numTodoTests
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(r.status !== 0 || failed > 0 || passed === 0 ? 1 : 0)
