// `cnn-studio cache [--clear] [--json]`: the decoded-image cache (CNN_STUDIO_CACHE or the user's cache
// folder): its size against its cap, one line per dataset folder and input size, and clearing it.
import type { Command } from 'commander'
import { gridTable } from '../grid.ts'
import { esc, jsonText } from '../escape.ts'
import { clearCache, defaultCacheDir, listCache } from '../../../src-engine/node/dataset/index.ts'
import { gib } from '../../../src-engine/core/train/checks.ts'

export function registerCache(program: Command): void {
  program
    .command('cache')
    .description('the decoded-image cache: its size, each dataset folder in it, and clearing it (--clear)')
    .option('--clear', 'delete every cached image and thumbnail (they are decoded again when next needed)')
    .option('--json', 'print one JSON document on stdout')
    .action((o: { clear?: boolean; json?: boolean }) => {
      const dir = defaultCacheDir()
      const listing = listCache(dir)
      const freed = o.clear ? clearCache(dir) : null
      const after = o.clear ? listCache(dir) : listing
      if (o.json) {
        process.stdout.write(jsonText({ ...after, ...(freed !== null ? { cleared: { bytes: freed, files: listing.files.length + listing.thumbnails.files } } : {}) }))
        return
      }
      if (freed !== null) {
        process.stdout.write(`cleared ${dir}: ${gib(freed)} in ${listing.files.length} dataset file${listing.files.length === 1 ? '' : 's'} and ${listing.thumbnails.files} thumbnail${listing.thumbnails.files === 1 ? '' : 's'}\n`)
        return
      }
      const t = gridTable(['folder', 'input', 'images', 'size', 'last used'], ['left', 'left', 'right', 'right', 'left'])
      for (const f of listing.files) {
        t.push([esc(f.root ?? `(older cache format: ${f.file})`), f.height ? `${f.height}x${f.width}x${f.channels} ${f.resize}` : '-', f.images, gib(f.bytes), f.lastUsed.replace('T', ' ').slice(0, 19)])
      }
      process.stdout.write(`${dir}: ${gib(listing.bytes)} of ${gib(listing.limit)} (CNN_STUDIO_CACHE_MAX); the least recently used folders are evicted beyond it\n` +
        (listing.files.length ? `${t.toString()}\n` : 'no decoded images cached\n') +
        (listing.thumbnails.files ? `thumbnails: ${listing.thumbnails.files} (${gib(listing.thumbnails.bytes)})\n` : ''))
    })
}
