import type { Command } from 'commander';
import { SpikerepError } from '../errors.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName } from '../kernels/kernels.js';
import { openDataset, isDatasetName } from '../data/registry.js';
import { modelFromCheckpoint } from '../train/state.js';
import { readNir } from '../export/nir-h5.js';
import { importNir, type NirImportOptions } from '../export/nir-import.js';
import { agreement, predictDataset } from '../export/predictions.js';
import { int, num } from './options.js';
import { writeJson } from './train.js';

interface ImportFlags {
  T?: number; ifR: string; tauUnit: string; dt?: number; reset: string; compare?: string;
  dataset?: string; dataDir?: string; testLimit: number; against?: string; backend: BackendName; json?: string;
}

function choice<T extends string>(v: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new SpikerepError('E_ARG', `expected ${allowed.join(' | ')}, got ${v}`, flag);
  return v as T;
}

/** `spikerep import model.nir`: runs a NIR graph with spikerep's simulator on a test set, optionally against a checkpoint. */
export function addImportCommand(program: Command): void {
  program
    .command('import <file>')
    .description('import a NIR graph, run it with spikerep on a test set and report accuracy (and agreement with --against)')
    .option('--T <steps>', 'time steps (default: the graph metadata)', (t: string) => int(t, '--T'))
    .option('--if-r <conv>', 'IF r means v += r·I per step (one) or v += r·dt·I (inverse-dt), or auto', 'auto')
    .option('--tau-unit <unit>', 'LIF tau in seconds (with --dt) or in steps, or auto (= seconds)', 'auto')
    .option('--dt <seconds>', 'seconds per step (default: the graph metadata, else 1e-4)', (t: string) => num(t, '--dt'))
    .option('--reset <kind>', 'subtract (DSR, Sinabs) | value (reset to v_reset, NIR) | auto (spikerep metadata, else value)', 'auto')
    .option('--compare <op>', "firing test for reset 'value': '>' (NIR) or '>='")
    .option('--dataset <name>', 'test set to run on (default: the graph metadata)')
    .option('--data-dir <dir>', 'folder with the dataset files, instead of the default place')
    .option('--test-limit <n>', 'run on the first n test images', (t: string) => int(t, '--test-limit'), 1000)
    .option('--against <checkpoint>', 'also run this checkpoint and count identical predictions')
    .option('--backend <name>', 'wasm | reference', 'wasm')
    .option('--json <path>', 'write the result as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const opts: NirImportOptions = {
        T: flags.T, dt: flags.dt,
        ifR: choice(flags.ifR, ['auto', 'one', 'inverse-dt'] as const, '--if-r'),
        tauUnit: choice(flags.tauUnit, ['auto', 'seconds', 'steps'] as const, '--tau-unit'),
        reset: choice(flags.reset, ['auto', 'subtract', 'value'] as const, '--reset'),
        compare: flags.compare === undefined ? undefined : choice(flags.compare, ['>', '>='] as const, '--compare'),
      };
      const graph = await readNir(file);
      const dataset = flags.dataset ?? graph.metadata['dataset'];
      if (typeof dataset !== 'string' || !isDatasetName(dataset)) throw new SpikerepError('E_ARG', `no known dataset in the graph metadata: pass --dataset`, '--dataset');
      const k = await createKernels(flags.backend);
      try {
        const { net, neurons } = importNir(k, graph, opts, file);
        const normalize = graph.metadata['normalized'] !== 0;
        const test = await openDataset(dataset, 'test', { dataDir: flags.dataDir, normalize, T: net.T });
        const ours = predictDataset(net, test, flags.testLimit);
        const n = ours.predictions.length;
        const accuracy = agreement(ours.predictions, ours.labels) / n;
        const result: Record<string, unknown> = { file, samples: n, T: net.T, testAccuracy: accuracy, neurons };
        let line = `imported ${file}: ${neurons.length} neuron layers (${neurons.map((x) => `${x.type}/${x.reset}`).join(', ')}), T=${net.T}; test accuracy ${(accuracy * 100).toFixed(2)}% on ${n} ${dataset} images`;
        if (flags.against !== undefined) {
          const { net: orig } = modelFromCheckpoint(k, flags.against);
          const theirs = predictDataset(orig, test, flags.testLimit);
          const same = agreement(ours.predictions, theirs.predictions);
          result['agreement'] = same;
          result['checkpointAccuracy'] = agreement(theirs.predictions, theirs.labels) / n;
          line += `; identical predictions to ${flags.against} on ${same}/${n}`;
        }
        if (flags.json !== undefined) writeJson(flags.json, result);
        process.stdout.write(`${line}\n`);
      } finally {
        disposeKernels(k);
      }
    });
}
