/**
 * The whole search as one JSON value (`tune.json`): its settings, every trial's settings and the results of each
 * rung it finished, and the time spent. Trial settings come from per-trial seeds (space.ts), so this is all a
 * search needs to continue exactly where it was saved.
 */
import type { TrainConfig } from '../train/config.js';
import { type Job, nextJob, type RungScores } from './asha.js';
import { type Measured, type Objective, score } from './objective.js';
import type { SearchSpace, TrialParams } from './space.js';

export interface TrialStep extends Measured {
  readonly rung: number;
  /** Epochs trained when the step ended (the rung's epoch count). */
  readonly epochs: number;
  /** Validation accuracy after each epoch of this step. */
  readonly epochValAccuracy: readonly number[];
  readonly seconds: number;
}

export interface TrialRecord {
  readonly id: number;
  readonly params: TrialParams;
  readonly steps: readonly TrialStep[];
}

export interface TuneSettings {
  /** The config every trial starts from; its `epochs` is the top rung, the length each schedule is set for. */
  readonly base: TrainConfig;
  readonly space: SearchSpace;
  readonly eta: number;
  readonly rungs: readonly number[];
  readonly seed: number;
  readonly maxTrials: number | null;
  readonly budgetSeconds: number | null;
  readonly objective: Objective;
  /** The recipe the base config came from, for the winning recipe's description. */
  readonly recipe: string | null;
}

export type StopReason = 'budget' | 'complete';

export interface TuneState {
  readonly kind: 'spikerep-tune';
  readonly version: 1;
  readonly settings: TuneSettings;
  readonly trials: readonly TrialRecord[];
  /** Seconds spent in finished trial steps (a step cut off by a kill is not counted). */
  readonly elapsedSeconds: number;
  readonly stopped: StopReason | null;
  /** The Pareto front over (validation accuracy, T, energy) of each trial's latest step: trial ids. */
  readonly pareto: readonly number[];
}

export function newState(settings: TuneSettings): TuneState {
  return { kind: 'spikerep-tune', version: 1, settings, trials: [], elapsedSeconds: 0, stopped: null, pareto: [] };
}

export function latest(t: TrialRecord): TrialStep {
  return t.steps[t.steps.length - 1]!;
}

export function rungScores(s: TuneState): RungScores[] {
  return s.trials.map((t) => ({ id: t.id, scores: t.steps.map((m) => score(s.settings.objective, m)) }));
}

/**
 * The best trial: the one trained furthest (the most reliable estimate), then by its latest score. Undefined
 * before any step finished.
 */
export function bestTrial(s: TuneState): TrialRecord | undefined {
  const o = s.settings.objective;
  return [...s.trials].sort(
    (a, b) => b.steps.length - a.steps.length || score(o, latest(b)) - score(o, latest(a)) || a.id - b.id,
  )[0];
}

/** What runs next, or why nothing does. */
export function plan(s: TuneState): Job | StopReason {
  const { settings } = s;
  if (settings.budgetSeconds !== null && s.elapsedSeconds >= settings.budgetSeconds) return 'budget';
  const canStart = settings.maxTrials === null || s.trials.length < settings.maxTrials;
  return nextJob(rungScores(s), settings.rungs.length, settings.eta, canStart) ?? 'complete';
}
