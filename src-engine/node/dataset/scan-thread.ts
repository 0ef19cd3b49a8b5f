// A folder scan on a worker thread. Reading a large tree is synchronous file-system work that can take
// seconds; on the host's event loop it would freeze every other client of `serve` until it ends.
import { Worker } from 'node:worker_threads'
import { workerEntry } from '../app-files.ts'
import { DatasetError, SCAN_LIMITS, statRoot, type Scan, type ScanLimits } from './scan.ts'

type Outcome = { ok: true; scan: Scan } | { ok: false; code?: DatasetError['code']; message: string }

export async function scanFolderOffThread(root: string, limits: ScanLimits = SCAN_LIMITS): Promise<Scan> {
  return offThread(root, limits, false)
}

/** listFolder (every image file under a folder, with the scan's rules and caps) on a worker thread. */
export async function listFolderOffThread(root: string, limits: ScanLimits = SCAN_LIMITS): Promise<Scan> {
  return offThread(root, limits, true)
}

async function offThread(root: string, limits: ScanLimits, flat: boolean): Promise<Scan> {
  statRoot(root) // a missing folder or a file is answered at once, without starting a thread
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry('scan-worker'), { workerData: { root, limits, flat } })
    worker.once('message', (m: Outcome) => {
      if (m.ok) resolve(m.scan)
      else reject(m.code ? new DatasetError(m.code, m.message) : new Error(m.message))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the folder scan's worker stopped (exit code ${code}) before it answered`)))
  })
}
