/**
 * Every command's options, and what a command's module receives. Command modules import this file, never
 * commands.ts (which loads them), so the lazy loading below makes no import cycle. Options are option fields
 * (train/fields.ts); `train` takes the training schema's fields as they are.
 */
import { z } from 'zod';
import { DATASET_NAMES } from '../data/names.js';
import { TARGET_NAMES } from '../export/target-names.js';
import { NOISE_INFO, NOISE_KINDS } from '../robustness/kinds.js';
import {
  BACKEND_FIELD,
  BACKEND_NAME,
  BACKEND_NAMES,
  TIME_STEPS_FLAGS,
  TRAIN_FIELDS,
  weightBitsField,
} from '../train/config.js';
import { flag, integer, oneOf, option, real, shown, text } from '../train/fields.js';
import { listRecipes } from '../train/recipe.js';
import { DEFAULT_WITHIN_PP } from '../train/smallest-t.js';
import type { CliIo } from './io.js';

/** A command as the parser, the help and the completion scripts see it (commands.ts adds how to load it). */
export interface CommandSpec {
  readonly name: string;
  readonly args?: readonly string[];
  /** The values the (first) argument may take, for checking and completion. */
  readonly argChoices?: readonly string[];
  readonly description: string;
  readonly options: Record<string, z.ZodType>;
}

/** What a command's module gets: its arguments, its options by name (converted, not yet checked), where to write. */
export interface CommandRun {
  readonly args: string[];
  readonly values: Record<string, unknown>;
  readonly io: CliIo;
  /** The whole command line after "spikerep", for result files. */
  readonly argv: readonly string[];
  /** Every command, for the one that writes completion scripts (commands.ts loads the modules, so none imports it). */
  readonly commands: readonly CommandSpec[];
}

/** How every command that reads a checkpoint names it (checkpoint-arg.ts resolves it). */
const CHECKPOINT_IN = {
  flag: '--checkpoint',
  arg: '<run|file>',
  help: 'a run folder written by train --checkpoint (its best.ckpt) or a checkpoint file',
} as const;

/** `--checkpoint` for a command that needs one, and `--last` for a run folder's other checkpoint. */
const CHECKPOINT_INPUT = {
  checkpoint: option(text(), CHECKPOINT_IN),
  last: option(flag().default(false), {
    flag: '--last',
    help: "with a run folder: its last.ckpt (the last epoch's) instead of best.ckpt",
  }),
};

/** `--json`: `what` names what the file holds. */
function jsonOption(what = 'the result') {
  return option(text().optional(), { flag: '--json', arg: '<path>', help: `write ${what} as JSON` });
}

/** `--quiet`, the same for every command that prints more than its result. */
const QUIET = option(flag().default(false), {
  flag: '--quiet',
  help: 'print only the result line: no progress, no list of the files written',
});

export const TRAIN_EXTRAS = {
  recipe: option(text().optional(), {
    flag: '--recipe',
    arg: '<name|file>',
    help: `start from a recipe (recipes/*.json: ${listRecipes().join(', ')})`,
  }),
  full: option(flag().default(false), {
    flag: '--full',
    help: "train on the whole training set (lifts a recipe's --train-limit)",
  }),
  json: jsonOption('the result (accuracy, firing rates, thresholds, synaptic ops, energy, timing)'),
  quiet: QUIET,
  report: option(text().optional(), {
    flag: '--report',
    arg: '<path>',
    help: 'also write a self-contained HTML report (raster and accuracy vs T need --checkpoint)',
  }),
  printConfig: option(flag().default(false), {
    flag: '--print-config',
    help: "print the settings the run would use (recipe, flags, the neuron kind's and model's defaults) as JSON; train nothing",
  }),
};

/** The training settings a search starts from: train's, less the checkpoint folder (each trial has its own). */
const { checkpointDir: _dir, resume: _resume, overwrite: _overwrite, ...TUNE_TRAIN_FIELDS } = TRAIN_FIELDS;

