import { subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { robustnessHtml } from '../report/robustness-html.js';
import { parseKinds } from '../robustness/kinds.js';
import { datasetOptions } from '../train/dataset-options.js';
import { type RobustnessCurve, robustnessSweep } from '../train/robustness.js';
import { requireSamples } from '../train/samples.js';
import { modelFromCheckpoint } from '../train/state.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, ROBUSTNESS_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable, writeJson } from './result-file.js';
import { runInfo } from './run-info.js';

/**
 * `spikerep robustness --checkpoint C`: the checkpoint's test accuracy under each kind of noise at each level
 * (docs/robustness.md), printed as one line per kind; `--json` and `--report` write it.
 */
export async function run({ values, io, argv }: CommandRun): Promise<void> {
  const o = parseOptions(ROBUSTNESS_OPTIONS, values);
  const kinds = parseKinds(o.kinds, '--kinds');
  const checkpoint = resolveCheckpoint(o.checkpoint, o.last);
  refuseWritingInput('json', o.json, { 'the `checkpoint` it sweeps': checkpoint });
  refuseWritingInput('report', o.report, { 'the `checkpoint` it sweeps': checkpoint, 'the `json` result': o.json });
  if (o.json !== undefined) checkWritable(o.json);
  if (o.report !== undefined) checkWritable(o.report);
  const started = runInfo();
  const k = await createKernels(o.backend, { threads: o.threads });
  try {
    const { net, config } = modelFromCheckpoint(k, checkpoint);
    const dataset = o.dataset ?? config.dataset;
    const dataDir = o.dataDir ?? (dataset === config.dataset ? config.dataDir : undefined);
    const full = await openDataset(dataset, 'test', datasetOptions(config, dataDir));
    requireSamples(full, 'evaluate', dataDir);
    if (dataset !== config.dataset) checkCompatible(full.sampleShape, full.classes.length, net, dataset);
    const test = o.testLimit !== undefined && o.testLimit < full.length ? subset(full, o.testLimit) : full;
    const curves = robustnessSweep(k, net, test, config, {
      kinds,
      seed: o.seed,
      draws: o.draws,
      onPoint: o.quiet ? undefined : (kind, level, acc) => io.err(`${kind} ${level}: ${(100 * acc).toFixed(2)}%\n`),
    });
    const cleanAccuracy = curves[0]?.points[0]?.accuracy ?? Number.NaN;
    io.out(
      `robustness of ${config.neuron} T=${net.T} on ${test.length} ${dataset} test images: clean ${(100 * cleanAccuracy).toFixed(2)}%\n`,
    );
    io.out(curves.map((c) => curveLine(c, o.draws)).join(''));
    const result = {
      command: ['spikerep', ...argv].join(' '),
      ...started,
      checkpoint,
      dataset,
      neuron: config.neuron,
      model: config.model,
      T: net.T,
      samples: test.length,
      testSetSize: full.length,
      seed: o.seed,
      draws: o.draws,
      cleanAccuracy,
      curves,
    };
    if (o.json !== undefined) {
      writeJson(o.json, result, 'the result above was printed');
      if (!o.quiet) io.out(`wrote ${o.json}\n`);
    }
    if (o.report !== undefined) {
      writeFileAtomic(o.report, robustnessHtml(result), { what: 'the report', kept: 'the result above was printed' });
      if (!o.quiet) io.out(`wrote ${o.report}\n`);
    }
  } finally {
    disposeKernels(k);
  }
}

/** "deletion (p): 0 99.10% · 0.1 98.95% · …"; "weight (σ / std(w), mean of 3 devices): …" */
function curveLine(c: RobustnessCurve, draws: number): string {
  const mean = c.site === 'device' && draws > 1 ? `, mean of ${draws} devices` : '';
  const body =
    c.skipped !== undefined
      ? `skipped: ${c.skipped}`
      : c.points.map((p) => `${p.level} ${(100 * p.accuracy).toFixed(2)}%`).join(' · ');
  return `${c.kind} (${c.level}${mean}): ${body}\n`;
}

/** Another test set than the checkpoint's must give the network what it was built for. */
function checkCompatible(
  shape: readonly number[],
  classes: number,
  net: { inputShape?: readonly number[]; classes: number },
  dataset: string,
): void {
  const frame = shape.slice(-3);
  const want = net.inputShape ?? [];
  const same = frame.length === want.length && frame.every((d, i) => d === want[i]);
  if (!same || classes !== net.classes) {
    throw new SpikerepError(
      'E_SHAPE',
      `its images are [${frame.join(', ')}] in ${classes} classes; the checkpoint takes [${want.join(', ')}] in ${net.classes}`,
      `--dataset ${dataset}`,
    );
  }
}
