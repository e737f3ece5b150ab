/**
 * Page sizes for an export's synchronous steps, set by how long the last step took (issue 14): each step reads a
 * page, builds its records and encodes them without yielding, so a page of a fixed row count is a stall that grows
 * with the rows' size and the machine's load (500 gold items took 10 ms on a quiet machine and 280 ms on a busy
 * one). Each step is timed and the next page is sized to take about `targetMs`, growing at most twofold a step
 * (the first pages run before the JIT has warmed up) and shrinking at once. 5 ms, not 10: a step's page can meet a
 * garbage collection or the machine's other work, and at 10 ms the 9M-label exports stalled 67–194 ms (39–71 at 5).
 */
export class Pace {
  private last: number;

  constructor(
    private readonly targetMs = 5,
    private size = 64,
    private readonly min = 8,
    private readonly max = 8192,
  ) {
    this.last = size;
  }

  /** The number of rows to read for the next step. */
  next(): number {
    this.last = this.size;
    return this.size;
  }

  /** The step that read the last `next()` rows took `ms` of synchronous work. */
  took(ms: number): void {
    const fit = (this.last * this.targetMs) / Math.max(ms, 0.05);
    this.size = Math.round(Math.min(this.max, Math.max(this.min, Math.min(fit, this.last * 2))));
  }
}
