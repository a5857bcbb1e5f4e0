/**
 * The standalone PyTorch project of `export --format torch`: the Python files of templates/torch/ copied as they are,
 * the run's settings as recipe.json (every flag of train.py defaults to it), the weights as weights.safetensors in
 * PyTorch's layout, and the README template filled in. The Python code lives in the templates, not here.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpikerepError } from '../errors.js';
import { encodeSafetensors, type SafeTensor } from './safetensors.js';

export const TORCH_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/torch/', import.meta.url));

/** The models and neuron kinds templates/torch/ defines, and the datasets its readers read. */
export const TORCH_MODELS = ['mnistnet', 'resnet18', 'vgg11'] as const;
export const TORCH_NEURONS = ['if', 'lif', 'bptt'] as const;
export const TORCH_DATASETS = [
  'mnist',
  'fashion-mnist',
  'cifar10',
  'cifar100',
  'n-mnist',
  'dvs-gesture',
  'dvs-cifar10',
] as const;

export interface TorchProject {
  /** The run's settings (spikerep's TrainConfig fields) plus `neuronConfig`, the resolved neuron settings. */
  readonly config: Readonly<Record<string, unknown>> & {
    readonly model: string;
    readonly dataset: string;
    readonly neuron: string;
    readonly T: number;
    readonly batchSize: number;
  };
  readonly description: string;
  readonly classes: number;
  /** One sample's [H, W, C]. */
  readonly inputShape: readonly number[];
  /** Every parameter and running statistic in PyTorch's layout (torch-layout.ts). */
  readonly weights: readonly SafeTensor[];
  /** Where the weights came from, for the README ("checkpoint X" or "initialised by spikerep with seed 1"). */
  readonly source: string;
}

/** Throws E_UNSUPPORTED naming what the templates lack. */
export function checkTorchSupport(c: { model: string; neuron: string; dataset: string; encoder?: unknown }): void {
  const refuse = (what: string, have: readonly string[], where: string): never => {
    throw new SpikerepError('E_UNSUPPORTED', `${what}: the PyTorch export has ${have.join(', ')} so far`, where);
  };
  if (!(TORCH_MODELS as readonly string[]).includes(c.model)) refuse(`model ${c.model}`, TORCH_MODELS, '--model');
  if (!(TORCH_NEURONS as readonly string[]).includes(c.neuron)) refuse(`neuron ${c.neuron}`, TORCH_NEURONS, '--neuron');
  if (!(TORCH_DATASETS as readonly string[]).includes(c.dataset))
    refuse(`dataset ${c.dataset}`, TORCH_DATASETS, '--dataset');
  if (c.encoder !== undefined && c.encoder !== 'direct')
    refuse(`encoder ${String(c.encoder)}`, ['direct'], '--encoder');
}

/** Writes the project into `dir` (created if missing); returns the files written. */
export function writeTorchProject(dir: string, p: TorchProject): string[] {
  checkTorchSupport(p.config);
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false)
    throw new SpikerepError('E_ARG', 'is a file; expected the folder to write the PyTorch project into', '--out');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const f of readdirSync(TORCH_TEMPLATES_DIR).sort()) {
    if (!f.endsWith('.py')) continue;
    copyFileSync(join(TORCH_TEMPLATES_DIR, f), join(dir, f));
    written.push(f);
  }
  const recipe = {
    description: p.description,
    classes: p.classes,
    inputShape: p.inputShape,
    config: { syncBatchNorm: false, ...p.config },
  };
  writeFileSync(join(dir, 'recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`);
  const metadata = { format: 'spikerep-torch', model: p.config.model, layout: 'pytorch (NCHW)' };
  writeFileSync(join(dir, 'weights.safetensors'), encodeSafetensors(p.weights, metadata));
  const c = p.config;
  const values: Record<string, string> = {
    model: c.model,
    dataset: c.dataset,
    neuronUpper: c.neuron.toUpperCase(),
    T: String(c.T),
    source: p.source,
    batchSize: String(c.batchSize),
    dataDir: 'DATA_DIR',
    weightsLine: `the starting weights (${p.source}; spikerep's names, PyTorch's layout)`,
  };
  const readme = readFileSync(join(TORCH_TEMPLATES_DIR, 'README.md'), 'utf8').replace(/\{\{(\w+)\}\}/g, (_m, key) => {
    const v = values[key as string];
    if (v === undefined) throw new Error(`templates/torch/README.md: no value for {{${key as string}}}`);
    return v;
  });
  writeFileSync(join(dir, 'README.md'), readme);
  return [...written, 'recipe.json', 'weights.safetensors', 'README.md'];
}
