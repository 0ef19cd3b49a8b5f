// Pause, resume and stop of a training run, between steps; one for the CPU trainer and the GPU one.
// A pause has two moments: asked (the button) and halted (no step in flight). `pause()` resolves true at
// the second, or false when a resume, a stop or the run's end comes first, so that "paused" is only ever
// reported once nothing more will be reported.
export class RunControl {
  private paused: { promise: Promise<void>; resume: () => void; halted: Promise<boolean>; halt: (h: boolean) => void } | null = null
  private stopping = false

  /** Whether a pause has been asked and not yet lifted (the trainer may settle its state before halting). */
  get pauseAsked(): boolean {
    return this.paused !== null
  }

  /** Whether a stop has been asked (the trainer sends no further step). */
  get stopAsked(): boolean {
    return this.stopping
  }

  /** Between steps: waits out a pause; true when the run is to stop. */
  async betweenSteps(): Promise<boolean> {
    const p = this.paused
    if (p) {
      p.halt(true)
      await p.promise
    }
    return this.stopping
  }

  pause(): Promise<boolean> {
    if (this.paused) return this.paused.halted
    let resume!: () => void, halt!: (h: boolean) => void
    const promise = new Promise<void>((r) => (resume = r))
    const halted = new Promise<boolean>((r) => (halt = r))
    this.paused = { promise, resume, halted, halt }
    return halted
  }

  resume(): void {
    const p = this.paused
    this.paused = null
    p?.halt(false)
    p?.resume()
  }

  stop(): void {
    this.stopping = true
    this.resume()
  }

  /** The run ended before a pause could take effect. */
  ended(): void {
    this.paused?.halt(false)
  }
}
