// Runs an ONNX file in onnxruntime-node, in a child process of its own. The native runtime has ended the
// process that hosted it (SIGSEGV; a V8 check failure) beside our WebAssembly worker threads, twice in CI:
// such a crash must not end `serve`, the CLI or Electron's main process, which may be training. A child
// that dies before it answers is started once more; a model the runtime refuses is an ordinary error.
import { fork } from 'node:child_process'
import { childEntry } from '../app-files.ts'

export interface OnnxRequest { file: Uint8Array; inputName: string; input: Float32Array; dims: number[]; outputName: string }
export type OnnxAnswer = { ok: true; output: Float32Array; runtime: string } | { ok: false; message: string }

/** The runtime crashed (a signal, or an exit with no answer): worth one more try. */
class RuntimeCrash extends Error {}

function runOnce(req: OnnxRequest): Promise<{ output: Float32Array; runtime: string }> {
  const { path, execArgv } = childEntry('onnx-child')
  return new Promise((resolve, reject) => {
    const child = fork(path, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = '', answer: OnnxAnswer | null = null
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
    child.once('message', (m: OnnxAnswer) => (answer = m))
    child.once('error', (e) => reject(new RuntimeCrash(e.message)))
    child.once('exit', (code, signal) => {
      if (answer?.ok) resolve({ output: answer.output, runtime: answer.runtime })
      else if (answer) reject(new Error(answer.message))
      else {
        const last = stderr.trim().split('\n').filter(Boolean).at(-1)
        reject(new RuntimeCrash(`${signal ? `signal ${signal}` : `exit code ${code}`}${last ? `: ${last}` : ''}`))
      }
    })
    child.send(req)
  })
}

/** The output tensor of `req.outputName` for the one input, and the runtime's name and version. */
export async function runOnnx(req: OnnxRequest): Promise<{ output: Float32Array; runtime: string }> {
  try {
    return await runOnce(req)
  } catch (e) {
    if (!(e instanceof RuntimeCrash)) throw e
    try {
      return await runOnce(req)
    } catch (again) {
      if (!(again instanceof RuntimeCrash)) throw again
      throw new Error(`onnxruntime-node crashed twice running the file (${e.message}; then ${again.message})`, { cause: again })
    }
  }
}
