// Image folders as datasets: scan, health report, decoding through a cache, thumbnails.
export { scanFolder, DatasetError, type Scan, type ScannedFile, type Skipped } from './scan.ts'
export { inspectDataset, type HealthReport, type InspectOptions, type Warning } from './report.ts'
export { loadDataset, type LoadOptions, type LoadedDataset } from './load.ts'
export { decodeTo, probe, ImageError, PIXEL_LIMIT, type Target, type Fit } from './decode.ts'
export { defaultCacheDir, listCache, clearCache, cacheLimit, type CacheListing } from './cache.ts'
export { contactSheet, classSheet, type SheetOptions } from './thumbnails.ts'
export { splitStratified, splitIndices, subset, channelStats } from '../../core/data/split.ts'
export { createBatchSource, type Augment, type BatchOptions } from '../../core/data/batches.ts'
