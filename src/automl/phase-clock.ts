/** Seconds spent in each phase of a run, measured from one start: what run.json reports. */
export class PhaseClock {
  #last: number;
  readonly #seconds: Record<string, number> = {};

  constructor(startedAt: number) {
    this.#last = startedAt;
  }

  /** Ends the phase running since the last call (or the start). */
  end(phase: string): this {
    const now = Date.now();
    this.#seconds[phase] = Number(((now - this.#last) / 1000).toFixed(3));
    this.#last = now;
    return this;
  }

  record(): Readonly<Record<string, number>> {
    return { ...this.#seconds };
  }
}
