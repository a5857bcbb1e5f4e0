/**
 * Axis ranges fitted to the data with round ticks: steps of 1, 2 or 5 × 10^k, the range widened to whole steps,
 * so 98–99.5 % reads 97.5–100 % in steps of 0.5 rather than 0–100 % in steps of 25 or 98.0–99.5 in odd fifths.
 */

export interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

export interface AxisOptions {
  /** At most this many ticks (default 6). */
  readonly maxTicks?: number;
  /** The axis never goes beyond these (e.g. [0, 100] for a percentage). */
  readonly bounds?: readonly [number, number];
  /** Only whole-number ticks (epochs, time steps). */
  readonly integer?: boolean;
  /** Include zero in the range (bars, counts). */
  readonly zero?: boolean;
  /** Widen the data range by this fraction of its span on each side before rounding (default 0.05). */
  readonly pad?: number;
  /** The data range is widened about its middle to at least this span (e.g. 2 percentage points for accuracy). */
  readonly minSpan?: number;
}

/** The smallest step of 1, 2 or 5 × 10^k that is at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  // a relative slack: 0.3 / 0.1 is 2.9999999999999996, which must not round up to the next step
  for (const m of [1, 2, 5, 10]) if (f <= m * (1 + 1e-9)) return m * p;
  return 10 * p;
}

/** An axis covering [min, max] of the data with at most `maxTicks` round ticks. */
export function niceAxis(values: readonly number[], o: AxisOptions = {}): Axis {
  const maxTicks = Math.max(2, o.maxTicks ?? 6);
  const finite = values.filter(Number.isFinite);
  let min = finite.length > 0 ? Math.min(...finite) : 0;
  let max = finite.length > 0 ? Math.max(...finite) : 1;
  if (o.zero === true) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }
  if (o.minSpan !== undefined && max - min < o.minSpan) {
    const mid = (min + max) / 2;
    [min, max] = [mid - o.minSpan / 2, mid + o.minSpan / 2];
    // kept inside the bounds by shifting, so 99.5–100 % still spans the asked width below 100
    if (o.bounds !== undefined && max > o.bounds[1]) [min, max] = [min - (max - o.bounds[1]), o.bounds[1]];
    if (o.bounds !== undefined && min < o.bounds[0]) [min, max] = [o.bounds[0], max + (o.bounds[0] - min)];
  }
  const padFraction = o.pad ?? 0.05;
  let span = max - min;
  if (span === 0) span = Math.abs(max) * 0.1 || 1;
  // zero stays the edge of an axis that includes it; the bounds clip the padding
  if (!(o.zero === true && min === 0)) min -= span * padFraction;
  if (!(o.zero === true && max === 0)) max += span * padFraction;
  if (max - min === 0) max = min + 1;
  if (o.bounds !== undefined) {
    min = Math.max(min, o.bounds[0]);
    max = Math.min(max, o.bounds[1]);
  }
  let step = niceStep((max - min) / (maxTicks - 1));
  if (o.integer === true) step = Math.max(1, step);
  // the rounded-out range may need more ticks than allowed: take the next step until it fits
  for (;;) {
    const lo = Math.floor(min / step + 1e-9) * step;
    const hi = Math.ceil(max / step - 1e-9) * step;
    const n = Math.round((hi - lo) / step) + 1;
    if (n <= maxTicks) {
      const ticks = Array.from({ length: n }, (_, i) => roundTo(lo + i * step, step));
      return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, step, ticks };
    }
    step = niceStep(step * 1.5);
  }
}

/** Removes float noise from a tick (0.30000000000000004 → 0.3) given its step. */
function roundTo(v: number, step: number): number {
  const d = decimalsOf(step);
  return Number(v.toFixed(Math.min(d + 1, 20)));
}

/** Decimals a tick label needs for this step: 0.5 → 1, 0.02 → 2, 5 → 0. */
export function decimalsOf(step: number): number {
  if (!(step > 0)) return 0;
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** A tick as the axis prints it: the step's decimals, large and tiny values in powers of ten. */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || step < 1e-4) return Number(v.toPrecision(3)).toExponential();
  return v.toFixed(decimalsOf(step));
}
