// What the scan and the reader know of a file before reading a byte of it: what kind it is, and whether its
// size is within the cap. Kept apart from read.ts so the scan's worker does not load sharp.

/**
 * The largest image file read, 64 MiB. A 100-megapixel photo (PIXEL_LIMIT) is 20-60 MB as JPEG or PNG, so
 * every image the studio decodes fits; an uncompressed BMP or TIFF over about 21 megapixels does not (save
 * it as PNG). The decode pool keeps two files a core in flight: on 16 cores that is at most 2 GiB of bytes.
 */
export const FILE_SIZE_LIMIT = 64 * 2 ** 20

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MiB`

/** Why a file of `size` bytes is not read: the one message of the scan and the readers. */
export const tooLargeReason = (size: number, limit = FILE_SIZE_LIMIT): string =>
  `too large (${mib(size)}; the limit is ${mib(limit)}): not read. An image this big is a mistake or an uncompressed scan; save it as PNG or JPEG`

interface Kinded { isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }

/** What a non-regular file is, in words; null for a regular file or a folder. */
export function specialKind(st: Kinded): string | null {
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isSocket()) return 'a socket'
  return null
}
