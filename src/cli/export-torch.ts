import { SpikerepError } from '../errors.js';
import { torchTensors } from '../export/torch-layout.js';
import { checkTorchSupport, writeTorchProject } from '../export/torch-project.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { neuronSpec } from '../models/neurons.js';
import type { Network } from '../nn/network.js';
import { effectiveSettings, neuronOverridesOf, type TrainConfig, validateConfig } from '../train/config.js';
import { loadRecipe, resolveConfig } from '../train/recipe.js';
import { modelFromCheckpoint } from '../train/state.js';

/** One sample's (of event data: one frame's) [H, W, C] and the class count of the datasets the exported project reads. */
export const TORCH_DATA_SHAPES: Record<string, { input: [number, number, number]; classes: number }> = {
  mnist: { input: [28, 28, 1], classes: 10 },
  'fashion-mnist': { input: [28, 28, 1], classes: 10 },
  cifar10: { input: [32, 32, 3], classes: 10 },
  cifar100: { input: [32, 32, 3], classes: 100 },
  'n-mnist': { input: [34, 34, 2], classes: 10 },
  'dvs-gesture': { input: [128, 128, 2], classes: 11 },
  'dvs-cifar10': { input: [48, 48, 2], classes: 10 },
};

/** The settings that fix the weights' shapes and meaning: a recipe given with a checkpoint must agree on them. */
const ARCHITECTURE = ['model', 'dataset', 'neuron', 'T'] as const;

/**
 * `export --format torch --recipe R [--checkpoint C] --out DIR`: the PyTorch project (export/torch-project.ts)
 * training with R's settings, from C's weights, or else from the weights spikerep initialises with the recipe's seed.
 */
export function exportTorch(
  k: Kernels,
  o: { recipe: string | undefined; checkpoint: string | undefined; out: string },
): string {
  let config: TrainConfig;
  let net: Network;
  let source: string;
  let description: string;
  const recipe = o.recipe === undefined ? undefined : loadRecipe(o.recipe);
  if (o.checkpoint !== undefined) {
    const fromCk = modelFromCheckpoint(k, o.checkpoint);
    net = fromCk.net;
    config = recipe === undefined ? fromCk.config : validateConfig(resolveConfig(recipe, {}));
    for (const key of ARCHITECTURE) {
      if (config[key] !== fromCk.config[key])
        throw new SpikerepError(
          'E_ARG',
          `the recipe's ${key} is ${String(config[key])}, the checkpoint's ${String(fromCk.config[key])}`,
          '--recipe',
        );
    }
    // the neuron settings (Vth's bound, α, τ, Δt) are those the checkpoint was trained with
    config = { ...config, ...neuronOverridesOf(fromCk.config) };
    source = `weights of ${o.checkpoint}`;
    description = recipe?.description ?? `the settings of ${o.checkpoint}`;
  } else {
    if (recipe === undefined)
      throw new SpikerepError('E_ARG', 'expected a recipe for --format torch (or --checkpoint)', '--recipe');
    config = validateConfig(resolveConfig(recipe, {}));
    checkTorchSupport(config);
    const data = TORCH_DATA_SHAPES[config.dataset]!;
    net = buildModel(k, {
      model: config.model,
      input: data.input,
      classes: data.classes,
      neuron: config.neuron,
      T: config.T,
      seed: config.seed,
      neuronOverrides: neuronOverridesOf(config),
    }).net;
    source = `initialised by spikerep with seed ${config.seed}`;
    description = recipe.description;
  }
  checkTorchSupport(config);
  const { neuron: neuronConfig, dropout } = effectiveSettings(config);
  const { mode: neuronMode, surrogateSlope } = neuronSpec(config.neuron, neuronOverridesOf(config));
  const files = writeTorchProject(o.out, {
    config: { ...config, neuronConfig, neuronMode, surrogateSlope, dropout },
    description,
    classes: net.classes,
    inputShape: net.inputShape ?? [],
    weights: torchTensors(net),
    source,
  });
  return `wrote ${o.out}: a PyTorch project (${files.join(', ')}) for ${config.model}, ${neuronMode === 'bptt' ? 'BPTT' : `DSR-${config.neuron.toUpperCase()}`}, T=${config.T}; ${source}`;
}
