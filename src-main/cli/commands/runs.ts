// `cnn-studio runs list | show RUN | compare RUN RUN... [--csv|--markdown] | diff A B | resume RUN | import RUN_DIR | delete RUN`: the experiment database from the shell.
import type { Command } from 'commander'
import { compareRuns, figuresCache } from '../../services/compare.ts'
import { StoreError } from '../../services/store/open.ts'
import { ServiceError } from '../../services/errors.ts'
import { importRunFolder } from '../../services/run-import/import.ts'
import { TrainingService } from '../../services/training.ts'
import { CliError, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE } from '../errors.ts'
import { esc, escRow, jsonText } from '../escape.ts'
import { openStore, runJson, storeFailure } from '../open-store.ts'
import { pct } from './insight-shared.ts'
import { finalJson, trainOnce } from './train.ts'
import { gridTable } from '../grid.ts'
import { registerRunsDiff } from './runs-diff.ts'
import { comparisonTable, toCsv, toMarkdown } from '../../../src-engine/core/compare/table.ts'

/** 1234567 -> 1.23M: parameter counts and MACs as the studio shows them. */
const big = (v: number) => (v >= 1e9 ? `${(v / 1e9).toPrecision(3)}G` : v >= 1e6 ? `${(v / 1e6).toPrecision(3)}M` : v >= 1e3 ? `${(v / 1e3).toPrecision(3)}k` : String(v))
const signed = (v: number) => (v > 0 ? `+${big(v)}` : v < 0 ? `-${big(-v)}` : '0')
const table = (head: string[]) => gridTable(head) // linear in the rows, unlike cli-table3 (cli/grid.ts)