/** `tune`: the search's own options; its training settings are TUNE_TRAIN_FIELDS. */
export const TUNE_EXTRAS = {
  out: option(text(), {
    flag: '--out',
    arg: '<dir>',
    help: 'the search folder: tune.json (the state), trial-NNN/ (checkpoints), best-recipe.json, trials.md, trials.csv',
  }),
  resume: option(flag().default(false), {
    flag: '--resume',
    help: 'continue the search in <out>; only --budget, --trials, --quiet, --backend, --threads, --data-dir may change',
  }),
  overwrite: option(flag().default(false), {
    flag: '--overwrite',
    help: 'start a new search in an <out> folder that holds one, removing its trials',
  }),
  budget: option(text().optional(), {
    flag: '--budget',
    arg: '<time>',
    help: 'start no trial step once this much time is spent: 90s, 30m, 2h, 1h30m (--budget or --trials, or both)',
  }),
  trials: option(integer(1).optional(), { flag: '--trials', arg: '<n>', help: 'start at most n trials' }),
  minEpochs: option(integer(1).default(1), {
    flag: '--min-epochs',
    arg: '<n>',
    help: 'epochs of the first rung; rung k trains min·η^k epochs, the last rung --epochs (every trial’s schedule length)',
  }),
  eta: option(integer(2).default(3), {
    flag: '--eta',
    arg: '<n>',
    help: 'successive-halving factor: the top 1/η of the trials that finished a rung go on to the next',
  }),
  space: option(text().optional(), {
    flag: '--space',
    arg: '<file>',
    help: 'JSON search space replacing the defaults per setting, e.g. {"lr": {"sgd": {"min": 0.01, "max": 0.3}}, "T": [2, 4], "weightDecay": [0, 5e-4], "optimizer": "sgd"}: a range (log-uniform, "log": false for uniform), a list, or one value; settings given as flags (--lr, --T, …) are fixed',
    defaultHelp:
      'optimizer sgd|adam, lr 0.01–0.3 for sgd and 1e-4–3e-3 for adam, weight decay 1e-5–1e-3, α 0.2–1, Vth within 3× of the neuron’s, T 1|2|4|8, batch 32|64|128',
  }),
  objective: option(oneOf(['accuracy']).default('accuracy'), {
    flag: '--objective',
    arg: '<name>',
    help: 'validation accuracy; with --max-T / --max-energy, trials over the budget rank below all within it',
  }),
  maxT: option(integer(1).optional(), {
    flag: '--max-T',
    arg: '<steps>',
    help: 'time-step budget (larger T is not sampled)',
  }),
  maxEnergy: option(real('> 0').optional(), {
    flag: '--max-energy',
    arg: '<µJ>',
    help: 'energy budget per image in µJ (estimated from spikes on training images)',
  }),
  recipe: TRAIN_EXTRAS.recipe,
  full: TRAIN_EXTRAS.full,
  quiet: QUIET,
};

export const TUNE_OPTIONS = {
  ...TUNE_EXTRAS,
  ...TUNE_TRAIN_FIELDS,
  // the same setting, read as the search reads it
  epochs: option(integer(1).optional(), {
    flag: '--epochs',
    arg: '<n>',
    help: "each trial's full length: the last rung, and the length every trial's learning-rate schedule is set for",
    defaultHelp: "the recipe's, else 1",
  }),
};
const EVAL_WITHIN = option(real('≥ 0', 'tolerance').default(DEFAULT_WITHIN_PP), {
  flag: '--within',
  arg: '<pp>',
  help: 'tolerance in percentage points for the smallest T the T sweep names',
});

/** A sweep of T values as typed ("1,2,4,8", "1-16"), parsed by train/smallest-t.ts's parseTSweep. */
const tSweepHelp = 'a list (1,2,4,8) or a range (1-16); the trained T is always included';

export const EVAL_OPTIONS = {
  ...CHECKPOINT_INPUT,
  dataDir: TRAIN_FIELDS.dataDir,
  testLimit: TRAIN_FIELDS.testLimit,
  backend: BACKEND_FIELD,
  threads: TRAIN_FIELDS.threads,
  json: jsonOption('the result (accuracy, firing rates, thresholds, synaptic ops, energy)'),
  quiet: QUIET,
  T: option(integer(1).optional(), {
    ...TIME_STEPS_FLAGS,
    help: 'evaluate the same weights at this T',
    defaultHelp: 'the trained T',
  }),
  // true: the flag without a list (T = 1 … 2·T_train)
  tSweep: option(z.union([z.literal(true), text()]).optional(), {
    flag: '--t-sweep',
    arg: '[list]',
    help: `accuracy of the same weights at several T, and the smallest T within --within of the trained T's: ${tSweepHelp}; alone, T = 1 … 2·T_train`,
  }),
  within: EVAL_WITHIN,
};

