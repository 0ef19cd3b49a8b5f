// What a run is trained on, as training and a run's insight context both need it: the folders it reads, how
// the model's input decodes images, and what changed in its folder since.
import { inputOf, type GraphAnalysis } from '../../src-engine/core/graph/index.ts'
import { detectLayout, type Target } from '../../src-engine/node/dataset/index.ts'

/**
 * The folders a run reads from the folder it was given: a root with train/ and test/ (and val/) trains on
 * train/, tests on test/ unless another test folder is named, and validates on val/ instead of a random
 * split; any other folder is its own training folder. Recorded runs keep the root, so this is asked again
 * on resume and by insight.
 */
export function splitFolders(datasetDir: string, testDir?: string | null): { train: string; test: string | null; val: string | null } {
  const l = detectLayout(datasetDir)
  return { train: l?.train ?? datasetDir, test: testDir ?? l?.test ?? null, val: l?.val ?? null }
}

/** How the images of a model's input are decoded: its size, channels and resize policy. */
export const targetOf = (a: GraphAnalysis): Target => {
  const input = inputOf(a)
  return { height: input.attrs.height as number, width: input.attrs.width as number, channels: input.attrs.channels as 1 | 3, resize: input.attrs.resize as Target['resize'] }
}

const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ')

/** What differs between the classes and images a run was trained on and the folder now; empty when nothing does. */
export function dataChanges(stored: { classes: string[]; fingerprint: string; counts: number[] }, now: { classes: string[]; fingerprint: string; counts: number[] }): string[] {
  const changes: string[] = []
  const removed = stored.classes.filter((c) => !now.classes.includes(c))
  const added = now.classes.filter((c) => !stored.classes.includes(c))
  if (removed.length && added.length && removed.length === added.length) changes.push(`class folder${removed.length > 1 ? 's' : ''} ${list(removed)} ${removed.length > 1 ? 'are' : 'is'} gone and ${list(added)} ${added.length > 1 ? 'are' : 'is'} new (renamed?)`)
  else {
    if (removed.length) changes.push(`class${removed.length > 1 ? 'es' : ''} ${list(removed)} ${removed.length > 1 ? 'were' : 'was'} removed`)
    if (added.length) changes.push(`class${added.length > 1 ? 'es' : ''} ${list(added)} ${added.length > 1 ? 'were' : 'was'} added`)
  }
  if (!changes.length && stored.classes.join('\0') !== now.classes.join('\0')) changes.push(`the classes are in another order (${list(stored.classes)} then, ${list(now.classes)} now), so every label would mean another class`)
  if (!changes.length && stored.fingerprint !== now.fingerprint) {
    const counts = stored.classes.map((c, i) => [c, stored.counts[i], now.counts[now.classes.indexOf(c)]] as const).filter(([, a, b]) => a !== b)
    changes.push(`the images changed (files added, removed or modified)${counts.length ? `: ${counts.map(([c, a, b]) => `'${c}' had ${a}, now ${b}`).join(', ')}` : ''}`)
  }
  return changes
}
