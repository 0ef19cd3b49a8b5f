// The V8 flags every process that runs our WebAssembly in worker threads starts with (the CLI, `serve`, the
// test workers, Electron's main process), in one place.
//
// --no-memory-protection-keys: on x64 Linux with memory protection keys (PKU), V8's JIT-page bookkeeping
// (ThreadIsolation) can abort the whole process with "Check failed: jit_page.has_value()" while worker
// threads compile WebAssembly (one CI run in five, Node 24.21). V8 reads the flag only as it starts, so it
// goes on the command line (Node refuses it in NODE_OPTIONS): bin/cnn-studio.mjs's first line, and every
// place that starts node or Electron on our code. Every V8 build knows the flag; without PKU it changes
// nothing.
export const V8_FLAGS = ['--no-memory-protection-keys']