/** `robustness`: a checkpoint's accuracy under each kind of noise (train/robustness.ts, docs/robustness.md). */
export const ROBUSTNESS_OPTIONS = {
  ...CHECKPOINT_INPUT,
  dataset: option(oneOf(DATASET_NAMES).optional(), {
    flag: '--dataset',
    arg: '<name>',
    help: "the test set to sweep on; its images must have the checkpoint's shape and classes",
    defaultHelp: "the checkpoint's",
  }),
  kinds: option(text().optional(), {
    flag: '--kinds',
    arg: '<list>',
    help: `the noises to sweep, comma-separated: ${NOISE_KINDS.map((k) => `${k} (${NOISE_INFO[k].levels.join(', ')})`).join(', ')}`,
    defaultHelp: 'all',
  }),
  seed: option(integer(0).default(1), {
    flag: '--seed',
    arg: '<n>',
    help: 'seed of every noise draw: the same seed gives the same numbers',
  }),
  draws: option(integer(1).default(1), {
    flag: '--draws',
    arg: '<n>',
    help: 'devices drawn per level for weight and threshold noise (one draw holds for the whole test set): the mean is reported, each draw kept in the JSON',
  }),
  dataDir: TRAIN_FIELDS.dataDir,
  testLimit: TRAIN_FIELDS.testLimit,
  backend: BACKEND_FIELD,
  threads: TRAIN_FIELDS.threads,
  json: jsonOption('the accuracy per kind and level'),
  report: option(text().optional(), {
    flag: '--report',
    arg: '<path>',
    help: 'also write a self-contained HTML page: accuracy against the level, one chart per kind',
  }),
  quiet: QUIET,
};

export const BENCH_OPTIONS = {
  quick: option(flag().default(false), {
    flag: '--quick',
    help: 'the reduced set: gemm, conv passes, lif_step, forward_density_0.1, train_mnistnet_T4 and T8_representation with their peers (a few minutes)',
  }),
  tSweep: option(flag().default(false), {
    flag: '--t-sweep',
    help: 'also sweep T = 1…32 for exact, representation (also with --time-chunk 1) and BPTT training: images/s, backward ms, peak memory',
  }),
  json: jsonOption('{ machine, results: [{ name, backend, threads, value, unit }] }'),
  backend: option(z.array(BACKEND_NAME).default(['wasm', 'reference']), {
    flag: '--backend',
    arg: '<names>',
    help: `comma-separated backends to measure, each one of ${BACKEND_NAMES.join(' | ')}`,
  }),
  threads: option(z.array(integer(1)).optional(), {
    flag: '--threads',
    arg: '<list>',
    help: 'comma-separated thread counts for the wasm backend',
    defaultHelp: '1 and the core count',
  }),
  steps: option(integer(1).optional(), {
    flag: '--steps',
    arg: '<n>',
    help: 'timed training steps per case and round, each timed; the median is reported',
    defaultHelp: '10',
  }),
  only: option(text().optional(), {
    flag: '--only',
    arg: '<prefix>',
    help: 'only the rows whose name starts with this prefix (e.g. forward_density_)',
  }),
  profile: option(flag().default(false), {
    flag: '--profile',
    help: 'instead of the benchmarks, profile one training step of --model at --T, --batch-size, --grad-mode, --neuron on each --backend × --threads: ms per layer × pass × kernel kind and GFLOP/s or GB/s against the measured ceiling (--json writes it)',
  }),
  model: TRAIN_FIELDS.model,
  neuron: TRAIN_FIELDS.neuron,
  T: TRAIN_FIELDS.T,
  batchSize: TRAIN_FIELDS.batchSize,
  gradMode: TRAIN_FIELDS.gradMode,
};

export const EXPORT_OPTIONS = {
  // optional: --format torch can start from a recipe alone
  checkpoint: option(text().optional(), CHECKPOINT_IN),
  last: CHECKPOINT_INPUT.last,
  recipe: option(text().optional(), {
    flag: '--recipe',
    arg: '<name|file>',
    help: "--format torch: the recipe the project trains with (its defaults); with --checkpoint, of the checkpoint's model, neuron and T",
  }),
  out: option(text(), {
    flag: '--out',
    arg: '<path>',
    help: 'where to write the graph (e.g. model.nir), or the folder of the PyTorch project',
  }),
  format: option(oneOf(['nir', 'torch']).default('nir'), {
    flag: '--format',
    arg: '<name>',
    help: 'nir (a NIR graph, HDF5) | torch (a standalone PyTorch project for torchrun: docs/torch-export.md)',
  }),
  dt: option(real('> 0').optional(), {
    flag: '--dt',
    arg: '<seconds>',
    help: "seconds per step for NIR's continuous-time neurons",
    defaultHelp: '1e-4, the common convention',
  }),
  // ---- export --target (hardware targets, export/target*.ts) ----
  target: option(oneOf(TARGET_NAMES).optional(), {
    flag: '--target',
    arg: '<chip>',
    help: "check the network against a chip's constraints before writing (one line per violation, exit 2), then write 8-bit integer weights with their scales and thresholds in weight steps: speck | xylo | loihi2 | generic (no limits)",
    defaultHelp: 'none: float32 weights',
  }),
  // ---- end export --target ----
};

