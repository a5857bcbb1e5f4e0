/**
 * The search loop: ask the scheduler for a job, run that trial step, record it, save. No file or training code
 * here: the step runner and `save` are given, so tests drive the loop with a synthetic objective.
 */
import { Rng } from '../rng.js';
import { type Measured, paretoFront } from './objective.js';
import { sampleParams, type TrialParams, trialSeed } from './space.js';
import { latest, plan, type TrialRecord, type TrialStep, type TuneState } from './state.js';

export interface StepRequest {
  readonly trial: number;
  readonly params: TrialParams;
  readonly rung: number;
  /** Train until this many epochs are done. */
  readonly epochs: number;
  /** Epochs the trial finished before (its previous rung), 0 for a new trial. */
  readonly from: number;
}

/** A step's measurements; `epochValAccuracy` holds one value per epoch trained in the step. */
export type StepOutcome = Omit<TrialStep, 'rung' | 'epochs' | 'seconds'>;

export interface SearchHooks {
  /** Runs one step (train the trial from `from` to `epochs` epochs). */
  runStep(req: StepRequest): Promise<StepOutcome>;
  /** Called with the state after every step and at the end; must keep it (tune.json). */
  save(state: TuneState): void;
  onStep?(state: TuneState, trial: TrialRecord): void;
  /** Seconds on a monotonic clock. */
  now?(): number;
}

/** Runs steps until the budget is spent or no job is left; returns the final (saved) state. */
export async function runSearch(start: TuneState, hooks: SearchHooks): Promise<TuneState> {
  const now = hooks.now ?? (() => performance.now() / 1000);
  let state = start;
  for (;;) {
    const job = plan(state);
    if (typeof job === 'string') {
      state = { ...state, stopped: job };
      hooks.save(state);
      return state;
    }
    const { settings } = state;
    const trial: TrialRecord =
      job.kind === 'start'
        ? {
            id: state.trials.length,
            params: sampleParams(settings.space, new Rng(trialSeed(settings.seed, state.trials.length))),
            steps: [],
          }
        : state.trials[job.trial]!;
    const rung = job.kind === 'start' ? 0 : job.rung;
    const epochs = settings.rungs[rung]!;
    const from = rung === 0 ? 0 : settings.rungs[rung - 1]!;
    const t0 = now();
    const outcome = await hooks.runStep({ trial: trial.id, params: trial.params, rung, epochs, from });
    const seconds = now() - t0;
    const updated: TrialRecord = { ...trial, steps: [...trial.steps, { ...outcome, rung, epochs, seconds }] };
    const trials = [...state.trials];
    trials[trial.id] = updated;
    state = { ...state, trials, elapsedSeconds: state.elapsedSeconds + seconds, pareto: front(trials) };
    hooks.save(state);
    hooks.onStep?.(state, updated);
  }
}

function front(trials: readonly TrialRecord[]): number[] {
  const points: Measured[] = trials.map(latest);
  return paretoFront(points).map((i) => trials[i]!.id);
}
