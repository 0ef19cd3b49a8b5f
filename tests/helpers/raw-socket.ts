// Raw TCP to a local `serve`, so request lines and WebSocket frames reach it exactly as written: no client
// library normalises, masks or refuses anything on the way. 127.0.0.1 only.
import { connect, type Socket } from 'node:net'

/** Sends `data` and resolves with everything the server wrote until it closed (or `ms` passed). */
export function exchange(port: number, data: string | Buffer, ms = 20_000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    const done = () => {
      clearTimeout(timer)
      s.destroy()
      resolve(out)
    }
    const timer = setTimeout(done, ms)
    s.on('data', (d) => (out += d.toString('latin1')))
    s.on('error', done)
    s.on('close', done)
    s.end(data)
  })
}

/** The status code of the first response line, or 0 for none. */
export const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)

export interface RawWs {
  socket: Socket
  /** Resolves when the server closes: the close code of its close frame, or null when it sent none. */
  closed: Promise<number | null>
  /** Every text frame received so far, decoded. */
  texts: string[]
  /** Resolves with the next text frame. */
  next(): Promise<string>
}

/** Opens a WebSocket by hand (handshake with the cookie and our Origin) and parses the server's frames. */
export function openRaw(port: number, path: string, headers: Record<string, string>): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let upgraded = false
    let closeCode: number | null = null
    let onClose!: (c: number | null) => void
    const closed = new Promise<number | null>((r) => (onClose = r))
    const texts: string[] = []
    const waiters: ((t: string) => void)[] = []
    socket.on('error', () => {})
    socket.on('close', () => {
      onClose(closeCode)
      if (!upgraded) reject(new Error('closed before the handshake'))
    })
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`))
        upgraded = true
        buf = buf.subarray(end + 4)
        resolve({ socket, closed, texts, next: () => new Promise((r) => waiters.push(r)) })
      }
      // Server frames are never masked and never use 64-bit lengths for our replies' sizes except big ones.
      while (buf.length >= 2) {
        const op = buf[0] & 0x0f
        let len = buf[1] & 0x7f, at = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          at = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          len = Number(buf.readBigUInt64BE(2))
          at = 10
        }
        if (buf.length < at + len) return
        const body = buf.subarray(at, at + len)
        buf = buf.subarray(at + len)
        if (op === 0x8) closeCode = body.length >= 2 ? body.readUInt16BE(0) : null
        if (op === 0x1) {
          const t = body.toString('utf8')
          texts.push(t)
          waiters.shift()?.(t)
        }
      }
    })
    const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`)
    socket.write(lines.join('\r\n') + '\r\n\r\n')
  })
}

export interface FrameOptions {
  fin?: boolean
  rsv?: number
  mask?: boolean
  /** Claim this length in the header instead of the payload's own (for 2^63-1 and over-maxPayload frames). */
  length?: bigint
}

/** One WebSocket frame as bytes; masked (as a client must) unless told otherwise. */
export function frame(opcode: number, payload: Buffer | string, o: FrameOptions = {}): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
  const len = o.length ?? BigInt(body.length)
  const mask = o.mask ?? true
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode]
  const m = mask ? 0x80 : 0
  let ext = Buffer.alloc(0)
  if (len < 126n) head.push(m | Number(len))
  else if (len < 65536n) {
    head.push(m | 126)
    ext = Buffer.alloc(2)
    ext.writeUInt16BE(Number(len))
  } else {
    head.push(m | 127)
    ext = Buffer.alloc(8)
    ext.writeBigUInt64BE(len)
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, body])
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78])
  const masked = Buffer.from(body.map((b, i) => b ^ key[i % 4]))
  return Buffer.concat([Buffer.from(head), ext, key, masked])
}
