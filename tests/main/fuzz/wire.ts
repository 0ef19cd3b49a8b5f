// What the serve fuzz sends over raw sockets: request lines built from the pieces URL parsers trip on, and
// WebSocket frames (valid messages, broken frames, raw bytes). Shared by the fuzz test and hand-run censuses.
import fc from 'fast-check'
import { COMMANDS } from '../../../src-main/api/contract.ts'
import { frame } from '../../helpers/raw-socket.ts'

/** The server under test, read when a case is generated (its port and token are known only once it runs). */
export interface WireContext {
  home(): string
  token(): string
  cookie(): string
  origin(): string
}

export function wireArbitraries(ctx: WireContext) {
  // Pieces request targets are made of, the ones URL parsers trip on first.
  const targetPiece = fc.oneof(
    fc.constantFrom('/', '//', '[', ']', '[]', '[::1', '%', '%2e', '%00', '%zz', ':', '99999', '@', '?', '#', '&', '=', '..', '\\', 'http:', 'https://', 'a', 'ws', 'index.html', '*', ' ', '\t', 'é', '\u{1F600}', 'token='),
    fc.string({ maxLength: 6 }),
    fc.constant(null).map(() => ctx.home().slice(0, -1)), fc.constant(null).map(() => ctx.token()),
  )
  const often = <T,>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: other })
  const target = fc.tuple(fc.constantFrom('/', '/', '//', '', 'home'), fc.array(targetPiece, { maxLength: 8 })).map(([start, p]) => (start === 'home' ? ctx.home() : start) + p.join(''))
  const header = fc.oneof(
    fc.constant(null).map(() => `Cookie: ${ctx.cookie()}`), fc.constant(null).map(() => `Origin: ${ctx.origin()}`),
    fc.constantFrom('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Host: x', 'Host: [', 'Content-Length: 5', 'Transfer-Encoding: chunked', 'Cookie: cnn_studio_token=x', 'Expect: 100-continue'),
    fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 })).map(([k, v]) => `${k}: ${v}`),
  )
  const request = fc.record({
    method: often(fc.constantFrom('GET', 'GET', 'HEAD', 'POST'), fc.oneof(fc.constantFrom('OPTIONS', 'CONNECT', 'PRI', 'get'), fc.string({ maxLength: 5 }))),
    target,
    version: often(fc.constant('HTTP/1.1'), fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', '')),
    headers: fc.array(header, { maxLength: 6 }),
    body: fc.oneof(fc.constant(''), fc.string({ maxLength: 20 })),
    end: often(fc.constant('\r\n\r\n'), fc.constantFrom('\r\n', '\n\n', '')),
    host: often(fc.constant('Host: 127.0.0.1\r\n'), fc.constant('')),
  }).map((r) => `${r.method} ${r.target} ${r.version}\r\n${r.host}${r.headers.join('\r\n')}${r.end}${r.body}`)

  // Messages a logged-in client might send: JSON-ish text naming our commands, inherited names, or junk.
  // (datasets.inspect and runs.start are left to the contract fuzz, which keeps their folders safe.)
  const NAMES = Object.keys(COMMANDS).filter((c) => c !== 'datasets.inspect' && c !== 'runs.start')
  const message = fc.oneof(
    fc.record({ id: fc.oneof(fc.integer(), fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 2 })), command: fc.oneof(fc.constantFrom(...NAMES, 'toString', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 })), payload: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }).map((m) => JSON.stringify(m)),
    fc.json(), fc.string(),
  )
  const randomFrame = fc.record({
    opcode: fc.oneof({ weight: 8, arbitrary: fc.constant(0x1) }, { weight: 4, arbitrary: fc.constantFrom(0x2, 0x0, 0x8, 0x9, 0xa) }, { weight: 1, arbitrary: fc.nat(15) }),
    fin: often(fc.constant(true), fc.constant(false)), rsv: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(7) }), mask: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    payload: often(message.map((m) => Buffer.from(m)), fc.uint8Array({ maxLength: 140 }).map((b) => Buffer.from(b))),
    length: fc.option(fc.constantFrom(0n, 125n, 126n, 65535n, 65536n, 2n ** 24n + 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n), { freq: 15 }),
  }).map((f) => frame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.mask, ...(f.length === null ? {} : { length: f.length }) }))
  const frames = fc.oneof(
    { weight: 3, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }).map((ms) => Buffer.concat(ms.map((m) => frame(0x1, m)))) },
    { weight: 4, arbitrary: fc.array(randomFrame, { minLength: 1, maxLength: 5 }).map((fs) => Buffer.concat(fs)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)) },
  )
  return { request, frames }
}
