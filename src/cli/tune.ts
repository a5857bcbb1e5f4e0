import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { lockFolder } from '../io/folder-lock.js';
import { type TrainConfig, validateConfig } from '../train/config.js';
import { loadRecipe, resolveConfig } from '../train/recipe.js';
import { rungEpochs } from '../tune/asha.js';
import { formatDuration, parseDuration } from '../tune/duration.js';
import { bestRecipe, objectiveText, pct, trialsCsv, trialsMarkdown } from '../tune/outputs.js';
import { id, params, stepLine } from '../tune/progress-line.js';
import { runSearch } from '../tune/search.js';
import { defaultSpace, fixSettings, limitT, parseSpaceText, type SearchSpace } from '../tune/space.js';
import { bestTrial, latest, newState, type TuneSettings, type TuneState } from '../tune/state.js';
import { readTuneState, STATE_FILE, statePath, writeTuneState } from '../tune/state-file.js';
import { runTrialStep } from '../tune/trial.js';
import { type CommandRun, TUNE_EXTRAS } from './command-options.js';
import { parseOptions } from './options.js';
import { settingsFromFlags } from './train.js';

const OUTPUTS = [STATE_FILE, 'best-recipe.json', 'trials.md', 'trials.csv'];
/** What `--resume` may change: limits and where the work runs, nothing that decides a result. */
const RESUMABLE = new Set(['out', 'resume', 'budget', 'trials', 'quiet', 'backend', 'threads', 'dataDir']);

/** `spikerep tune --out DIR (--trials N | --budget 30m)`: a successive-halving search over training settings. */
export async function run({ values, io }: CommandRun): Promise<void> {
  const o = parseOptions(TUNE_EXTRAS, pick(values, TUNE_EXTRAS));
  if (o.resume && o.overwrite) {
    throw new SpikerepError(
      'E_ARG',
      '`overwrite` and `resume` exclude each other: continue the search, or replace it',
      'overwrite',
    );
  }
  const budgetSeconds = o.budget === undefined ? null : parseDuration(o.budget, 'budget');
  const state = o.resume ? resumedState(o.out, values, budgetSeconds, o.trials) : freshState(o, values, budgetSeconds);
  mkdirSync(o.out, { recursive: true });
  const lock = lockFolder(o.out, 'out');
  try {
    if (!o.resume) claimFolder(o.out, o.overwrite);
    save(o.out, state);
    if (!o.quiet) io.out(`${headerLine(state, o.resume)}\n`);
    const final = await runSearch(state, {
      runStep: (req) => runTrialStep(state.settings.base, o.out, req),
      save: (s) => save(o.out, s),
      onStep: (s, t) => {
        if (!o.quiet) io.out(`${stepLine(s, t)}\n`);
      },
    });
    if (!o.quiet) io.out(writtenLines(o.out, final));
    io.out(`${finalLine(final, o.out)}\n`);
  } finally {
    lock.release();
  }
}

function freshState(
  o: ReturnType<typeof parseOptions<typeof TUNE_EXTRAS>>,
  values: Record<string, unknown>,
  budgetSeconds: number | null,
): TuneState {
  if (budgetSeconds === null && o.trials === undefined) {
    throw new SpikerepError('E_ARG', 'give a limit: --trials N, --budget TIME (e.g. 30m), or both', 'budget');
  }
  const given = settingsFromFlags(values, o.full);
  const base = validateConfig(resolveConfig(o.recipe === undefined ? undefined : loadRecipe(o.recipe), given));
  if (o.minEpochs > base.epochs) {
    throw new SpikerepError(
      'E_ARG',
      `must be ≤ the trials' full length (epochs ${base.epochs}; set it with --epochs), got ${o.minEpochs}`,
      'minEpochs',
    );
  }
  let space: SearchSpace = defaultSpace(base.neuron);
  if (o.space !== undefined) space = parseSpaceText(readText(o.space, 'space'), space, o.space);
  space = limitT(fixSettings(space, given), o.maxT);
  const settings: TuneSettings = {
    base,
    space,
    eta: o.eta,
    rungs: rungEpochs(o.minEpochs, base.epochs, o.eta),
    seed: base.seed,
    maxTrials: o.trials ?? null,
    budgetSeconds,
    objective: {
      name: o.objective,
      maxT: o.maxT ?? null,
      maxEnergyJoules: o.maxEnergy === undefined ? null : o.maxEnergy * 1e-6,
    },
    recipe: o.recipe ?? null,
  };
  return newState(settings);
}

