// A progress bar on stderr for work that takes longer than a second, only on a terminal (pipes and CI
// logs stay clean). cli-progress draws it.
import cliProgress from 'cli-progress'

export interface Progress {
  update(done: number, total: number, payload?: Record<string, string | number>): void
  stop(): void
}

export function progress(label: string, format = `${label} {bar} {value}/{total} {eta_formatted}`): Progress {
  const started = Date.now()
  let bar: cliProgress.SingleBar | null = null
  return {
    update(done, total, payload = {}) {
      if (!process.stderr.isTTY) return
      if (!bar) {
        if (Date.now() - started < 1000) return
        bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
        bar.start(total, done, payload)
      }
      bar.setTotal(total)
      bar.update(done, payload)
    },
    stop() {
      bar?.stop()
    },
  }
}
