/**
 * What a search maximises: validation accuracy, or validation accuracy under a T or energy budget, where every
 * trial over the budget ranks below every trial within it. Also the Pareto front over (accuracy ↑, T ↓, energy ↓).
 */

export interface Objective {
  readonly name: 'accuracy';
  /** At most this many time steps. */
  readonly maxT: number | null;
  /** At most this much estimated energy per image, in joules. */
  readonly maxEnergyJoules: number | null;
}

/** What one finished trial step measured. */
export interface Measured {
  readonly valAccuracy: number;
  readonly T: number;
  /** Estimated energy per image (train/metrics.ts), joules. */
  readonly energyJoules: number;
}

export function withinBudget(o: Objective, m: Measured): boolean {
  return (o.maxT === null || m.T <= o.maxT) && (o.maxEnergyJoules === null || m.energyJoules <= o.maxEnergyJoules);
}

/** One number to rank by, higher is better: accuracy in [0, 1], plus 1 within the budget. */
export function score(o: Objective, m: Measured): number {
  return m.valAccuracy + (withinBudget(o, m) ? 1 : 0);
}

/** a is at least as good as b everywhere and better somewhere. */
function dominates(a: Measured, b: Measured): boolean {
  const noWorse = a.valAccuracy >= b.valAccuracy && a.T <= b.T && a.energyJoules <= b.energyJoules;
  const better = a.valAccuracy > b.valAccuracy || a.T < b.T || a.energyJoules < b.energyJoules;
  return noWorse && better;
}

/** Indices of the points no other point dominates, in input order. */
export function paretoFront(points: readonly Measured[]): number[] {
  return points.flatMap((p, i) => (points.some((q) => dominates(q, p)) ? [] : [i]));
}
