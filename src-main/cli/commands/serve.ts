// `cnn-studio serve [--port N] [--db FILE]`: the studio in a browser, on 127.0.0.1 only, behind a
// secret token in the URL it prints.
import type { Command } from 'commander'
import { fileURLToPath } from 'node:url'
import { createHost } from '../../host/host.ts'
import { StoreError } from '../../services/store/open.ts'
import { startServer } from '../../web/server.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'

const UI = fileURLToPath(new URL('../../../out/renderer/', import.meta.url))

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the studio in a browser, on 127.0.0.1 only, with a secret token in the URL it prints')
    .option('--port <n>', 'port (0: any free one)', (v) => Number.parseInt(v, 10), 0)
    .option('--db <file>', 'the experiment database (default: the studio\'s own, or CNN_STUDIO_DB)')
    .action(async (o: { port: number; db?: string }) => {
      let host
      try {
        host = createHost({ dbPath: o.db, kind: 'web' })
      } catch (e) {
        if (e instanceof StoreError) throw new CliError(e.message, EXIT_USAGE)
        throw e
      }
      let server
      try {
        server = await startServer({ host, staticDir: UI, port: o.port })
      } catch (e) {
        host.close()
        throw new CliError((e as Error).message, EXIT_USAGE)
      }
      process.stdout.write(`${server.url}\n`)
      process.stderr.write('CNN Studio is serving on 127.0.0.1 only; open the link above. Ctrl-C stops it.\n')
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          done()
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
      await server.close()
      host.close()
    })
}
