// Reading one image file a folder or a page names, the way sharp and libvips treat their inputs: only a
// regular file, only up to a size cap, asynchronously (on libuv's threads, never the event loop), and never
// more bytes than the file said it had. A path can name anything: `/dev/zero` never ends, a FIFO blocks its
// reader until someone writes, `/proc/self/pagemap` says 0 bytes and reads as hundreds of GiB, a sparse file
// says 1.5 GB and costs no disk. Each is refused with its reason before reading (or after a page of it).
import { constants, type Stats } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { ImageError } from './decode.ts'
import { FILE_SIZE_LIMIT, specialKind, tooLargeReason } from './file-kind.ts'

/** A file that is not read: `code` TOO_LARGE (over the cap) or UNREADABLE (not a regular file, or gone). */
export class FileReadError extends ImageError {
  readonly code: 'TOO_LARGE' | 'UNREADABLE'
  constructor(code: FileReadError['code'], message: string) {
    super(message)
    this.code = code
  }
}

/** Bytes read past the size the file's stat gives, to tell a file that holds more. */
const OVERREAD = 4096

const notRegular = (kind: string) => new FileReadError('UNREADABLE', `${kind}, not a regular file: not read (give the path of an image file)`)

/**
 * The bytes of the regular file at `path`, at most `limit`. Throws FileReadError with the reason (and no
 * more than a page read past its size, for a file that holds more than its size says).
 */
export async function readImageFile(path: string, limit = FILE_SIZE_LIMIT): Promise<Buffer> {
  // Refuse devices and FIFOs before opening them: opening some devices has effects, and a FIFO's open blocks.
  let before: Stats
  try {
    before = await stat(path)
  } catch (e) {
    throw new FileReadError('UNREADABLE', `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  if (before.isDirectory()) throw new FileReadError('UNREADABLE', 'a folder, not an image file')
  const kind = specialKind(before)
  if (kind) throw notRegular(kind)
  if (before.size > limit) throw new FileReadError('TOO_LARGE', tooLargeReason(before.size, limit))
  // O_NONBLOCK: if the path was swapped for a FIFO since the stat, the open still returns at once.
  let fh
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (e) {
    throw new FileReadError('UNREADABLE', `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    const st = await fh.stat() // the file opened, whatever the path names now
    const k = specialKind(st)
    if (k) throw notRegular(k)
    if (!st.isFile()) throw new FileReadError('UNREADABLE', 'not a regular file: not read')
    if (st.size > limit) throw new FileReadError('TOO_LARGE', tooLargeReason(st.size, limit))
    // A page more than the size says: a file that has more is special (/proc says 0) or is being written.
    // A page, not one byte: some /proc files (pagemap) refuse reads that are not whole 8-byte entries.
    const buf = Buffer.allocUnsafe(st.size + OVERREAD)
    let got = 0
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got)
      if (bytesRead === 0) break
      got += bytesRead
    }
    if (got > st.size) {
      throw new FileReadError('UNREADABLE', st.size === 0
        ? 'its size reads 0 bytes but it holds data: a special file (such as one under /proc), not an image; not read'
        : `it holds more than the ${st.size} bytes its size says (being written now?); not read: try again once it is complete`)
    }
    return buf.subarray(0, got)
  } catch (e) {
    if (e instanceof FileReadError) throw e
    throw new FileReadError('UNREADABLE', `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  } finally {
    await fh.close()
  }
}
