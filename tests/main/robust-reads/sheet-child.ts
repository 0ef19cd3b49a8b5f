// Run by contact-sheets.test.ts in a child process whose file-size limit (ulimit -f) stands in for a full
// disk: writes past it fail with EFBIG after writing what fits, as a full disk does. Prints the sheet's size.
import { classSheet } from '../../../src-engine/node/dataset/index.ts'

const [root, className, cacheDir] = process.argv.slice(2)
const s = await classSheet(root, className, { cacheDir })
process.stdout.write(JSON.stringify({ bytes: s.png.length }))
