// Types of electron-binary.mjs (a plain script `npm start` runs with node, before any build), for its test.
export const OFFLINE: string
export function electronPackage(from?: string): string | null
export function binaryInstalled(dir: string, env?: Record<string, string | undefined>): boolean
export function electronUnavailable(dir?: string | null, timeoutMs?: number): string | null
