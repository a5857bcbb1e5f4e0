/**
 * Every command of the CLI: its name, arguments, description and options. This file loads no command's code:
 * `load` imports a command's module only when that command runs, so `spikerep --help` stays light (no h5wasm,
 * no backend).
 */
import { TRAIN_FIELDS } from '../train/config.js';
import {
  BENCH_OPTIONS,
  COMPLETION_SHELLS,
  type CommandRun,
  type CommandSpec,
  EVAL_OPTIONS,
  EXPORT_OPTIONS,
  IMPORT_OPTIONS,
  IMPORT_TORCH_OPTIONS,
  LIST_GROUPS,
  QUANTIZE_OPTIONS,
  REPORT_OPTIONS,
  ROBUSTNESS_OPTIONS,
  RUN_OPTIONS,
  SERVE_OPTIONS,
  TRAIN_EXTRAS,
  TUNE_OPTIONS,
} from './command-options.js';
import type { Fields } from './options.js';

export type { CommandRun } from './command-options.js';

export interface CommandDef extends CommandSpec {
  readonly options: Fields;
  readonly load: () => Promise<{ run(c: CommandRun): Promise<void> }>;
}

export const COMMANDS: readonly CommandDef[] = [
  {
    name: 'train',
    description: 'train a spiking network and print its test accuracy; by default a DSR-IF convnet on MNIST at T = 4',
    options: { ...TRAIN_FIELDS, ...TRAIN_EXTRAS },
    load: () => import('./train.js'),
  },
  {
    name: 'tune',
    description:
      'search learning rate, weight decay, α, Vth, T, batch size and optimiser by successive halving (ASHA) on validation accuracy; writes the winning recipe',
    options: TUNE_OPTIONS,
    load: () => import('./tune.js'),
  },
  {
    name: 'eval',
    description: 'evaluate a checkpoint on its test set: accuracy, firing rates, thresholds, synaptic ops, energy',
    options: EVAL_OPTIONS,
    load: () => import('./eval.js'),
  },
  {
    name: 'robustness',
    description:
      'sweep a checkpoint through input noise, spike deletion, jitter and extra spikes, weight noise and threshold variation: test accuracy per kind and level',
    options: ROBUSTNESS_OPTIONS,
    load: () => import('./robustness.js'),
  },
  {
    name: 'bench',
    description:
      'measure kernels (GFLOP/s), the fused neuron step and training images/s, against the PyTorch peer when installed',
    options: BENCH_OPTIONS,
    load: () => import('./bench.js'),
  },
  {
    name: 'export',
    description: 'export a trained checkpoint as a NIR graph (HDF5) for neuromorphic tools',
    options: EXPORT_OPTIONS,
    load: () => import('./export.js'),
  },
  {
    name: 'quantize',
    description:
      'post-training quantisation: a trained checkpoint with 8-, 4- or 2-bit weights and recalibrated thresholds, or with --target deployed for a chip (batch-norm folded, integer weights, whole-step thresholds); prints float vs quantised test accuracy',
    options: QUANTIZE_OPTIONS,
    load: () => import('./quantize.js'),
  },
  {
    name: 'import',
    args: ['<file>'],
    description:
      'import a NIR graph, run it with spikerep on a test set and report accuracy (and agreement with --checkpoint)',
    options: IMPORT_OPTIONS,
    load: () => import('./import.js'),
  },
  {
    name: 'import-torch',
    args: ['<weights.safetensors>'],
    description:
      'turn the weights of an exported PyTorch project (export --format torch, then train.py) back into a spikerep run',
    options: IMPORT_TORCH_OPTIONS,
    load: () => import('./import-torch.js'),
  },
  {
    name: 'run',
    args: ['<graph>'],
    description:
      "run a NIR graph or a checkpoint on your own .npy time series: the output spikes per step, and with --record every neuron layer's membrane and spikes",
    options: RUN_OPTIONS,
    load: () => import('./run.js'),
  },
  {
    name: 'report',
    args: ['<run-json|tune-dir...>'],
    description:
      'write a self-contained HTML report of a run (train --json): curves, rates, thresholds, spike raster, accuracy vs T, energy; of several runs: accuracy-vs-T and energy tables side by side; of a tune folder: the Pareto front and the trials',
    options: REPORT_OPTIONS,
    load: () => import('./report.js'),
  },
  {
    name: 'serve',
    description:
      'serve the browser demo on 127.0.0.1: draw a digit, watch the trained SNN spike; train a new one in the tab (MNIST/Fashion-MNIST), download it as checkpoint and NIR',
    options: SERVE_OPTIONS,
    load: () => import('./serve.js'),
  },
  {
    name: 'list',
    args: ['[group]'],
    argChoices: LIST_GROUPS,
    description: `list what a flag may name, one line each: ${LIST_GROUPS.join(', ')} (all four without a group)`,
    options: {},
    load: () => import('./list.js'),
  },
  {
    name: 'completion',
    args: ['<shell>'],
    argChoices: COMPLETION_SHELLS,
    description:
      'print a shell completion script: eval "$(spikerep completion bash)" in ~/.bashrc, or the zsh one in a folder of $fpath',
    options: {},
    load: () => import('./completion.js'),
  },
];
