// Starts the built main process (out/main/main.js) in a child Node process with the Electron stand-in,
// and talks to it: the test's side of protocol.ts.
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Reply, StudioEvent } from '../../../src-main/api/contract.ts'
import type { FromStandIn, Probe, Records, ToStandIn } from './protocol.ts'

export const OUT = fileURLToPath(new URL('../../../out/', import.meta.url))
export const BUILT_MAIN = `${OUT}main/main.js`
const REGISTER = new URL('./register.ts', import.meta.url).href

/** A message that expects a reply, before it is given its id. */
type Request = Extract<ToStandIn, { id: number }> extends infer T ? T extends unknown ? Omit<T, 'id'> : never : never

export interface BuiltMain {
  child: ChildProcess
  /** Every `studio:event` the shell sent to the page, in order. */
  events: StudioEvent[]
  invoke<T = unknown>(command: string, payload?: unknown, frameUrl?: string): Promise<Reply & { result?: T }>
  records(): Promise<Records>
  probe(): Promise<Probe>
  /** Chooses the application menu's item of this id; false when there is none with a click. */
  clickMenu(item: string): Promise<boolean>
  /** Resolves when an event satisfies `test`, whether it came before or after the call. */
  waitForEvent(test: (e: StudioEvent) => boolean): Promise<StudioEvent>
  closeWindows(): void
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>
  output(): string
}

/** The built app, not electron-vite's dev server, whatever the environment says. */
function withoutDevServer(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  delete env.ELECTRON_RENDERER_URL
  return env
}

export function launchBuiltMain(env: Record<string, string>, main = BUILT_MAIN): BuiltMain {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`)
  const child = fork(main, [], {
    execArgv: ['--import', REGISTER],
    env: withoutDevServer({ ...process.env, ...env }),
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  const events: StudioEvent[] = []
  const waiters: { test: (e: StudioEvent) => boolean; resolve: (e: StudioEvent) => void; reject: (e: Error) => void }[] = []
  let nextId = 1
  let failure: Error | null = null
  const fail = (e: Error) => {
    failure ??= e
    for (const p of pending.values()) p.reject(e)
    pending.clear()
    for (const w of waiters.splice(0)) w.reject(e)
  }
  child.on('message', (m: FromStandIn) => {
    if (m.type === 'reply') {
      const p = pending.get(m.id)
      pending.delete(m.id)
      if (m.error) p?.reject(new Error(m.error))
      else p?.resolve(m.result)
    } else if (m.type === 'event' && m.channel === 'studio:event') {
      const e = m.payload as StudioEvent
      events.push(e)
      for (const w of waiters.filter((x) => x.test(e))) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(e)
      }
    } else if (m.type === 'error-box') {
      fail(new Error(`the app showed an error box: ${m.title}: ${m.content}`))
    }
  })
  void exited.then((code) => fail(new Error(`the app exited (code ${code}):\n${output}`)))

  const request = (m: Request): Promise<unknown> => {
    if (failure) return Promise.reject(failure)
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      child.send({ ...m, id } as ToStandIn)
    })
  }

  return {
    child,
    events,
    invoke: (command, payload = {}, frameUrl) => request({ type: 'invoke', command, payload, ...(frameUrl ? { frameUrl } : {}) }) as never,
    records: () => request({ type: 'records' }) as Promise<Records>,
    probe: () => request({ type: 'probe' }) as Promise<Probe>,
    clickMenu: (item) => request({ type: 'click-menu', item }) as Promise<boolean>,
    waitForEvent(test) {
      const seen = events.find(test)
      if (seen) return Promise.resolve(seen)
      if (failure) return Promise.reject(failure)
      return new Promise((resolve, reject) => waiters.push({ test, resolve, reject }))
    },
    closeWindows: () => child.send({ type: 'close-windows' } satisfies ToStandIn),
    exited,
    output: () => output,
  }
}
