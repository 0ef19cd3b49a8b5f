// Who trains a run: the process that owns it (host, pid and that process's start time, so a reused pid is
// not mistaken for it; an instance id unique to the process) and a heartbeat it refreshes while the run
// trains, waits paused or waits queued. Any reader decides from these whether the owner is still there:
// a run in progress whose owner is gone is shown as `interrupted`, and only such runs are written so.
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
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

/**
 * How long a run of an older studio (no owner recorded, schema < 3) counts as alive after its last sign of
 * life: that studio writes only at an epoch's end, and the upgrade (migration 5) or its last epoch stamps it.
 */
export const OWNERLESS_STALE_MS = 3600_000

/**
 * Whether a process other than this one has `file` open as SQLite does (a POSIX lock on the database or its
 * -shm, which every connection in WAL mode holds while open): true or false from Linux's /proc/locks, null
 * where that cannot be known.
 */
export function heldElsewhere(file: string): boolean | null {
  let locks: string
  const inodes = new Set<string>()
  try {
    locks = readFileSync('/proc/locks', 'utf8')
    for (const f of [file, `${file}-shm`]) {
      try {
        inodes.add(String(statSync(f).ino))
      } catch {
        // no -shm: no connection in WAL mode
      }
    }
  } catch {
    return null
  }
  return locks.split('\n').some((line) => {
    // "1: POSIX  ADVISORY  READ 8092 fe:00:2253614 128 128" (an OFD lock shows pid -1)
    const f = line.trim().split(/\s+/)
    const i = f.findIndex((x) => /^[0-9a-f]+:[0-9a-f]+:\d+$/.test(x))
    return i > 0 && inodes.has(f[i].split(':')[2]) && f[i - 1] !== String(process.pid) && f[1] === 'POSIX'
  })
}

/**
 * Whether the owner of a run in progress is still there; `why` says how it is known to be gone. A run with no
 * owner was started by a studio older than schema 3: it is gone once no other process has the database
 * open (`held`), or once its last sign of life (`heartbeatAt`, stamped by migration 5) is older than
 * OWNERLESS_STALE_MS; until then another process may be that studio, still training it.
 */
export function ownerState(owner: Owner | null, heartbeatAt: number | null, now = Date.now(), held: () => boolean | null = () => null): { alive: true } | { alive: false; why: string } {
  if (!owner) {
    const older = 'it was started by an older studio that did not record its process'
    if (heartbeatAt !== null && now - heartbeatAt > OWNERLESS_STALE_MS) return { alive: false, why: `${older}, and its last progress was ${Math.round((now - heartbeatAt) / 60_000)} min ago (the limit is ${OWNERLESS_STALE_MS / 60_000} min)` }
    const h = held()
    if (h === false) return { alive: false, why: `${older}, and no other process has the database open` }
    if (h === null && heartbeatAt === null) return { alive: false, why: older }
    return { alive: true }
  }
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
