import type { Command } from 'commander';
import { SpikerepError } from '../errors.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { modelFromCheckpoint } from '../train/state.js';
import { exportNir } from '../export/nir-export.js';
import { writeNir } from '../export/nir-h5.js';
import { num } from './options.js';
import { checkWritable } from './train.js';

/** `spikerep export --checkpoint C --format nir --out model.nir`: the trained network as a NIR graph. */
export function addExportCommand(program: Command): void {
  program
    .command('export')
    .description('export a trained checkpoint as a NIR graph (HDF5) for neuromorphic tools')
    .requiredOption('--checkpoint <file>', 'a checkpoint written by train (e.g. runs/mnist/best.ckpt)')
    .requiredOption('--out <file>', 'where to write the graph (e.g. model.nir)')
    .option('--format <name>', 'nir (the only format so far)', 'nir')
    .option('--dt <seconds>', 'seconds per step for NIR\'s continuous-time neurons (default 1e-4, the common convention)', (t: string) => num(t, '--dt'))
    .action(async (flags: { checkpoint: string; out: string; format: string; dt?: number }) => {
      if (flags.format !== 'nir') throw new SpikerepError('E_ARG', `expected nir, got ${flags.format}`, '--format');
      checkWritable(flags.out);
      const k = await createKernels('reference');
      try {
        const { net, config } = modelFromCheckpoint(k, flags.checkpoint);
        const graph = exportNir(net, {
          dt: flags.dt,
          metadata: { dataset: config.dataset, normalized: config.encoder === 'direct' ? 1 : 0, model: config.model },
        });
        await writeNir(graph, flags.out);
        const counts: Record<string, number> = {};
        for (const n of Object.values(graph.nodes)) counts[n.type] = (counts[n.type] ?? 0) + 1;
        const summary = Object.entries(counts).map(([t, c]) => `${c} ${t}`).join(', ');
        process.stdout.write(`wrote ${flags.out}: ${Object.keys(graph.nodes).length} nodes (${summary}), T=${net.T}\n`);
      } finally {
        disposeKernels(k);
      }
    });
}
