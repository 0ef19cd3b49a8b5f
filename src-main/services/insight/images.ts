// Reading the images a user points at (a file, a folder, or bytes from the page) in a run's input format.
// Paths come from the page as well as the command line, so they are read the way the dataset is: folders
// listed by the dataset scan's walker on a worker thread, with its caps; files read bounded and only when
// regular (readImageFile). Links are followed, as the scan follows them: a linked image or folder is
// predicted, a loop or a second path to the same file is listed in `skipped` with the reason.
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { DatasetError, decodeTo, FileReadError, ImageError, listFolderOffThread, readImageFile, SCAN_LIMITS, specialKind, type Target } from '../../../src-engine/node/dataset/index.ts'
import { ServiceError } from '../errors.ts'

/**
 * Images one request expands to at most (runs.predict, `predict`): 10,000 images is a minute or two of
 * decoding and a reply of a few MB; a folder of more is a dataset, which `evaluate` reads through the cache.
 */
export const PREDICT_IMAGE_LIMIT = 10_000

export interface DecodedImage {
  path: string
  /** uint8 [H, W, C] in the run's input size. */
  pixels: Uint8Array
}

export interface ImageList {
  /** Absolute paths, each input's files sorted. */
  files: string[]
  /** Entries of the folders that are not listed (loops, devices, files over the size cap), with the reason. */
  skipped: { path: string; reason: string }[]
}

/**
 * The files of `path`: itself if a file; a folder's files, nested ones included, hidden ones left out. A
 * missing path is NOT_FOUND, a device, FIFO or socket UNREADABLE, and more than `budget` files (what is left
 * of the request's PREDICT_IMAGE_LIMIT) TOO_LARGE, naming the cap.
 */
export async function listImages(path: string, budget = PREDICT_IMAGE_LIMIT): Promise<ImageList> {
  const over = (folder: boolean) => tooManyImages(path, budget, folder)
  const abs = resolve(path)
  let st
  try {
    st = await stat(abs)
  } catch (e) {
    throw new ServiceError('NOT_FOUND', `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`)
  }
  const kind = specialKind(st)
  if (kind) throw new DatasetError('UNREADABLE', `${path} is ${kind}, not an image file or a folder: give the path of an image file or of a folder of images`)
  if (!st.isDirectory()) {
    if (budget < 1) throw over(false)
    return { files: [abs], skipped: [] }
  }
  let list
  try {
    list = await listFolderOffThread(abs, { ...SCAN_LIMITS, files: Math.max(0, budget) })
  } catch (e) {
    // The listing's cap in files is the request's budget (its cap in folders stays the scan's own).
    if (e instanceof DatasetError && e.code === 'TOO_LARGE' && / files \(reached /.test(e.message)) throw over(true)
    throw e
  }
  return { files: list.files.map((f) => f.abs), skipped: list.skipped.map((s) => ({ path: join(abs, s.path), reason: s.reason })) }
}

/** The TOO_LARGE of a request whose `path` holds more images than the `budget` left of PREDICT_IMAGE_LIMIT. */
export const tooManyImages = (path: string, budget: number, folder = true): DatasetError => new DatasetError('TOO_LARGE',
  `${path}: one request predicts at most ${PREDICT_IMAGE_LIMIT.toLocaleString('en-US')} images, and this ${folder ? 'folder' : 'image'}${budget < PREDICT_IMAGE_LIMIT ? ' with the request\'s other images' : ''} holds more: predict a smaller folder, or split it over several requests`)

export interface Unread { path: string; reason: string; code?: FileReadError['code'] }

/** Decodes by content; an unreadable file becomes a skipped entry with its reason (and code), never a throw. */
export async function decodeImage(path: string, bytes: Buffer | null, target: Target): Promise<DecodedImage | Unread> {
  try {
    const buf = bytes ?? await readImageFile(path)
    return { path, pixels: new Uint8Array(await decodeTo(buf, target)) }
  } catch (e) {
    if (e instanceof FileReadError) return { path, reason: e.message, code: e.code }
    return { path, reason: e instanceof ImageError ? e.message : `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }
  }
}
