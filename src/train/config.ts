/**
 * The training configuration, written once: each setting's type, default, range, command-line flag and help line
 * are one field of TRAIN_FIELDS. The TypeScript type, DEFAULT_CONFIG, validateConfig, recipe parsing (recipe.ts)
 * and the CLI's `train` options are derived from it. Errors name the setting ("lr: …"); the CLI maps that to its flag.
 */

import { z } from 'zod';
import { DATASET_NAMES } from '../data/names.js';
import { SpikerepError } from '../errors.js';
import type { BackendName } from '../kernels/kernels.js';
import { DEFAULT_DROPOUT, MODEL_INPUT, MODEL_NAMES } from '../models/names.js';
import { NEURON_CHOICES, type NeuronChoice, type NeuronOverrides, neuronSpec } from '../models/neurons.js';
import { GRAD_MODES, type GradMode } from '../nn/grad-mode.js';
import { QUANT_SCALES, WEIGHT_BITS, type WeightBits, type WeightQuant } from '../nn/quant.js';
import { READOUT_KINDS } from '../nn/readout.js';
import { noiseSettingProblem, TRAIN_NOISE_KINDS } from '../robustness/kinds.js';
import { parseSignalEncoder, SIGNAL_ENCODERS } from '../signal/encode.js';
import type { NeuronConfig } from '../snn/config.js';
import { flag, integer, issueError, oneOf, option, optionMeta, real, shown, text, withoutDefaults } from './fields.js';

export const ENCODERS = ['direct', 'rate', 'latency'] as const;
export const GRAD_MODE_CHOICES = ['auto', ...GRAD_MODES] as const;
/** The percentile a run calibrates its thresholds at when nothing else sets them (the first command's). */
export const DEFAULT_CALIBRATION = 95;
export type EncoderName = (typeof ENCODERS)[number];
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const SCHEDULES = ['cosine', 'cosine-step'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];

/**
 * What `--neuron` offers, one line per kind. A new neuron kind is one entry here (TypeScript asks for it once the
 * kind is in NEURON_CHOICES); its defaults come from neuronSpec.
 */
export const NEURON_SUMMARY: Readonly<Record<NeuronChoice, string>> = {
  if: 'DSR integrate-and-fire',
  lif: 'DSR leaky integrate-and-fire',
  cubalif: 'DSR current-based LIF: a synaptic current (its own τ_syn) feeds the membrane',
  bptt: 'surrogate-gradient BPTT baseline, LIF dynamics',
  ann: 'the ANN of the same shape, clamp(x, 0, Vth), T = 1',
  relu: 'the ReLU ANN of the same shape, T = 1: what hybrid training pre-trains',
};

/** The settings a neuron kind gives defaults for: unset (undefined), each kind's own value applies. */
export const NEURON_SETTINGS = ['vth', 'alpha', 'tau', 'dt', 'vthBound', 'vthGradScale', 'tauSyn'] as const;
export type NeuronSetting = (typeof NEURON_SETTINGS)[number];

/** "if/ann 6, lif/bptt 0.3": a neuron setting's default for every kind that has it. */
function perNeuronDefault(setting: NeuronSetting): string {
  const byValue = new Map<number, string[]>();
  for (const kind of NEURON_CHOICES) {
    const v = (neuronSpec(kind).config as unknown as Record<string, number | undefined>)[setting];
    if (v !== undefined) byValue.set(v, [...(byValue.get(v) ?? []), kind]);
  }
  const [only] = byValue;
  if (byValue.size === 1 && only![1].length === NEURON_CHOICES.length) return String(only![0]);
  return [...byValue].map(([v, kinds]) => `${kinds.join('/')} ${v}`).join(', ');
}

const neuronHelp = NEURON_CHOICES.map((k) => `${k} (${NEURON_SUMMARY[k]})`).join(' | ');
const dropoutHelp = MODEL_NAMES.map((m) => `${m} ${DEFAULT_DROPOUT[m]}`).join(', ');

