import type { Command } from 'commander';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName } from '../kernels/kernels.js';
import { modelFromCheckpoint } from '../train/state.js';
import { evaluate } from '../train/loop.js';
import { openDataset } from '../data/registry.js';
import { subset } from '../data/dataset.js';
import { int } from './options.js';
import { checkWritable, writeJson } from './train.js';

export function addEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint on its test set: accuracy, firing rates, thresholds, synaptic ops, energy')
    .requiredOption('--checkpoint <file>', 'a checkpoint written by train (e.g. runs/mnist/best.ckpt)')
    .option('--data-dir <dir>', 'folder with the dataset files, instead of the default place')
    .option('--test-limit <n>', 'evaluate on the first n test images only', (t: string) => int(t, '--test-limit'))
    .option('--backend <name>', 'wasm | reference', 'wasm')
    .option('--threads <n>', 'worker threads of the wasm backend', (t: string) => int(t, '--threads'))
    .option('--json <path>', 'write the result as JSON')
    .action(async (flags: { checkpoint: string; dataDir?: string; testLimit?: number; backend: BackendName; threads?: number; json?: string }) => {
      if (flags.json !== undefined) checkWritable(flags.json);
      const k = await createKernels(flags.backend, { threads: flags.threads });
      try {
        const { net, config } = modelFromCheckpoint(k, flags.checkpoint);
        let test = await openDataset(config.dataset, 'test', { dataDir: flags.dataDir ?? config.dataDir, normalize: config.encoder === 'direct', T: config.T });
        if (flags.testLimit !== undefined && flags.testLimit < test.length) test = subset(test, flags.testLimit);
        const { accuracy, metrics } = evaluate(k, net, test, config, true);
        const result = { checkpoint: flags.checkpoint, testAccuracy: accuracy, samples: test.length, T: net.T, neuron: config.neuron, dataset: config.dataset, ...metrics };
        if (flags.json !== undefined) writeJson(flags.json, result);
        process.stdout.write(`test accuracy ${(accuracy * 100).toFixed(2)}% on ${test.length} ${config.dataset} test images (${config.neuron}, T=${net.T})\n`);
      } finally {
        disposeKernels(k);
      }
    });
}
