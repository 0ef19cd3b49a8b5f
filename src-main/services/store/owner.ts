// Who trains a run: the process that owns it (host, pid and that process's start time, so a reused pid is
// not mistaken for it; an instance id unique to the process) and a heartbeat it refreshes while the run
// trains, waits paused or waits queued. Any reader decides from these whether the owner is still there:
// a run in progress whose owner is gone is shown as `interrupted`, and only such runs are written so.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename } from 'node:path'

/** How often an owner refreshes its heartbeat, and how old a heartbeat may get before its owner counts as gone. */
export const HEARTBEAT_MS = 5_000
export const HEARTBEAT_STALE_MS = 60_000

export interface Owner {
  host: string
  pid: number
  /** The process's start time as the kernel keeps it (Linux: clock ticks after boot), or null where unknown. */
  start: string | null
  /** What the process is, for messages: `cnn-studio train`, `cnn-studio serve`, the studio app. */
  label: string
  instance: string
}

/** Start time of process `pid` (field 22 of /proc/PID/stat), or null off Linux or when it is gone. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

function label(): string {
  if (process.versions.electron) return 'the CNN Studio app'
  const script = basename(process.argv[1] ?? '')
  if (script.startsWith('cnn-studio')) {
    const words = process.argv.slice(2).filter((a) => !a.startsWith('-'))
    return ['cnn-studio', ...words.slice(0, words[0] === 'runs' || words[0] === 'dataset' ? 2 : 1)].join(' ')
  }
  return `node ${script}`.trim()
}

let me: Owner | null = null
/** This process as an owner; the same object for its whole life. */
export function thisProcess(): Owner {
  me ??= { host: hostname(), pid: process.pid, start: processStart(process.pid), label: label(), instance: randomBytes(8).toString('hex') }
  return me
}

/** Whether process `pid` exists on this machine (EPERM: it does, owned by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' // it exists, owned by another user
  }
}

/** Whether the owner of a run in progress is still there; `why` says how it is known to be gone. */
export function ownerState(owner: Owner | null, heartbeatAt: number | null, now = Date.now()): { alive: true } | { alive: false; why: string } {
  if (!owner) return { alive: false, why: 'it was started by an older studio that did not record its process' }
  if (owner.instance === thisProcess().instance) return { alive: true }
  if (owner.host === thisProcess().host) {
    if (!pidAlive(owner.pid)) return { alive: false, why: `its process (${owner.label}, pid ${owner.pid}) is gone` }
    const start = owner.start && processStart(owner.pid)
    if (start && start !== owner.start) return { alive: false, why: `its process (${owner.label}, pid ${owner.pid}) is gone (the pid now belongs to another process)` }
  }
  if (heartbeatAt === null || now - heartbeatAt > HEARTBEAT_STALE_MS) {
    const age = heartbeatAt === null ? 'never' : `${Math.round((now - heartbeatAt) / 1000)} s ago`
    return { alive: false, why: `its process (${owner.label}, pid ${owner.pid} on ${owner.host}) stopped answering: last heartbeat ${age}, the limit is ${HEARTBEAT_STALE_MS / 1000} s` }
  }
  return { alive: true }
}

/** "cnn-studio train (pid 4242 on build-7, heartbeat 2 s ago)" */
export function describeOwner(owner: Owner, heartbeatAt: number | null, now = Date.now()): string {
  return `${owner.label} (pid ${owner.pid} on ${owner.host}${heartbeatAt !== null ? `, heartbeat ${Math.max(0, Math.round((now - heartbeatAt) / 1000))} s ago` : ''})`
}
