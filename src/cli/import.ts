import { isDatasetName, openDataset } from '../data/registry.js';
import { SpikerepError } from '../errors.js';
import { readNir } from '../export/nir-h5.js';
import { importNir, type NirImportOptions } from '../export/nir-import.js';
import { agreement, predictDataset } from '../export/predictions.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { modelFromCheckpoint } from '../train/state.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, IMPORT_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { writeJson } from './train.js';

/** `spikerep import model.nir`: runs a NIR graph with spikerep's simulator on a test set, optionally against a checkpoint. */
export async function run({ args, values, io, argv }: CommandRun): Promise<void> {
  const file = args[0]!;
  const o = parseOptions(IMPORT_OPTIONS, values);
  if (o.checkpoint !== undefined && o.against !== undefined)
    throw new SpikerepError('E_ARG', 'is the same option as --checkpoint: give one', '--against');
  const given = o.checkpoint ?? o.against;
  const against =
    given === undefined
      ? undefined
      : resolveCheckpoint(given, o.last, o.checkpoint === undefined ? '--against' : '--checkpoint');
  if (given === undefined && o.last)
    throw new SpikerepError('E_ARG', 'picks the last.ckpt of a --checkpoint run folder: give one', '--last');
  refuseWritingInput('json', o.json, { 'the NIR file it imports': file, 'the `checkpoint`': against });
  const opts: NirImportOptions = {
    T: o.T,
    dt: o.dt,
    ifR: o.ifR,
    tauUnit: o.tauUnit,
    reset: o.reset,
    compare: o.compare,
  };
  const graph = await readNir(file);
  const dataset = o.dataset ?? graph.metadata['dataset'];
  if (typeof dataset !== 'string' || !isDatasetName(dataset))
    throw new SpikerepError('E_ARG', `no known dataset in the graph metadata: pass --dataset`, '--dataset');
  const k = await createKernels(o.backend, { threads: o.threads });
  try {
    const { net, neurons, engine, warnings } = importNir(k, graph, opts, file);
    for (const w of warnings) io.err(`spikerep: warning: ${w}\n`);
    const normalize = graph.metadata['normalized'] !== 0;
    const test = await openDataset(dataset, 'test', { dataDir: o.dataDir, normalize, T: net.T });
    const ours = predictDataset(net, test, o.testLimit);
    const n = ours.predictions.length;
    if (n === 0) throw new SpikerepError('E_ARG', `the ${dataset} test set is empty: nothing to evaluate`, file);
    const accuracy = agreement(ours.predictions, ours.labels) / n;
    const result: Record<string, unknown> = {
      command: ['spikerep', ...argv].join(' '),
      file,
      samples: n,
      T: net.T,
      testAccuracy: accuracy,
      neurons,
      engine,
    };
    const how = engine === 'graph' ? ', run as a graph' : '';
    let line = `imported ${file}: ${neurons.length} neuron layers (${neurons.map((x) => `${x.type}/${x.reset}`).join(', ')})${how}, T=${net.T}; test accuracy ${(accuracy * 100).toFixed(2)}% on ${n} ${dataset} images`;
    if (against !== undefined) {
      const { net: orig } = modelFromCheckpoint(k, against);
      const theirs = predictDataset(orig, test, o.testLimit);
      const same = agreement(ours.predictions, theirs.predictions);
      result['agreement'] = same;
      result['checkpointAccuracy'] = agreement(theirs.predictions, theirs.labels) / n;
      line += `; identical predictions to ${against} on ${same}/${n}`;
    }
    io.out(`${line}\n`);
    if (o.json !== undefined) {
      writeJson(o.json, result, 'the result above was printed');
      if (!o.quiet) io.out(`wrote ${o.json}\n`);
    }
  } finally {
    disposeKernels(k);
  }
}