function withStore<T>(db: string | undefined, fn: (s: ReturnType<typeof openStore>) => T, opts: { readonly?: boolean } = {}): T {
  const store = openStore(db, opts)
  try {
    return fn(store)
  } catch (e) {
    if (e instanceof StoreError) throw storeFailure(e)
    throw e
  } finally {
    store.close()
  }
}

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('the experiment database: list, show, compare, resume, import and delete runs')
  const dbOpt = ['--db <file>', 'the experiment database (default: the studio\'s own, or CNN_STUDIO_DB)'] as const

  runs.command('list').description('every run, newest first').option(...dbOpt).option('--json', 'print one JSON document on stdout')
    .action((o: { db?: string; json?: boolean }) => withStore(o.db, (store) => {
      const figuresOf = figuresCache(store)
      const rows = store.listRuns().map((r) => ({ runId: r.runId, name: r.name, status: r.status, createdAt: r.createdAt, model: r.model, dataset: r.dataset, final: r.final ?? {}, ...figuresOf(r), ...(r.origin ? { origin: r.origin } : {}) }))
      if (o.json) return void process.stdout.write(jsonText({ runs: rows }))
      const t = table(['run', 'name', 'status', 'model', 'params', 'MACs', 'dataset', 'val acc', 'test acc', 'created'])
      for (const r of rows) t.push(escRow([r.runId, r.name, r.status, r.model, big(r.params), big(r.macs), r.dataset ?? '-', pct(r.final.valAccuracy), pct(r.final.testAccuracy), r.createdAt.replace('T', ' ').slice(0, 19)]))
      process.stdout.write(rows.length ? `${t.toString()}\n` : 'no runs yet: cnn-studio train MODEL.cnn.json DIR\n')
    }, { readonly: true }))

  runs.command('show').description('one run: settings, every epoch, final metrics').argument('<run>', 'a run id, or latest').option(...dbOpt).option('--json', 'print one JSON document on stdout')
    .action((ref: string, o: { db?: string; json?: boolean }) => withStore(o.db, (store) => {
      const j = runJson(store, store.getRun(ref).runId)
      if (o.json) return void process.stdout.write(jsonText(j))
      const t = table(['epoch', 'loss', 'acc', 'val loss', 'val acc', 'lr', 'seconds'])
      for (const e of j.epochs) t.push([e.epoch, e.trainLoss.toFixed(4), pct(e.trainAccuracy), e.valLoss?.toFixed(4) ?? '-', pct(e.valAccuracy), e.lr.toPrecision(3), e.seconds.toFixed(1)])
      process.stdout.write(`${esc(j.runId)} ${esc(j.name)} (${j.status}) on ${esc(j.dataset)}\nsettings: ${esc(JSON.stringify(j.settings))}\n${t.toString()}\n` +
        `final: validation ${pct(j.final.valAccuracy)}, test ${pct(j.final.testAccuracy)}; ${Math.round(j.imagesPerSecond)} img/s${j.error ? `\n${esc(j.error)}` : ''}\n` +
        j.dataForced.map((f) => `resumed at ${f.at} although the data had changed (--force-data): ${esc(f.changes.join('; '))}\n`).join(''))
    }, { readonly: true }))

  runs.command('compare').description('runs side by side: only the settings that differ, the final metrics, and the architecture diff')
    .argument('<runs...>', 'two or more run ids (or latest)').option(...dbOpt).option('--json', 'print one JSON document on stdout')
    .option('--csv', 'print the comparison as CSV: one row per run, its metrics and the settings that differ')
    .option('--markdown', 'print the same table in Markdown')
    .action((refs: string[], o: { db?: string; json?: boolean; csv?: boolean; markdown?: boolean }) => withStore(o.db, (store) => {
      if (refs.length < 2) throw new CliError('compare needs at least two runs', EXIT_USAGE)
      if ([o.json, o.csv, o.markdown].filter(Boolean).length > 1) throw new CliError('compare prints one of --json, --csv or --markdown; give only one', EXIT_USAGE)
      const c = compareRuns(store, refs)
      if (o.json) return void process.stdout.write(jsonText(c))
      if (o.csv || o.markdown) {
        const t = comparisonTable(c.runs, c.differences)
        const text = o.csv ? toCsv(t) : toMarkdown(t)
        // Data for a file or a pipe as it is; on a terminal, a run name's control characters shown as escapes (issue 12)
        return void process.stdout.write(process.stdout.isTTY ? text.split(/\r?\n/).map(esc).join('\n') : text)
      }
      const t = table(['', ...c.runs.map((r) => esc(r.runId))])
      t.push(escRow(['name', ...c.runs.map((r) => r.name)]), ['status', ...c.runs.map((r) => r.status)], escRow(['model', ...c.runs.map((r) => r.model)]),
        ['params', ...c.runs.map((r) => big(r.params))], ['MACs / image', ...c.runs.map((r) => big(r.macs))])
      for (const [k, vs] of Object.entries(c.differences)) t.push(escRow([k, ...vs.map((v) => JSON.stringify(v) ?? '-')]))
      t.push(['val accuracy', ...c.runs.map((r) => pct(r.final.valAccuracy))], ['val loss', ...c.runs.map((r) => r.final.valLoss?.toFixed(4) ?? '-')], ['test accuracy', ...c.runs.map((r) => pct(r.final.testAccuracy))])
      process.stdout.write(`${t.toString()}\n${Object.keys(c.differences).length ? '' : 'the settings are the same\n'}${c.architecture.same ? 'same architecture\n' : `architecture of ${esc(c.runs[0].runId)} -> ${esc(c.runs[1].runId)} (params ${signed(c.architecture.totals.b.params - c.architecture.totals.a.params)}, MACs ${signed(c.architecture.totals.b.macs - c.architecture.totals.a.macs)}):\n  ${c.architecture.summary.map(esc).join('\n  ')}\n`}`)
    }, { readonly: true }))

  registerRunsDiff(runs)

  runs.command('resume').description('continue a stopped, interrupted or failed run from its last checkpoint, on the data it was trained on')
    .argument('<run>', 'a run id, or latest').option(...dbOpt).option('--json', 'print the result as one JSON document')
    .option('--force-data', 'resume although the classes or images changed since the run started (recorded with the run)')
    .action(async (ref: string, o: { db?: string; json?: boolean; forceData?: boolean }) => {
      const store = openStore(o.db)
      try {
        const service = new TrainingService(store)
        const id = store.getRun(ref).runId
        await trainOnce(service, async () => (await service.resume(id, { forceData: o.forceData }), { runId: id }), !!o.json)
        const j = finalJson(store, service, id)
        process.stdout.write(o.json ? jsonText(j) : `run ${id} ${j.status} after ${j.epochs.length} epochs${j.error ? `\n${j.error}` : ''}\n`)
        process.exitCode = j.status === 'completed' ? EXIT_OK : EXIT_NEGATIVE
      } catch (e) {
        if (e instanceof StoreError) throw storeFailure(e)
        throw e
      } finally {
        store.close()
      }
    })

  runs.command('import').description('bring back a run trained elsewhere: the folder the exported PyTorch script wrote with --out RUN_DIR')
    .argument('<dir>', 'the run folder').option(...dbOpt).option('--data <dir>', 'the dataset folder on this machine, when it is not where the job read it').option('--json', 'print { "runId", "status", "epochs", "warnings" } on stdout')
    .action(async (dir: string, o: { db?: string; data?: string; json?: boolean }) => {
      const store = openStore(o.db)
      try {
        const r = await importRunFolder(store, dir, { dataDir: o.data })
        if (o.json) return void process.stdout.write(jsonText(r))
        process.stdout.write(`imported ${r.runId} (${r.status}, ${r.epochs} epoch${r.epochs === 1 ? '' : 's'})\n${r.warnings.map((w) => `warning: ${esc(w)}\n`).join('')}`)
      } catch (e) {
        if (e instanceof StoreError) throw storeFailure(e)
        // Refused, nothing written: imported already is a negative answer (1), anything else the input (2).
        if (e instanceof ServiceError) throw new CliError(e.message, e.code === 'IMPORTED_ALREADY' ? EXIT_NEGATIVE : EXIT_USAGE)
        throw e
      } finally {
        store.close()
      }
    })

  runs.command('delete').description('delete a run and its checkpoints').argument('<run>', 'a run id').option(...dbOpt).option('--vacuum', 'then give the space back to the disk')
    .action((ref: string, o: { db?: string; vacuum?: boolean }) => withStore(o.db, (store) => {
      const id = store.getRun(ref).runId
      store.deleteRun(id) // refused while the run is in progress, naming the process that trains it
      process.stdout.write(`deleted ${id}\n`)
      if (!o.vacuum) return
      // The run is gone whatever happens now: the vacuum is reported on its own, and its failure is a negative
      // answer (exit 1), not bad usage.
      let v: ReturnType<typeof store.vacuum>
      try {
        v = store.vacuum()
      } catch (e) {
        if (!(e instanceof StoreError)) throw e
        const why = e.code === 'DISK_FULL' ? `the disk holding ${store.file} is full, and a vacuum writes the whole database again; free some space, then vacuum it (sqlite3 ${store.file} VACUUM)` : e.message
        throw new CliError(`${id} was deleted, but the vacuum failed, so the file keeps its size (the space stays inside it, reused by later runs): ${why}`, EXIT_NEGATIVE)
      }
      if (v.heldBy) process.stdout.write(`vacuumed, but ${store.file} stays ${v.after} bytes for now: another process is reading it (a studio, serve or another command), so the space comes back only once it lets go of the file\n`)
      else process.stdout.write(`vacuumed: database ${v.before} -> ${v.after} bytes\n`)
    }))
}
