// A folder scan on a worker thread. Reading a large tree is synchronous file-system work that can take
// seconds; on the host's event loop it would freeze every other client of `serve` until it ends. The worker
// reports the files it has found as it goes, and a cancelled scan terminates it.
import { Worker } from 'node:worker_threads'
import { workerEntry } from '../app-files.ts'
import { DatasetError, SCAN_LIMITS, statRoot, type Scan, type ScanLimits } from './scan.ts'

type Outcome = { ok: true; scan: Scan } | { ok: false; code?: DatasetError['code']; message: string } | { seen: number }

export interface ScanWatch {
  /** Aborting stops the worker; the scan rejects with DatasetError CANCELLED. */
  signal?: AbortSignal
  /** The files found so far, now and then during the scan. */
  onSeen?: (files: number) => void
}

/** The error a cancelled read rejects with (one message for the scan, the report and the load). */
export const cancelled = (root: string) => new DatasetError('CANCELLED', `reading ${root} was cancelled`)

export async function scanFolderOffThread(root: string, limits: ScanLimits = SCAN_LIMITS, watch: ScanWatch = {}): Promise<Scan> {
  return offThread(root, limits, false, watch)
}

/** listFolder (every image file under a folder, with the scan's rules and caps) on a worker thread. */
export async function listFolderOffThread(root: string, limits: ScanLimits = SCAN_LIMITS): Promise<Scan> {
  return offThread(root, limits, true, {})
}

async function offThread(root: string, limits: ScanLimits, flat: boolean, { signal, onSeen }: ScanWatch): Promise<Scan> {
  statRoot(root) // a missing folder or a file is answered at once, without starting a thread
  if (signal?.aborted) throw cancelled(root)
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry('scan-worker'), { workerData: { root, limits, flat } })
    const abort = () => {
      reject(cancelled(root))
      void worker.terminate()
    }
    signal?.addEventListener('abort', abort, { once: true })
    const done = () => signal?.removeEventListener('abort', abort)
    worker.on('message', (m: Outcome) => {
      if ('seen' in m) return onSeen?.(m.seen)
      done()
      if (m.ok) resolve(m.scan)
      else reject(m.code ? new DatasetError(m.code, m.message) : new Error(m.message))
    })
    worker.once('error', (e) => {
      done()
      reject(e)
    })
    worker.once('exit', (code) => {
      done()
      reject(new Error(`the folder scan's worker stopped (exit code ${code}) before it answered`))
    })
  })
}
