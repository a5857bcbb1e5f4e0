import { subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { SpikerepError } from '../errors.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { datasetOptions } from '../train/dataset-options.js';
import { evaluate } from '../train/loop.js';
import { requireSamples } from '../train/samples.js';
import { defaultSweep, parseTSweep, type SweepPoint, smallestTSentence, smallestTWithin } from '../train/smallest-t.js';
import { modelFromCheckpoint } from '../train/state.js';
import { accuracyAgainstT, networkAtT } from '../train/t-sweep.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, EVAL_OPTIONS } from './command-options.js';
import { metricsLines } from './metrics-lines.js';
import { parseOptions } from './options.js';
import { checkWritable, writeJson } from './train.js';

/**
 * `spikerep eval --checkpoint C`: a checkpoint's accuracy and metrics on its test set; `--T N` at another T,
 * `--t-sweep [list]` at several, with the smallest T within `--within` pp of the trained T's accuracy.
 */
export async function run({ values, io, argv }: CommandRun): Promise<void> {
  const o = parseOptions(EVAL_OPTIONS, values);
  if (o.T !== undefined && o.tSweep !== undefined)
    throw new SpikerepError('E_ARG', 'evaluates at one T; --t-sweep at several: use one', '--T');
  const asked = typeof o.tSweep === 'string' ? parseTSweep(o.tSweep, '--t-sweep') : undefined;
  const checkpoint = resolveCheckpoint(o.checkpoint, o.last);
  refuseWritingInput('json', o.json, { 'the `checkpoint` it evaluates': checkpoint });
  if (o.json !== undefined) checkWritable(o.json);
  const k = await createKernels(o.backend, { threads: o.threads });
  try {
    const { net: trained, config } = modelFromCheckpoint(k, checkpoint);
    let test = await openDataset(config.dataset, 'test', datasetOptions(config, o.dataDir ?? config.dataDir));
    requireSamples(test, 'evaluate', o.dataDir ?? config.dataDir);
    if (o.testLimit !== undefined && o.testLimit < test.length) test = subset(test, o.testLimit);
    const net = o.T === undefined ? trained : networkAtT(k, trained, config, o.T);
    const { accuracy, metrics } = evaluate(k, net, test, config, true);
    const at = net.T === trained.T ? `T=${net.T}` : `T=${net.T}, trained at T=${trained.T}`;
    io.out(
      `test accuracy ${(accuracy * 100).toFixed(2)}% on ${test.length} ${config.dataset} test images (${config.neuron}, ${at})\n`,
    );
    if (!o.quiet) io.out(metricsLines(metrics!, config.neuron));
    let tSweep: { within: number; smallestT: number | undefined; points: SweepPoint[] } | undefined;
    if (o.tSweep !== undefined) {
      const here = {
        T: net.T,
        accuracy,
        samples: test.length,
        synOps: metrics!.synOps,
        energyJoules: metrics!.energyJoules,
      };
      const points = accuracyAgainstT(k, net, config, test, asked ?? defaultSweep(net.T), here);
      io.out(`${sweepTable(points, net.T)}${smallestTSentence(points, net.T, o.within)}\n`);
      tSweep = { within: o.within, smallestT: smallestTWithin(points, net.T, o.within), points };
    }
    const result = {
      command: ['spikerep', ...argv].join(' '),
      checkpoint,
      testAccuracy: accuracy,
      samples: test.length,
      T: net.T,
      ...(net.T === trained.T ? {} : { trainedT: trained.T }),
      neuron: config.neuron,
      dataset: config.dataset,
      ...metrics,
      ...(tSweep === undefined ? {} : { tSweep }),
    };
    if (o.json !== undefined) {
      writeJson(o.json, result, 'the result above was printed');
      if (!o.quiet) io.out(`wrote ${o.json}\n`);
    }
  } finally {
    disposeKernels(k);
  }
}

/** One row per T: accuracy, its difference to the trained T's in percentage points, synaptic operations and energy per image. */
function sweepTable(points: readonly SweepPoint[], trainedT: number): string {
  const ref = points.find((p) => p.T === trainedT)!.accuracy;
  const rows = [['T', 'accuracy', 'Δ pp', 'synops/image', 'energy/image']];
  for (const p of points) {
    const delta =
      p.T === trainedT ? 'trained' : `${p.accuracy >= ref ? '+' : ''}${(100 * (p.accuracy - ref)).toFixed(2)}`;
    rows.push([
      String(p.T),
      `${(100 * p.accuracy).toFixed(2)}%`,
      delta,
      p.synOps.toExponential(2),
      `${(p.energyJoules * 1e6).toPrecision(3)} µJ`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `${r.map((cell, c) => cell.padStart(widths[c]!)).join('  ')}\n`).join('');
}
