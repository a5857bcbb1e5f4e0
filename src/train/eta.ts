/**
 * Time left, from an exponentially weighted average of the seconds each recent unit (batch, image) took rather than
 * from the whole elapsed time: a slow first step (compilation, a cold cache) is forgotten within a hundred steps
 * instead of inflating the estimate for the whole epoch. Between two reports the estimate counts down with the
 * clock, so a display redrawn on a timer does not stand still during a long step. Times are passed in (seconds on
 * any monotonic clock), which keeps it testable without waiting.
 */
export class Eta {
  /** The weight of the newest step: about the last twenty steps count (a busy machine's jitter is averaged out). */
  static readonly WEIGHT = 0.1;
  private perUnit: number | undefined;
  private lastDone: number;
  private lastTime: number;

  constructor(
    private readonly total: number,
    start: number,
    done = 0,
  ) {
    this.lastDone = done;
    this.lastTime = start;
  }

  /** `done` units are finished at time `now`. */
  observe(done: number, now: number): void {
    const units = done - this.lastDone;
    if (units <= 0) return;
    const rate = Math.max(0, now - this.lastTime) / units;
    this.perUnit = this.perUnit === undefined ? rate : this.perUnit + Eta.WEIGHT * (rate - this.perUnit);
    this.lastDone = done;
    this.lastTime = now;
  }

  /** Seconds left at time `now`; undefined until a step has been timed. */
  seconds(now: number): number | undefined {
    if (this.perUnit === undefined) return undefined;
    const left = this.perUnit * Math.max(0, this.total - this.lastDone);
    return Math.max(0, left - Math.max(0, now - this.lastTime));
  }
}