/**
 * The backends by name, as kernels/backend.ts makes them; listed here so that naming one loads none
 * (test/unit/train.config.test.ts checks that both lists agree).
 */
export const BACKEND_NAMES = [
  'reference',
  'wasm',
  'native',
  'webgpu',
  'auto',
] as const satisfies readonly BackendName[];

export const BACKEND_NAME = oneOf(BACKEND_NAMES);

/** `--backend`, the same for every command that runs kernels. */
export const BACKEND_FIELD = option(BACKEND_NAME.default('wasm'), {
  flag: '--backend',
  arg: '<name>',
  help: 'reference (plain TypeScript) | wasm (SIMD on worker threads) | native (OpenBLAS + oneDNN addon, npm run build:native) | webgpu (the GPU through WebGPU; in Node needs npm install webgpu) | auto (a hardware GPU, else native when built, else wasm)',
});

/** How every command spells a number of time steps: `--T`, `-T` or `--timesteps`. */
export const TIME_STEPS_FLAGS = { flag: '--T', short: '-T', aliases: ['--timesteps'], arg: '<steps>' } as const;

export const TRAIN_FIELDS = {
  dataset: option(oneOf(DATASET_NAMES).default('mnist'), {
    flag: '--dataset',
    arg: '<name>',
    help: DATASET_NAMES.join(' | '),
  }),
  dataDir: option(text().optional(), {
    flag: '--data-dir',
    arg: '<dir>',
    help: 'folder with the dataset files, instead of the default place',
  }),
  /** Fetch CIFAR / CIFAR10-DVS / SHD / SSC files into the cache when they are missing. */
  download: option(flag().default(false), {
    flag: '--download',
    help: "fetch CIFAR / CIFAR10-DVS archives (SHA-256 checked) or SHD / SSC files (MD5 from the authors' list) into the cache when missing",
  }),
  model: option(oneOf(MODEL_NAMES).default('mnistnet'), {
    flag: '--model',
    arg: '<name>',
    help: MODEL_NAMES.join(' | '),
  }),
  neuron: option(oneOf(NEURON_CHOICES).default('if'), { flag: '--neuron', arg: '<kind>', help: neuronHelp }),
  T: option(integer(1).default(4), { ...TIME_STEPS_FLAGS, help: 'time steps' }),
  epochs: option(integer(1).default(2), { flag: '--epochs', arg: '<n>', help: 'training epochs' }),
  batchSize: option(integer(1).default(64), { flag: '--batch-size', arg: '<n>', help: 'training batch size' }),
  testBatchSize: option(integer(1).default(256), {
    flag: '--test-batch-size',
    arg: '<n>',
    help: 'evaluation batch size',
  }),
  lr: option(real('> 0', 'learning rate').default(0.2), {
    flag: '--lr',
    arg: '<rate>',
    help: 'initial learning rate, annealed by --schedule',
  }),
  schedule: option(oneOf(SCHEDULES).default('cosine-step'), {
    flag: '--schedule',
    arg: '<name>',
    help: "cosine (annealed per epoch, the paper's) | cosine-step (annealed every step, to 0 at the end: better for runs of a few epochs)",
  }),
  optimizer: option(oneOf(OPTIMIZERS).default('sgd'), {
    flag: '--optimizer',
    arg: '<name>',
    help: OPTIMIZERS.join(' | '),
  }),
  momentum: option(real('[0, 1)', 'momentum').default(0.9), { flag: '--momentum', arg: '<m>', help: 'SGD momentum' }),
  weightDecay: option(real('≥ 0', 'weight decay').default(5e-4), {
    flag: '--weight-decay',
    arg: '<wd>',
    help: 'L2 weight decay on every parameter, thresholds included',
  }),
  /** Linear warm-up over the first iterations (the DSR recipes use 400). */
  warmupIters: option(integer(0).default(100), {
    flag: '--warmup',
    arg: '<iters>',
    help: 'linear learning-rate warm-up iterations',
  }),
  alpha: option(real('(0, 1]', 'alpha').optional(), {
    flag: '--alpha',
    arg: '<a>',
    help: 'fire at alpha·Vth, in (0, 1]',
    defaultHelp: perNeuronDefault('alpha'),
  }),
  vth: option(real('> 0').optional(), {
    flag: '--vth',
    arg: '<v>',
    help: 'initial threshold',
    defaultHelp: perNeuronDefault('vth'),
  }),
  tau: option(real('> 0').optional(), {
    flag: '--tau',
    arg: '<t>',
    help: 'LIF membrane time constant τ',
    defaultHelp: perNeuronDefault('tau'),
  }),
  dt: option(real('> 0').optional(), {
    flag: '--dt',
    arg: '<d>',
    help: 'LIF step length Δt',
    defaultHelp: perNeuronDefault('dt'),
  }),
  vthBound: option(real('> 0').optional(), {
    flag: '--vth-bound',
    arg: '<b>',
    help: 'lower bound for thresholds (docs/method.md §2.4)',
    defaultHelp: perNeuronDefault('vthBound'),
  }),
  vthGradScale: option(real('≥ 0').optional(), {
    flag: '--vth-grad-scale',
    arg: '<s>',
    help: 'extra factor on the threshold gradient (the reference ImageNet IF code uses 0.001, docs/method.md §2.2)',
    defaultHelp: perNeuronDefault('vthGradScale'),
  }),
  /** cubalif only: the synaptic current's time constant; unset it is 0.5 (τ/2 at the default τ), settling faster than the membrane. */
  tauSyn: option(real('> 0').optional(), {
    flag: '--tau-syn',
    arg: '<t>',
    help: 'cubalif synaptic-current time constant τ_syn',
    defaultHelp: '0.5',
  }),
  readout: option(oneOf(READOUT_KINDS).default('rate'), {
    flag: '--readout',
    arg: '<kind>',
    help: "logits from the last layer's outputs: rate (the (weighted) rate over the T steps) | last (the last step's alone)",
  }),
  encoder: option(oneOf(ENCODERS).default('direct'), {
    flag: '--encoder',
    arg: '<name>',
    help: 'direct (analog input at every step) | rate (Poisson) | latency',
  }),
  /** Random crop (padding) and horizontal flip for training batches; 0 / false for none. */
  cropPad: option(integer(0).default(0), {
    flag: '--crop-pad',
    arg: '<px>',
    help: 'random-crop padding for training images, 0 for none',
  }),
  flip: option(flag().default(false), { flag: '--flip', help: 'random horizontal flips of training images' }),
  /** Unset: the model's own, the paper's (models/index.ts). */
  dropout: option(real('[0, 1)', 'dropout').optional(), {
    flag: '--dropout',
    arg: '<p>',
    help: 'dropout probability where the model has dropout',
    defaultHelp: `the paper's: ${dropoutHelp}`,
  }),
  /** Hybrid training: epochs of the ANN of the same shape before the SNN, 0 for none (docs/method.md §4.4). */
  hybridAnnEpochs: option(integer(0).default(0), {
    flag: '--hybrid',
    arg: '<ann-epochs>',
    help: 'hybrid training: first train the ReLU ANN of the same shape (SGD, momentum 0.9, lr 0.1, weight decay 1e-4, batch 256, as the reference), set thresholds from its 99.9th-percentile activations; unlike the reference, calibrated on 5 training (not validation) batches and warmed up over --warmup',
  }),
  /** Threshold calibration from data (train/calibrate.ts): a percentile, 0 for none, unset for calibrationOf's choice. */
  calibrateVth: option(real('[0, 100]', 'percentile').optional(), {
    flag: '--calibrate-vth',
    arg: '<percentile>',
    help: "before training, set each layer's threshold, layer by layer, to this percentile of the input current it gets on a few training batches (not on resume); 0 for none",
    defaultHelp: `${DEFAULT_CALIBRATION} where no vth, hybrid training or recipe sets the thresholds`,
  }),
  calibrateBatches: option(integer(1).default(5), {
    flag: '--calibrate-batches',
    arg: '<n>',
    help: 'the training batches --calibrate-vth measures on',
  }),
  /** 'exact' (the reference code's backward), 'representation' (time-summed gradients, nn/grad-mode.ts) or 'auto'. */
  gradMode: option(oneOf(GRAD_MODE_CHOICES).default('auto'), {
    flag: '--grad-mode',
    arg: '<mode>',
    help: 'exact (the reference backward: BN and weight gradients over T·B rows) | representation (time-summed gradients, equal to exact for IF without dropout: backward cost and memory flat in T) | auto (representation where it equals exact, else exact)',
  }),
  /** Forward K time steps at a time so activation memory does not grow with T (nn/time-chunk.ts); undefined: all T. */
  timeChunk: option(integer(1).optional(), {
    flag: '--time-chunk',
    arg: '<K>',
    help: 'run the forward K time steps at a time (spikes kept as bits): memory flat in T; training needs --grad-mode representation',
  }),
  /** Quantisation-aware training (nn/quant.ts): undefined trains float weights. */
  weightBits: option(weightBitsField().optional(), {
    flag: '--weight-bits',
    arg: '<bits>',
    help: 'quantisation-aware training: the forward runs on symmetric 8-, 4- or 2-bit weights, the float weights take the gradient (straight-through)',
    defaultHelp: 'none: float weights',
  }),
  quantScale: option(oneOf(QUANT_SCALES).default('layer'), {
    flag: '--quant-scale',
    arg: '<per>',
    help: 'with --weight-bits: one scale per layer (what chips take) | per output channel',
  }),
  /** A signal encoder for series datasets (src/signal/encode.ts), e.g. "delta:threshold=0.05"; undefined: the raw rows. */
  signalEncoder: option(
    text()
      .superRefine((v, ctx) => {
        try {
          parseSignalEncoder(v);
        } catch (e) {
          ctx.addIssue({
            code: 'custom',
            message: e instanceof SpikerepError ? e.message.replace(/^--signal-encoder: /, '') : String(e),
          });
        }
      })
      .optional(),
    {
      flag: '--signal-encoder',
      arg: '<spec>',
      help: `turn each series into spikes before the network: kind:key=value,… with kind ${SIGNAL_ENCODERS.join(' | ')}, e.g. delta:threshold=0.05 (docs/signals.md states each rule and its keys)`,
      defaultHelp: 'none: the rows as they are',
    },
  ),
  /** Noise-aware training (robustness/train-noise.ts): "KIND:LEVEL", undefined for none. */
  trainNoise: option(
    text()
      .superRefine((v, ctx) => {
        const problem = noiseSettingProblem(v, TRAIN_NOISE_KINDS);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    {
      flag: '--train-noise',
      arg: '<kind:level>',
      help: `add noise to every training batch (not to evaluation), drawn afresh each batch: ${TRAIN_NOISE_KINDS.join(' | ')}, e.g. gaussian:0.2 or deletion:0.1 (docs/robustness.md states each rule)`,
      defaultHelp: 'none',
    },
  ),
  seed: option(integer(0).default(1), {
    flag: '--seed',
    arg: '<n>',
    help: 'random seed for init, shuffling, augmentation and dropout',
  }),
  backend: BACKEND_FIELD,
  threads: option(integer(1).optional(), {
    flag: '--threads',
    arg: '<n>',
    help: 'threads of the wasm or native backend',
    defaultHelp: 'one per core',
  }),
  /** Undefined: the whole training set. */
  trainLimit: option(integer(1).optional(), {
    flag: '--train-limit',
    arg: '<n>',
    help: 'train on the first n images (after the validation split) only',
    defaultHelp: 'all',
  }),
  /** Undefined: the dataset's default hold-out (data/split.ts). */
  valSplit: option(integer(0).optional(), {
    flag: '--val-split',
    arg: '<n>',
    help: 'training images held out (drawn by --seed) to choose the best epoch and best.ckpt; 0 for none (then the last epoch is kept)',
    defaultHelp: '5000 for mnist/fashion-mnist, 10% elsewhere, at most 10% of --train-limit',
  }),
  testLimit: option(integer(1).optional(), {
    flag: '--test-limit',
    arg: '<n>',
    help: 'evaluate on the first n test images only',
    defaultHelp: 'all',
  }),
  /** Folder for last.ckpt / best.ckpt; undefined writes none. */
  checkpointDir: option(text().optional(), {
    flag: '--checkpoint',
    arg: '<dir>',
    help: 'folder for last.ckpt and best.ckpt',
  }),
  resume: option(flag().default(false), { flag: '--resume', help: 'continue from <checkpoint>/last.ckpt' }),
  /** A checkpoint folder holds one run: starting a new one where one is needs this (or `resume`). */
  overwrite: option(flag().default(false), {
    flag: '--overwrite',
    help: 'start a new run in a <checkpoint> folder that holds one, replacing its checkpoints',
  }),
};

/** 8, 4 or 2, read as an integer. */
export function weightBitsField(): z.ZodInt {
  const error = (iss: { input?: unknown }): string =>
    `must be one of ${WEIGHT_BITS.join('|')}, got ${shown(iss.input)}`;
  return z.int({ error }).refine((v) => (WEIGHT_BITS as readonly number[]).includes(v), { error }) as z.ZodInt;
}

/** The weight quantisation a run trains with (nn/quant.ts); undefined for float weights. */
export function weightQuantOf(c: Pick<TrainConfig, 'weightBits' | 'quantScale'>): WeightQuant | undefined {
  return c.weightBits === undefined ? undefined : { bits: c.weightBits as WeightBits, scale: c.quantScale };
}

/** Settings that need each other; checked once every field is in range. Messages quote setting names in backticks. */
function checkTogether(c: TrainConfig, ctx: z.RefinementCtx): void {
  const fail = (path: keyof TrainConfig, message: string): void =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (c.neuron === 'bptt' && c.gradMode === 'representation')
    fail('gradMode', 'the BPTT baseline needs `gradMode` exact');
  if (c.model === 'srnn' && (c.neuron === 'if' || c.neuron === 'lif' || c.neuron === 'cubalif'))
    fail(
      'neuron',
      "srnn's recurrent layer cannot train by DSR (docs/temporal.md): use bptt, relu or ann, or `model` mlp",
    );
  if (
    MODEL_INPUT[c.model] === 'series' &&
    c.gradMode === 'representation' &&
    (c.neuron === 'ann' || c.neuron === 'relu')
  )
    fail('gradMode', `${c.model} with \`neuron\` ${c.neuron} needs \`gradMode\` exact`);
  if (c.timeChunk !== undefined && gradModeOf(c) !== 'representation' && c.timeChunk < c.T) {
    fail('timeChunk', 'training in time chunks needs `gradMode` representation');
  }
  const calibrating = c.calibrateVth !== undefined && c.calibrateVth > 0;
  if (calibrating && c.hybridAnnEpochs > 0)
    fail('calibrateVth', '`calibrateVth` and `hybridAnnEpochs` both set the thresholds: use one');
  if (calibrating && c.vth !== undefined)
    fail('calibrateVth', '`calibrateVth` and `vth` both set the initial thresholds: use one');
  if (calibrating && c.neuron === 'relu') fail('calibrateVth', 'the ReLU ANN has no threshold to calibrate');
  if (c.resume && c.checkpointDir === undefined)
    fail('resume', '`resume` needs `checkpointDir` (the folder holding last.ckpt)');
  if (c.overwrite && c.checkpointDir === undefined)
    fail('overwrite', '`overwrite` needs `checkpointDir` (the folder whose run it replaces)');
  if (c.overwrite && c.resume)
    fail('overwrite', '`overwrite` and `resume` exclude each other: continue the run, or replace it');
}

const CHECK = z.object(withoutDefaults(TRAIN_FIELDS));

/** Everything that defines a training run; stored in checkpoints and result files. */
export type TrainConfig = z.output<typeof CHECK>;

const CHECK_TOGETHER = CHECK.superRefine(checkTogether);

/** The defaults of every setting. */
export const DEFAULT_CONFIG: TrainConfig = z.object(TRAIN_FIELDS).parse({});

/** A complete config, checked: throws one E_ARG line naming the first bad setting; returns the config unchanged. */
export function validateConfig(c: TrainConfig): TrainConfig {
  const r = CHECK_TOGETHER.safeParse(c);
  if (!r.success) throw issueError(r.error);
  return c;
}

/** The defaults with some settings replaced, checked. */
export function trainConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return validateConfig({ ...DEFAULT_CONFIG, ...over });
}

/** The command-line flag of a setting ("--batch-size"), undefined for a name that is none. */
export function flagOfSetting(name: string): string | undefined {
  const f = (TRAIN_FIELDS as Record<string, z.ZodType>)[name];
  return f === undefined ? undefined : optionMeta.get(f)?.flag;
}

/** The neuron settings a run sets, for neuronSpec (unset ones take the neuron kind's defaults). */
export function neuronOverridesOf(c: TrainConfig): NeuronOverrides {
  return {
    vth: c.vth,
    alpha: c.alpha,
    tau: c.tau,
    tauSyn: c.tauSyn,
    dt: c.dt,
    vthBound: c.vthBound,
    vthGradScale: c.vthGradScale,
  };
}

/** What a run uses where it left settings to the neuron kind and the model: for `--print-config` and tests. */
export function effectiveSettings(c: TrainConfig): {
  neuron: NeuronConfig;
  dropout: number;
  gradMode: GradMode;
  calibrateVth: number | null;
} {
  return {
    neuron: neuronSpec(c.neuron, neuronOverridesOf(c)).config,
    dropout: c.dropout ?? DEFAULT_DROPOUT[c.model],
    gradMode: gradModeOf(c),
    calibrateVth: calibrationOf(c) ?? null,
  };
}

/**
 * The percentile a run calibrates its initial thresholds at, undefined for none: `calibrateVth` where it is given
 * (0: none), else DEFAULT_CALIBRATION unless the thresholds come from elsewhere — `vth`, hybrid training's ANN, or a
 * neuron without one.
 */
export function calibrationOf(
  c: Pick<TrainConfig, 'calibrateVth' | 'vth' | 'hybridAnnEpochs' | 'neuron'>,
): number | undefined {
  if (c.calibrateVth !== undefined) return c.calibrateVth > 0 ? c.calibrateVth : undefined;
  const thresholdsSet = c.vth !== undefined || c.hybridAnnEpochs > 0 || c.neuron === 'relu';
  return thresholdsSet ? undefined : DEFAULT_CALIBRATION;
}

/**
 * The backward a run uses: `auto` takes the representation-level one where it gives the exact backward's gradients
 * (IF, and the T = 1 ANNs, without dropout: nn/grad-mode.ts) — the same numbers up to float summation order, at a
 * backward cost flat in T — and the exact one everywhere else.
 */
export function gradModeOf(c: Pick<TrainConfig, 'gradMode' | 'neuron' | 'model' | 'dropout'>): GradMode {
  if (c.gradMode !== 'auto') return c.gradMode;
  // over series the analog neurons run all T steps and the recurrent layer needs every step's gradient
  const analogOk = MODEL_INPUT[c.model] === 'image';
  const equal =
    (c.neuron === 'if' || (analogOk && (c.neuron === 'ann' || c.neuron === 'relu'))) &&
    (c.dropout ?? DEFAULT_DROPOUT[c.model]) === 0;
  return equal ? 'representation' : 'exact';
}
