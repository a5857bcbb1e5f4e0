/**
 * Asynchronous successive halving (ASHA), run one trial step at a time. Rung k trains a trial to
 * minEpochs·η^k epochs (the last rung: the full length); whenever a trial ranks in the top 1/η of the trials that
 * finished a rung, it may be promoted to the next one. The next job is always the highest promotion available, else a
 * new trial. Pure: the caller owns the trials, their scores and any I/O.
 */

/** A trial as the scheduler sees it: its score (higher is better) at each rung it finished, in rung order. */
export interface RungScores {
  readonly id: number;
  readonly scores: readonly number[];
}

export type Job =
  | { readonly kind: 'start' }
  | { readonly kind: 'promote'; readonly trial: number; readonly rung: number };

/**
 * The epoch count of each rung: minEpochs·η^k below maxEpochs, then maxEpochs itself (the length every trial's
 * learning-rate schedule is set for).
 */
export function rungEpochs(minEpochs: number, maxEpochs: number, eta: number): number[] {
  if (!(Number.isInteger(minEpochs) && minEpochs >= 1)) throw new RangeError(`minEpochs must be an integer ≥ 1`);
  if (!(Number.isInteger(maxEpochs) && maxEpochs >= minEpochs)) throw new RangeError(`maxEpochs must be ≥ minEpochs`);
  if (!(eta >= 2)) throw new RangeError('eta must be ≥ 2');
  const out: number[] = [];
  for (let e = minEpochs; e < maxEpochs; e *= eta) out.push(Math.round(e));
  out.push(maxEpochs);
  return out;
}

/** Trials that finished rung `rung`, best first; ties go to the earlier trial, so the order is deterministic. */
export function ranked(trials: readonly RungScores[], rung: number): RungScores[] {
  return trials.filter((t) => t.scores.length > rung).sort((a, b) => b.scores[rung]! - a.scores[rung]! || a.id - b.id);
}

/**
 * What to run next: the best not-yet-promoted trial in the top ⌊n/η⌋ of the highest rung that has one, else a new
 * trial when `canStart`, else nothing (the search is over).
 */
export function nextJob(trials: readonly RungScores[], rungs: number, eta: number, canStart: boolean): Job | null {
  for (let k = rungs - 2; k >= 0; k--) {
    const done = ranked(trials, k);
    const top = done.slice(0, Math.floor(done.length / eta));
    const waiting = top.find((t) => t.scores.length === k + 1);
    if (waiting !== undefined) return { kind: 'promote', trial: waiting.id, rung: k + 1 };
  }
  return canStart ? { kind: 'start' } : null;
}
