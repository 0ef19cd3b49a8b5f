// The worker side of scanFolderOffThread and listFolderOffThread: one scan, its result or its DatasetError
// posted back; meanwhile the count of files found, so a long scan shows progress.
import { parentPort, workerData } from 'node:worker_threads'
import { DatasetError, listFolder, scanFolder, type ScanLimits } from './scan.ts'

const { root, limits, flat } = workerData as { root: string; limits: ScanLimits; flat?: boolean }
const seen = (files: number) => parentPort!.postMessage({ seen: files })
try {
  parentPort!.postMessage({ ok: true, scan: (flat ? listFolder : scanFolder)(root, limits, seen) })
} catch (e) {
  parentPort!.postMessage(e instanceof DatasetError ? { ok: false, code: e.code, message: e.message } : { ok: false, message: e instanceof Error ? e.message : String(e) })
}