function resumedState(
  out: string,
  values: Record<string, unknown>,
  budgetSeconds: number | null,
  trials: number | undefined,
): TuneState {
  const fixed = Object.keys(values).find((k) => !RESUMABLE.has(k));
  if (fixed !== undefined) {
    throw new SpikerepError(
      'E_ARG',
      'cannot change when continuing a search (its settings are in tune.json): start a new one with --overwrite',
      fixed,
    );
  }
  const path = join(out, STATE_FILE);
  if (!existsSync(path)) {
    throw new SpikerepError(
      'E_ARG',
      `${out} holds no search to continue (no ${STATE_FILE}): drop --resume to start one`,
      'out',
    );
  }
  const s = readTuneState(path);
  const base: TrainConfig = { ...s.settings.base };
  for (const k of ['backend', 'threads', 'dataDir'] as const) {
    if (k in values) (base as Record<string, unknown>)[k] = values[k];
  }
  validateConfig(base);
  return {
    ...s,
    settings: {
      ...s.settings,
      base,
      budgetSeconds: budgetSeconds ?? s.settings.budgetSeconds,
      maxTrials: trials ?? s.settings.maxTrials,
    },
    stopped: null,
  };
}

/** A folder holds one search: a new one refuses a folder with a tune.json unless `overwrite` clears it. */
function claimFolder(out: string, overwrite: boolean): void {
  if (!existsSync(join(out, STATE_FILE))) return;
  if (!overwrite) {
    throw new SpikerepError(
      'E_ARG',
      `${out} already holds a search (${STATE_FILE}): add --resume to continue it or --overwrite to replace it, or choose another folder`,
      'out',
    );
  }
  for (const name of readdirSync(out)) {
    const p = join(out, name);
    if (/^trial-\d+$/.test(name) && statSync(p).isDirectory()) rmSync(p, { recursive: true, force: true });
    else if (OUTPUTS.includes(name)) rmSync(p, { force: true });
  }
}

function save(out: string, s: TuneState): void {
  writeTuneState(statePath(out), s);
  if (s.trials.length === 0) return;
  const recipe = bestRecipe(s);
  if (recipe !== undefined) {
    writeFileAtomic(join(out, 'best-recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`, { what: 'the recipe' });
  }
  writeFileAtomic(join(out, 'trials.md'), trialsMarkdown(s), { what: 'the trial table' });
  writeFileAtomic(join(out, 'trials.csv'), trialsCsv(s), { what: 'the trial table' });
}

/** What the search will do: the base run, rungs, limits, objective; on resume, how far it got. */
function headerLine(s: TuneState, resumed: boolean): string {
  const { base, rungs, eta, maxTrials, budgetSeconds } = s.settings;
  const limits = [
    maxTrials === null ? '' : `${maxTrials} trials`,
    budgetSeconds === null ? '' : `${formatDuration(budgetSeconds)} budget`,
  ].filter((x) => x !== '');
  const head = `tune ${base.dataset} ${base.model} ${base.neuron} | rungs ${rungs.join(',')} epochs, η ${eta} | ${limits.join(', ')}`;
  return resumed
    ? `${head} | resumed: ${s.trials.length} trials, ${formatDuration(s.elapsedSeconds)} spent`
    : `${head} | ${objectiveText(s)}`;
}

/** One line per file the search keeps in its folder, and where the trials' checkpoints are. */
function writtenLines(out: string, s: TuneState): string {
  const files = OUTPUTS.filter((f) => existsSync(join(out, f))).map((f) => `wrote ${join(out, f)}\n`);
  const trials = s.trials.length === 0 ? '' : `wrote ${join(out, 'trial-NNN')}/: each trial's checkpoints\n`;
  return files.join('') + trials;
}

function finalLine(s: TuneState, out: string): string {
  const best = bestTrial(s);
  const why = s.stopped === 'budget' ? 'budget spent' : 'complete';
  const spent = `${s.trials.length} trials, ${formatDuration(s.elapsedSeconds)} (${why})`;
  if (best === undefined) return `no trial finished a step | ${spent}`;
  const m = latest(best);
  return (
    `best trial ${id(best.id)}: val ${pct(m.valAccuracy)} after ${m.epochs} epochs | ${params(best.params)} | ` +
    `${spent} | ${join(out, 'best-recipe.json')}`
  );
}

function readText(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpikerepError('E_IO', `cannot read ${path} (${(e as NodeJS.ErrnoException).code})`, setting);
  }
}

function pick(values: Record<string, unknown>, fields: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => Object.hasOwn(fields, k)));
}
