import { SpikerepError } from '../errors.js';
import type { TrainConfig } from '../train/config.js';

/**
 * The train/eval option table: flag, config field, how to parse the text, and the help line. The CLI builds
 * its commander options from this table, and `configFromFlags` turns parsed flags into a partial config.
 */
export interface OptionSpec {
  readonly flag: string; // "--batch-size <n>"
  readonly field: keyof TrainConfig;
  readonly parse: (text: string, flag: string) => unknown;
  readonly help: string;
}

export function int(text: string, flag: string): number {
  const v = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(v)) {
    throw new SpikerepError('E_ARG', `expected an integer, got '${text}'`, flag);
  }
  return v;
}

export function num(text: string, flag: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new SpikerepError('E_ARG', `expected a number, got '${text}'`, flag);
  return v;
}

const str = (text: string): string => text;
const bool = (): boolean => true;

export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { flag: '--dataset <name>', field: 'dataset', parse: str, help: 'mnist | fashion-mnist | cifar10 | cifar100 | dvs-cifar10 (default mnist)' },
  { flag: '--data-dir <dir>', field: 'dataDir', parse: str, help: 'folder with the dataset files, instead of the default place' },
  { flag: '--download', field: 'download', parse: bool, help: 'fetch CIFAR / CIFAR10-DVS archives into the cache (SHA-256 checked) when missing' },
  { flag: '--model <name>', field: 'model', parse: str, help: 'mnistnet | resnet18 | vgg11 (default mnistnet)' },
  { flag: '--neuron <kind>', field: 'neuron', parse: str, help: 'if | lif | cubalif (DSR; cubalif: LIF fed by a synaptic current) | bptt (surrogate baseline) | ann (clamp, T = 1) | relu (ReLU ANN, T = 1) (default if)' },
  { flag: '--T <steps>', field: 'T', parse: int, help: 'time steps (default 4)' },
  { flag: '--epochs <n>', field: 'epochs', parse: int, help: 'training epochs (default 1)' },
  { flag: '--batch-size <n>', field: 'batchSize', parse: int, help: 'training batch size (default 64)' },
  { flag: '--test-batch-size <n>', field: 'testBatchSize', parse: int, help: 'evaluation batch size (default 256)' },
  { flag: '--lr <rate>', field: 'lr', parse: num, help: 'initial learning rate, cosine-annealed per epoch (default 0.05)' },
  { flag: '--optimizer <name>', field: 'optimizer', parse: str, help: 'sgd | adam (default sgd)' },
  { flag: '--momentum <m>', field: 'momentum', parse: num, help: 'SGD momentum (default 0.9)' },
  { flag: '--weight-decay <wd>', field: 'weightDecay', parse: num, help: 'L2 weight decay on every parameter, thresholds included (default 5e-4)' },
  { flag: '--warmup <iters>', field: 'warmupIters', parse: int, help: 'linear learning-rate warm-up iterations (default 100)' },
  { flag: '--alpha <a>', field: 'alpha', parse: num, help: 'fire at alpha·Vth, in (0, 1] (default IF 0.5, LIF 0.3)' },
  { flag: '--vth <v>', field: 'vth', parse: num, help: 'initial threshold (default IF 6, LIF 0.3)' },
  { flag: '--tau <t>', field: 'tau', parse: num, help: 'LIF time constant (default 1)' },
  { flag: '--tau-syn <t>', field: 'tauSyn', parse: num, help: 'cubalif synaptic time constant (default 0.5)' },
  { flag: '--dt <d>', field: 'dt', parse: num, help: 'LIF step length Δt (default 0.05)' },
  { flag: '--vth-bound <b>', field: 'vthBound', parse: num, help: 'lower bound for thresholds (default IF 0.01, LIF 0.0005)' },
  { flag: '--encoder <name>', field: 'encoder', parse: str, help: 'direct (analog input at every step) | rate (Poisson) | latency (default direct)' },
  { flag: '--crop-pad <px>', field: 'cropPad', parse: int, help: 'random-crop padding for training images, 0 for none (default 0)' },
  { flag: '--flip', field: 'flip', parse: bool, help: 'random horizontal flips of training images' },
  { flag: '--dropout <p>', field: 'dropout', parse: num, help: 'dropout probability where the model has dropout (default 0)' },
  { flag: '--hybrid <ann-epochs>', field: 'hybridAnnEpochs', parse: int, help: 'hybrid training: first train the ReLU ANN of the same shape (SGD, momentum 0.9, lr 0.1, weight decay 1e-4, batch 256, as the reference), set thresholds from its 99.9th-percentile activations; unlike the reference, calibrated on 5 training (not validation) batches and warmed up over --warmup' },
  { flag: '--grad-mode <mode>', field: 'gradMode', parse: str, help: 'exact (the reference backward over T·B rows) | representation (time-summed gradients, equal to exact for IF without dropout: backward cost and memory flat in T)' },
  { flag: '--time-chunk <K>', field: 'timeChunk', parse: int, help: 'run the forward K time steps at a time (spikes kept as bits): memory flat in T; training needs --grad-mode representation' },
  { flag: '--seed <n>', field: 'seed', parse: int, help: 'random seed for init, shuffling, augmentation and dropout (default 1)' },
  { flag: '--backend <name>', field: 'backend', parse: str, help: 'wasm (default, SIMD on worker threads) | native (OpenBLAS + oneDNN addon, npm run build:native) | auto (native when built, else wasm) | reference (plain TypeScript)' },
  { flag: '--threads <n>', field: 'threads', parse: int, help: 'threads of the wasm or native backend (default: one per core)' },
  { flag: '--train-limit <n>', field: 'trainLimit', parse: int, help: 'train on the first n images only (default 10000 for the quick default run)' },
  { flag: '--test-limit <n>', field: 'testLimit', parse: int, help: 'evaluate on the first n test images only' },
  { flag: '--checkpoint <dir>', field: 'checkpointDir', parse: str, help: 'folder for last.ckpt and best.ckpt' },
  { flag: '--resume', field: 'resume', parse: bool, help: 'continue from <checkpoint>/last.ckpt' },
];

/** The config fields given on the command line (commander's parsed values keyed by camel-cased flag). */
export function configFromFlags(values: Record<string, unknown>): Partial<TrainConfig> {
  const out: Partial<Record<keyof TrainConfig, unknown>> = {};
  for (const o of TRAIN_OPTIONS) {
    const key = camel(o.flag);
    if (values[key] !== undefined) out[o.field] = values[key];
  }
  if (values['full'] === true) out.trainLimit = undefined;
  return out as Partial<TrainConfig>;
}

/** "--batch-size <n>" → "batchSize", as commander names it. */
export function camel(flag: string): string {
  const name = flag.split(' ')[0]!.replace(/^--/, '');
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
