// Sizes both sides of the contract need (declared here, where the page may import them too, as the run
// statuses are): the page checks before it sends, the contract refuses what passes anyway.

/**
 * The largest ONNX file the page may send (`models.importBytes`), and the largest weights it may start a run from
 * (`runs.start`'s `initialWeights`): in base64 either fits one 16 MiB message of `serve`. Larger go through the CLI.
 */
export const ONNX_UPLOAD_LIMIT = 11 * 2 ** 20

/** How many base64 characters `bytes` bytes take. */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4
