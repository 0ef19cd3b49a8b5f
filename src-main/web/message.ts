// One WebSocket message of `serve`, checked before the host sees it: a JSON object with an `id` the reply
// can carry back (a number, a short string, or null) and the command and payload for `host.invoke`.
import type { RawData } from 'ws'
import { clip, type ApiError, type SocketRequest } from '../api/contract.ts'

export type MessageId = SocketRequest['id']

export type Message = { ok: true; id: MessageId; command: unknown; payload: unknown } | { ok: false; id: MessageId; error: ApiError }

const MAX_ID = 200

function bad(id: MessageId, message: string): Message {
  return { ok: false, id, error: { code: 'BAD_MESSAGE', message } }
}

export function parseMessage(data: RawData): Message {
  let msg: unknown
  try {
    msg = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'))
  } catch {
    return bad(null, 'not JSON; send {"id": 1, "command": "runs.list", "payload": {}}')
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return bad(null, `expected a JSON object {"id", "command", "payload"}, got ${msg === null ? 'null' : Array.isArray(msg) ? 'an array' : typeof msg}`)
  }
  const { id, command, payload } = msg as Record<string, unknown>
  // The id goes back into the reply as sent, so only a small, flat one is accepted.
  if (id !== undefined && id !== null && !(typeof id === 'number' && Number.isFinite(id)) && !(typeof id === 'string' && id.length <= MAX_ID)) {
    return bad(null, `"id" must be a number or a string of at most ${MAX_ID} characters${typeof id === 'string' ? ` (got ${JSON.stringify(clip(id))})` : ''}`)
  }
  return { ok: true, id: (id as MessageId | undefined) ?? null, command, payload }
}
