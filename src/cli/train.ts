import type { Command } from 'commander';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { DEFAULT_CONFIG, validateConfig, type TrainConfig } from '../train/config.js';
import { loadRecipe } from '../train/recipe.js';
import { train, type TrainResult } from '../train/loop.js';
import { makeProgress } from '../train/progress.js';
import { TRAIN_OPTIONS, configFromFlags } from './options.js';
import { buildReport } from './report.js';
import { checkWritable, writeJson } from './result-file.js';

export { checkWritable, writeJson } from './result-file.js';

export function addTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a spiking network and print its test accuracy (default: DSR-IF convnet on MNIST, T = 4)');
  for (const o of TRAIN_OPTIONS) cmd.option(o.flag, o.help, (text: string) => o.parse(text, o.flag.split(' ')[0]!));
  cmd
    .option('--recipe <name|file>', 'start from a recipe (recipes/*.json: mnist, fashion-mnist, cifar10, cifar100, cifar10-lowlatency, dvs-cifar10)')
    .option('--full', 'train on the whole training set (lifts the default --train-limit)')
    .option('--json <path>', 'write the result (accuracy, firing rates, thresholds, synaptic ops, energy, timing) as JSON')
    .option('--quiet', 'print only the final line')
    .option('--report <path>', 'also write a self-contained HTML report (raster and accuracy vs T need --checkpoint)')
    .action(async (flags: Record<string, unknown>) => {
      const cfg = resolveConfig(flags);
      if (typeof flags['json'] === 'string') checkWritable(flags['json']); // before hours of training, not after
      if (typeof flags['report'] === 'string') checkWritable(flags['report']);
      const command = `spikerep train ${process.argv.slice(3).join(' ')}`.trim();
      const result = await runTraining(cfg, { quiet: flags['quiet'] === true });
      if (typeof flags['json'] === 'string') writeJson(flags['json'], { command, ...result });
      printSummary(result);
      if (typeof flags['report'] === 'string') {
        await buildReport({ command, ...result }, flags['report'], { backend: cfg.backend, dataDir: cfg.dataDir });
        process.stdout.write(`wrote ${flags['report']}\n`);
      }
    });
}

export function resolveConfig(flags: Record<string, unknown>): TrainConfig {
  const recipe = typeof flags['recipe'] === 'string' ? loadRecipe(flags['recipe']).config : {};
  return { ...DEFAULT_CONFIG, ...recipe, ...configFromFlags(flags) };
}

export async function runTraining(cfg: TrainConfig, o: { quiet: boolean }): Promise<TrainResult> {
  validateConfig(cfg); // flags are checked before any thread or file is touched
  const k = await createKernels(cfg.backend, { threads: cfg.threads });
  try {
    return await train(k, cfg, { progress: makeProgress({ quiet: o.quiet }) });
  } finally {
    disposeKernels(k);
  }
}

function printSummary(r: TrainResult): void {
  const rates = r.firingRates.map((f) => f.firingRate.toFixed(3)).join(' ');
  process.stdout.write(
    `test accuracy ${(r.testAccuracy * 100).toFixed(2)}% (best ${(r.bestTestAccuracy * 100).toFixed(2)}%) | ${r.dataset} ${r.model} ` +
      `${r.neuron} T=${r.T} | ${r.epochs} epoch(s), ${r.secondsPerEpoch.toFixed(1)} s/epoch, ${r.imagesPerSecond.toFixed(0)} img/s ` +
      `on ${r.backend}×${r.threads} | firing rates ${rates} | ${(r.synOps / 1e6).toFixed(2)} M synops, ` +
      `${(r.energyJoules * 1e6).toFixed(2)} µJ vs ANN ${(r.annEnergyJoules * 1e6).toFixed(2)} µJ per image | peak RSS ${r.peakRssMB.toFixed(0)} MB\n`,
  );
}
