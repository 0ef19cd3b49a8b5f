// Sizes both sides of the contract need (declared here, where the page may import them too, as the run
// statuses are): the page checks before it sends, the contract refuses what passes anyway.

/** The largest ONNX file the page may send (`models.importBytes`): in base64 it fits one 16 MiB message of `serve`. A larger one goes through the CLI's `import`. */
export const ONNX_UPLOAD_LIMIT = 11 * 2 ** 20
