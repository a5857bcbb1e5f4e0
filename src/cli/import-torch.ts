import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { decodeSafetensors } from '../export/safetensors.js';
import { loadTorchTensors } from '../export/torch-layout.js';
import { checkTorchSupport } from '../export/torch-project.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { buildModel } from '../models/index.js';
import { sgd } from '../optim/sgd.js';
import { DEFAULT_CONFIG, neuronOverridesOf, TRAIN_FIELDS, type TrainConfig, validateConfig } from '../train/config.js';
import { loadRecipe, resolveConfig } from '../train/recipe.js';
import { saveRun } from '../train/state.js';
import { type CommandRun, IMPORT_TORCH_OPTIONS } from './command-options.js';
import { TORCH_DATA_SHAPES } from './export-torch.js';
import { parseOptions } from './options.js';

/** An exported project's recipe.json: its config holds spikerep's settings plus the project's own (neuronConfig …). */
interface ProjectRecipe {
  config: Record<string, unknown>;
  inputShape?: number[];
  classes?: number;
}

/** The run's settings and sample shape from a project's recipe.json, or from a spikerep recipe. */
function settingsOf(recipe: string): { config: TrainConfig; input?: number[]; classes?: number } {
  let raw: unknown;
  if (existsSync(recipe)) {
    try {
      raw = JSON.parse(readFileSync(recipe, 'utf8'));
    } catch {
      raw = undefined; // not JSON: loadRecipe below gives the error
    }
  }
  const project = raw as ProjectRecipe | undefined;
  if (project?.config !== undefined && 'neuronConfig' in project.config) {
    const known = Object.fromEntries(Object.entries(project.config).filter(([k]) => k in TRAIN_FIELDS));
    const config = validateConfig({ ...DEFAULT_CONFIG, ...known } as TrainConfig);
    return {
      config,
      ...(project.inputShape && { input: project.inputShape }),
      ...(project.classes && { classes: project.classes }),
    };
  }
  return { config: validateConfig(resolveConfig(loadRecipe(recipe), {})) };
}

/**
 * `spikerep import-torch W.safetensors --recipe R --out RUN`: the weights an exported PyTorch project trained
 * (spikerep's names, PyTorch's layout) as a spikerep run folder, which eval, report and export read like any other.
 */
export async function run({ args, values, io }: CommandRun): Promise<void> {
  const file = args[0]!;
  const o = parseOptions(IMPORT_TORCH_OPTIONS, values);
  const s = settingsOf(o.recipe);
  checkTorchSupport(s.config);
  for (const name of ['best.ckpt', 'last.ckpt'])
    if (existsSync(join(o.out, name)))
      throw new SpikerepError('E_ARG', `already holds ${name}: give a new run folder`, '--out');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new SpikerepError('E_IO', `cannot read the weights (${(e as NodeJS.ErrnoException).code})`, file);
  }
  const { tensors } = decodeSafetensors(bytes, file);
  const data = TORCH_DATA_SHAPES[s.config.dataset]!;
  const config: TrainConfig = { ...s.config, checkpointDir: o.out };
  const k = await createKernels('reference');
  try {
    const { net } = buildModel(k, {
      model: config.model,
      input: (s.input as [number, number, number] | undefined) ?? data.input,
      classes: s.classes ?? data.classes,
      neuron: config.neuron,
      T: config.T,
      seed: config.seed,
      neuronOverrides: neuronOverridesOf(config),
    });
    loadTorchTensors(net, tensors, file);
    const params = net.params();
    saveRun(config, net, params, sgd().init(params, k), {}, { epoch: 0, iteration: 0, best: -1, history: [] }, true);
    io.out(
      `wrote ${join(o.out, 'best.ckpt')} and last.ckpt: ${config.model}, DSR-${config.neuron.toUpperCase()}, T=${config.T}, ${tensors.size} tensors from ${file}\n`,
    );
  } finally {
    disposeKernels(k);
  }
}
