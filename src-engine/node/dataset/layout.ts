// Dataset layouts: most downloaded datasets come as a root holding `train/` and `test/` (and sometimes
// `val/` or `valid/`), each with the same class sub-folders. Such a root is one dataset with its splits,
// not a two-class dataset "train" vs "test".
//
// The rule (kept here, in one place): the root has a folder named train (any case) and a test or validation
// folder beside it, and every one of these split folders holds class folders: at least one sub-folder and no
// image file directly inside. A dataset whose classes are literally named "train" and "test", with their
// images directly inside them, stays a dataset of those classes.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export type SplitName = 'train' | 'test' | 'val'

/** The split folders of a root, as absolute paths; `names` are the folder names as found (their case kept). */
export interface SplitLayout {
  train: string
  test?: string
  val?: string
  names: { train: string; test?: string; val?: string }
}

const SPLIT_OF: Record<string, SplitName> = { train: 'train', test: 'test', val: 'val', valid: 'val', validation: 'val' }
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|tiff?|avif|svg)$/i
const hidden = (name: string) => name.startsWith('.') || name === '__MACOSX'

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** True when a folder holds class folders: a sub-folder, and no image file directly inside it. */
function holdsClasses(dir: string): boolean {
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => !hidden(n))
  } catch {
    return false
  }
  if (names.some((n) => IMAGE_EXT.test(n))) return false
  return names.some((n) => isDir(join(dir, n)))
}

/** The split layout of `root`, or null when it is a plain folder of class folders. Never throws. */
export function detectLayout(root: string): SplitLayout | null {
  let names: string[]
  try {
    names = readdirSync(root).filter((n) => !hidden(n)).sort()
  } catch {
    return null
  }
  const found: Partial<Record<SplitName, string>> = {}
  for (const n of names) {
    const split = SPLIT_OF[n.toLowerCase()]
    if (split && !found[split] && isDir(join(root, n))) found[split] = n
  }
  if (!found.train || (!found.test && !found.val)) return null
  const present = Object.values(found)
  if (!present.every((n) => holdsClasses(join(root, n)))) return null
  return {
    train: join(root, found.train),
    ...(found.test ? { test: join(root, found.test) } : {}),
    ...(found.val ? { val: join(root, found.val) } : {}),
    names: { train: found.train, ...(found.test ? { test: found.test } : {}), ...(found.val ? { val: found.val } : {}) },
  }
}