// ---- quantize (post-training quantisation) ----
export const QUANTIZE_OPTIONS = {
  ...CHECKPOINT_INPUT,
  weightBits: option(weightBitsField().optional(), {
    flag: '--weight-bits',
    arg: '<bits>',
    help: 'quantise every conv and linear weight to symmetric 8, 4 or 2 bits (or give --target)',
  }),
  target: option(oneOf(TARGET_NAMES).optional(), {
    flag: '--target',
    arg: '<chip>',
    help: `deploy for a chip (${TARGET_NAMES.join(' | ')}): batch-norm folded, its integer weights and whole-step thresholds, so that export --target writes exactly this network`,
  }),
  quantScale: TRAIN_FIELDS.quantScale,
  calibrateBatches: option(integer(0).default(4), {
    flag: '--calibrate-batches',
    arg: '<n>',
    help: 'training batches the thresholds are recalibrated on (0 keeps the trained thresholds)',
  }),
  calibrateVth: option(real('(0, 100]', 'percentile').default(99), {
    flag: '--calibrate-vth',
    arg: '<percentile>',
    help: "each threshold is scaled by how this percentile of its layer's input current moved when the weights were quantised",
  }),
  out: option(text(), {
    flag: '--out',
    arg: '<file>',
    help: 'the quantised checkpoint to write (e.g. runs/mnist/int4.ckpt)',
  }),
  dataDir: TRAIN_FIELDS.dataDir,
  testLimit: TRAIN_FIELDS.testLimit,
  backend: BACKEND_FIELD,
  threads: TRAIN_FIELDS.threads,
  json: jsonOption(),
  quiet: QUIET,
};
// ---- end quantize ----

/** `import`'s checkpoint to compare with: optional, and `--against` is the same option under its older name. */
const IMPORT_CHECKPOINT = `also run this checkpoint and count identical predictions: ${CHECKPOINT_IN.help}`;

// ---- import-torch (weights trained by the exported PyTorch project) ----
export const IMPORT_TORCH_OPTIONS = {
  recipe: option(text(), {
    flag: '--recipe',
    arg: '<file|name>',
    help: "the exported project's recipe.json (or a spikerep recipe): the model, neuron and T the weights are for",
  }),
  out: option(text(), {
    flag: '--out',
    arg: '<run>',
    help: 'the run folder to write (best.ckpt and last.ckpt), for eval, report and export like any run',
  }),
};

export const IMPORT_OPTIONS = {
  T: option(integer(1).optional(), {
    ...TIME_STEPS_FLAGS,
    help: 'time steps',
    defaultHelp: 'the graph metadata',
  }),
  ifR: option(oneOf(['auto', 'one', 'inverse-dt']).default('auto'), {
    flag: '--if-r',
    arg: '<conv>',
    help: 'IF r means v += r·I per step (one) or v += r·dt·I (inverse-dt), or auto',
  }),
  tauUnit: option(oneOf(['auto', 'seconds', 'steps']).default('auto'), {
    flag: '--tau-unit',
    arg: '<unit>',
    help: 'LIF tau in seconds (with --dt) or in steps, or auto (= seconds)',
  }),
  dt: option(real('> 0').optional(), {
    flag: '--dt',
    arg: '<seconds>',
    help: 'seconds per step',
    defaultHelp: 'the graph metadata, else 1e-4',
  }),
  reset: option(oneOf(['auto', 'subtract', 'value']).default('auto'), {
    flag: '--reset',
    arg: '<kind>',
    help: 'subtract (DSR, Sinabs) | value (reset to v_reset, NIR) | auto (spikerep metadata, else value)',
  }),
  compare: option(oneOf(['>', '>=']).optional(), {
    flag: '--compare',
    arg: '<op>',
    help: "firing test for reset 'value': '>' (NIR) or '>='",
  }),
  dataset: option(oneOf(DATASET_NAMES).optional(), {
    flag: '--dataset',
    arg: '<name>',
    help: 'test set to run on',
    defaultHelp: 'the graph metadata',
  }),
  dataDir: TRAIN_FIELDS.dataDir,
  testLimit: TRAIN_FIELDS.testLimit,
  checkpoint: option(text().optional(), { ...CHECKPOINT_IN, help: IMPORT_CHECKPOINT }),
  against: option(text().optional(), { ...CHECKPOINT_IN, flag: '--against', help: 'the same as --checkpoint' }),
  last: CHECKPOINT_INPUT.last,
  backend: BACKEND_FIELD,
  threads: TRAIN_FIELDS.threads,
  json: jsonOption(),
  quiet: QUIET,
};

