/**
 * The spread of separately timed steps: median (the figure a row reports) and quartiles, linearly interpolated between
 * order statistics (numpy's default, and bench/torch_dsr.py's), so ours and the peer's are summarised alike.
 */

export interface StepStats {
  /** Seconds per step. */
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  /** How many timed steps. */
  steps: number;
}

export function stepStats(seconds: readonly number[]): StepStats {
  if (seconds.length === 0) throw new Error('stepStats: no timed steps');
  const v = [...seconds].sort((a, b) => a - b);
  const at = (q: number): number => {
    const pos = q * (v.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, v.length - 1);
    return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
  };
  return { min: v[0]!, q1: at(0.25), median: at(0.5), q3: at(0.75), max: v[v.length - 1]!, steps: v.length };
}

/** "median 0.110 s/step (min 0.099, q1 0.102, q3 0.174, max 0.219; 10 steps)": the spread in a row's note. */
export function formatSpread(s: StepStats): string {
  const f = (x: number): string => x.toPrecision(3);
  return `median ${f(s.median)} s/step (min ${f(s.min)}, q1 ${f(s.q1)}, q3 ${f(s.q3)}, max ${f(s.max)}; ${s.steps} steps)`;
}
