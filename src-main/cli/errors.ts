// Exit codes of the spec: 0 success, 1 the work ran but the answer is negative, 2 bad usage or unreadable input.
export const EXIT_OK = 0
export const EXIT_NEGATIVE = 1
export const EXIT_USAGE = 2

/** Thrown by commands for a one-line reason on stderr and the given exit code. */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number = EXIT_USAGE) {
    super(message)
    this.exitCode = exitCode
  }
}