/** `run`: the NIR conventions are import's (they apply to NIR graphs only), T comes from the input. */
export const RUN_OPTIONS = {
  input: option(text(), {
    flag: '--input',
    arg: '<file.npy>',
    help: "the input per step, [T, …sample] (one sample) or [T, B, …sample], in the graph's layout (channels first: [T, B, C, H, W]); any numeric dtype",
  }),
  out: option(text(), {
    flag: '--out',
    arg: '<file.npy>',
    help: "the output layer's spikes per step (0/1), float32 [T, B, outputs] ([T, outputs] for one sample)",
  }),
  record: option(oneOf(['membrane', 'spikes', 'all']).optional(), {
    flag: '--record',
    arg: '<what>',
    help: "also write every neuron layer's membrane (before reset) or spikes per step, or both: <out>.<node>.<kind>.npy and the index <out>.traces.json",
  }),
  batchSize: option(integer(1).default(64), {
    flag: '--batch-size',
    arg: '<n>',
    help: 'samples run at once (memory grows with T × n; the numbers do not depend on it)',
  }),
  dt: IMPORT_OPTIONS.dt,
  ifR: IMPORT_OPTIONS.ifR,
  tauUnit: IMPORT_OPTIONS.tauUnit,
  reset: IMPORT_OPTIONS.reset,
  compare: IMPORT_OPTIONS.compare,
  last: option(flag().default(false), {
    flag: '--last',
    help: "with a run folder as <graph>: its last.ckpt (the last epoch's) instead of best.ckpt",
  }),
  backend: BACKEND_FIELD,
  threads: TRAIN_FIELDS.threads,
  quiet: QUIET,
};

export const REPORT_OPTIONS = {
  out: option(text(), { flag: '--out', arg: '<file>', help: 'the HTML file to write' }),
  checkpoint: option(text().optional(), {
    ...CHECKPOINT_IN,
    help: `for the raster and the T sweep: ${CHECKPOINT_IN.help}`,
    defaultHelp: "the run's own folder",
  }),
  last: CHECKPOINT_INPUT.last,
  sample: option(integer(0).optional(), {
    flag: '--sample',
    arg: '<i>',
    help: 'test sample shown in the raster',
    defaultHelp: '0',
  }),
  tSweep: option(text().optional(), {
    flag: '--t-sweep',
    arg: '<list>',
    help: `T values for accuracy against T: ${tSweepHelp}`,
    defaultHelp: '1-2T',
  }),
  within: EVAL_WITHIN,
  sweepLimit: option(integer(1).optional(), {
    flag: '--sweep-limit',
    arg: '<n>',
    help: 'test images per T in the sweep',
    defaultHelp: '200',
  }),
  dataDir: TRAIN_FIELDS.dataDir,
  backend: BACKEND_FIELD,
  quiet: QUIET,
};

/** A TCP port: 0 (any free one) to 65535. */
function portNumber(): z.ZodInt {
  const error = (iss: { input?: unknown }): string => `must be an integer in [0, 65535], got ${shown(iss.input)}`;
  return z.int({ error }).min(0, { error }).max(65535, { error });
}

export const SERVE_OPTIONS = {
  ...CHECKPOINT_INPUT,
  port: option(portNumber().default(8080), {
    flag: '--port',
    arg: '<n>',
    help: 'port on 127.0.0.1; 0 picks a free one',
  }),
  dataDir: TRAIN_FIELDS.dataDir,
};

/** What `spikerep list` lists. */
export const LIST_GROUPS = ['datasets', 'models', 'recipes', 'neurons'] as const;

/** The shells `spikerep completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
