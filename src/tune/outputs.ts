/**
 * What a search leaves besides tune.json: the winning settings as a recipe (`spikerep train --recipe FILE`), and
 * the table of trials as Markdown and CSV. Pure: the caller writes the strings.
 */
import type { TrainConfig } from '../train/config.js';
import { withinBudget } from './objective.js';
import { withParams } from './space.js';
import { bestTrial, latest, type TrialRecord, type TuneState } from './state.js';

/** Settings that belong to a machine or to one run's files, not to a recipe. */
const NOT_IN_RECIPE: readonly (keyof TrainConfig)[] = [
  'checkpointDir',
  'resume',
  'overwrite',
  'backend',
  'threads',
  'dataDir',
  'download',
];

export interface TunedRecipe {
  description: string;
  config: Record<string, unknown>;
  tuned: { trial: number; valAccuracy: number; epochs: number; trials: number; objective: string };
}

/** The best trial's settings at the full length, as a recipe; undefined before any step finished. */
export function bestRecipe(s: TuneState): TunedRecipe | undefined {
  const best = bestTrial(s);
  if (best === undefined) return undefined;
  const cfg = withParams(s.settings.base, best.params);
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (!NOT_IN_RECIPE.includes(k as keyof TrainConfig) && v !== undefined) config[k] = v;
  }
  // left out, the train limit would be the default run's 10 000 images, not the whole set
  config['trainLimit'] = cfg.trainLimit ?? null;
  const step = latest(best);
  const from = s.settings.recipe === null ? '' : ` from recipe ${s.settings.recipe}`;
  return {
    description:
      `Tuned by spikerep tune${from} on validation accuracy: ${cfg.dataset}, ${cfg.model}, ${cfg.neuron}, T = ${cfg.T}; ` +
      `trial ${best.id} of ${s.trials.length} reached ${pct(step.valAccuracy)} after ${step.epochs} of ${cfg.epochs} epochs.`,
    config,
    tuned: {
      trial: best.id,
      valAccuracy: step.valAccuracy,
      epochs: step.epochs,
      trials: s.trials.length,
      objective: objectiveText(s),
    },
  };
}

export function objectiveText(s: TuneState): string {
  const o = s.settings.objective;
  const limits = [
    o.maxT === null ? '' : `T ≤ ${o.maxT}`,
    o.maxEnergyJoules === null ? '' : `energy ≤ ${(o.maxEnergyJoules * 1e6).toPrecision(3)} µJ`,
  ].filter((x) => x !== '');
  return limits.length === 0 ? 'validation accuracy' : `validation accuracy with ${limits.join(', ')}`;
}

interface Row {
  trial: number;
  rung: number;
  epochs: number;
  optimizer: string;
  lr: number;
  weightDecay: number;
  alpha: number | '';
  vth: number | '';
  T: number;
  batchSize: number;
  valAccuracy: number;
  energyMicroJ: number;
  withinBudget: boolean;
  pareto: boolean;
  seconds: number;
}

/** One row per trial: its settings and its latest step, best first (the order bestTrial ranks in). */
export function trialRows(s: TuneState): Row[] {
  const order = rankedTrials(s);
  return order.map((t) => {
    const m = latest(t);
    return {
      trial: t.id,
      rung: m.rung,
      epochs: m.epochs,
      optimizer: t.params.optimizer,
      lr: t.params.lr,
      weightDecay: t.params.weightDecay,
      alpha: t.params.alpha ?? '',
      vth: t.params.vth ?? '',
      T: t.params.T,
      batchSize: t.params.batchSize,
      valAccuracy: m.valAccuracy,
      energyMicroJ: m.energyJoules * 1e6,
      withinBudget: withinBudget(s.settings.objective, m),
      pareto: s.pareto.includes(t.id),
      seconds: t.steps.reduce((a, x) => a + x.seconds, 0),
    };
  });
}

/** Every trial, best first. */
export function rankedTrials(s: TuneState): TrialRecord[] {
  const out: TrialRecord[] = [];
  let rest = { ...s, trials: s.trials.filter((t) => t.steps.length > 0) };
  for (let b = bestTrial(rest); b !== undefined; b = bestTrial(rest)) {
    out.push(b);
    rest = { ...rest, trials: rest.trials.filter((t) => t !== b) };
  }
  return out;
}

const COLUMNS = [
  'trial',
  'rung',
  'epochs',
  'optimizer',
  'lr',
  'weightDecay',
  'alpha',
  'vth',
  'T',
  'batchSize',
  'valAccuracy',
  'energyMicroJ',
  'withinBudget',
  'pareto',
  'seconds',
] as const;

export function trialsCsv(s: TuneState): string {
  const lines = trialRows(s).map((r) => COLUMNS.map((c) => String(r[c])).join(','));
  return `${[COLUMNS.join(','), ...lines].join('\n')}\n`;
}

/** The table of trials as people read it (markdown here, HTML in the report): a header and one row per trial. */
export const TRIAL_TABLE_HEAD = [
  'trial',
  'rung',
  'epochs',
  'optimizer',
  'lr',
  'wd',
  'α',
  'Vth',
  'T',
  'batch',
  'val acc',
  'µJ/img',
  'front',
] as const;

export function trialTableRows(s: TuneState): string[][] {
  return trialRows(s).map((r) => [
    String(r.trial).padStart(3, '0') + (r.withinBudget ? '' : ' (over budget)'),
    String(r.rung),
    String(r.epochs),
    r.optimizer,
    sig3(r.lr),
    sig3(r.weightDecay),
    r.alpha === '' ? '' : sig3(r.alpha),
    r.vth === '' ? '' : sig3(r.vth),
    String(r.T),
    String(r.batchSize),
    pct(r.valAccuracy),
    sig3(r.energyMicroJ),
    r.pareto ? '✓' : '',
  ]);
}

export function trialsMarkdown(s: TuneState): string {
  const head = TRIAL_TABLE_HEAD;
  const rows = trialTableRows(s);
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const stopped = s.stopped === null ? 'running' : s.stopped === 'budget' ? 'budget spent' : 'complete';
  return [
    `# spikerep tune: ${s.trials.length} trials (${stopped})`,
    '',
    `Objective: ${objectiveText(s)}. Rungs (epochs): ${s.settings.rungs.join(', ')}; η = ${s.settings.eta}. ` +
      `Best first: the trials trained longest, then by validation accuracy. "front": on the Pareto front of ` +
      `validation accuracy, T and energy per image.`,
    '',
    line(head),
    line(head.map(() => '---')),
    ...rows.map(line),
    '',
  ].join('\n');
}

/** Three significant digits; small values as 4.61e-5 rather than 0.0000461. */
export function sig3(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}

export function pct(a: number): string {
  return `${(100 * a).toFixed(2)}%`;
}
